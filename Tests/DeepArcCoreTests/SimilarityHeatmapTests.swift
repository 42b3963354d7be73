import DeepArcCore
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The SVG heatmap: well-formed, one cell per entry, NaN cells marked, module outlines where the
/// partition has multi-layer modules.
@Suite("SimilarityHeatmap")
struct SimilarityHeatmapTests {
    /// An element of the parsed SVG.
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }
        func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
    }

    /// Collects every element with its attributes and direct text.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append(Element(name: elementName, attributes: attributes))
            open.append(elements.count - 1)
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            _ = open.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }
    }

    /// Parses `svg`, failing the test when it is not well-formed XML.
    static func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Element] {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "not well-formed: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
        try #require(ok, sourceLocation: sourceLocation)
        #expect(collector.elements.first?.name == "svg", sourceLocation: sourceLocation)
        return collector.elements
    }

    /// A 5 × 5 matrix whose layer 2 is degenerate (NaN row and column).
    static func matrixWithDegenerateLayer() throws -> SimilarityMatrix {
        let nan = Double.nan
        return try SimilarityMatrix(rows: [
            [1, 0.995, nan, 0.5, 0.2],
            [0.995, 1, nan, 0.6, 0.3],
            [nan, nan, nan, nan, nan],
            [0.5, 0.6, nan, 1, 0.97],
            [0.2, 0.3, nan, 0.97, 1],
        ])
    }

    @Test("n × n cells; the NaN row and column are marked and hatched")
    func cellsAndNaN() throws {
        let matrix = try Self.matrixWithDegenerateLayer()
        let elements = try Self.parse(try SimilarityHeatmap(matrix: matrix).svg())
        let cells = elements.filter { $0.classes.contains("cell") }
        #expect(cells.count == 25)
        let nan = cells.filter { $0.classes.contains("nan") }
        #expect(nan.count == 9)  // row 2 and column 2 share one cell: 5 + 5 − 1
        #expect(nan.allSatisfy { $0.attributes["fill"] == "url(#nan-hatch)" })
        #expect(elements.contains { $0.name == "pattern" && $0.attributes["id"] == "nan-hatch" })
        // The NaN cells are exactly those in row 2 or column 2 of the grid the cells form.
        let xs = Set(cells.compactMap { $0.number("x") }).sorted()
        let ys = Set(cells.compactMap { $0.number("y") }).sorted()
        #expect(xs.count == 5 && ys.count == 5)
        for cell in cells {
            let column = xs.firstIndex(of: cell.number("x") ?? -1)
            let row = ys.firstIndex(of: cell.number("y") ?? -1)
            #expect(cell.classes.contains("nan") == (row == 2 || column == 2))
        }
    }

    @Test("one outline per multi-layer module, on the diagonal cells it spans")
    func moduleOutlines() throws {
        let matrix = try Self.matrixWithDegenerateLayer()
        let partition = try Partition(layers: [[0, 1], [2], [3, 4]])
        let elements = try Self.parse(try SimilarityHeatmap(matrix: matrix, partition: partition).svg())
        let cells = elements.filter { $0.classes.contains("cell") }
        let xs = Set(cells.compactMap { $0.number("x") }).sorted()
        let ys = Set(cells.compactMap { $0.number("y") }).sorted()
        let side = try #require(cells.first?.number("width"))
        let modules = elements.filter { $0.classes.contains("module") }
        #expect(modules.count == 2)
        for (module, (first, last)) in zip(modules, [(0, 1), (3, 4)]) {
            #expect(module.number("x") == xs[first])
            #expect(module.number("y") == ys[first])
            #expect(module.number("width") == xs[last] + side - xs[first])
            #expect(module.number("height") == ys[last] + side - ys[first])
            #expect(module.attributes["fill"] == nil || module.attributes["fill"] == "none")
        }
        // No partition, no outlines.
        let plain = try Self.parse(try SimilarityHeatmap(matrix: matrix).svg())
        #expect(!plain.contains { $0.classes.contains("module") })
    }

    @Test("colours: viridis ends at the data's minimum and maximum; the colour bar shows them")
    func colours() throws {
        let matrix = try SimilarityMatrix(rows: [[1, 0.25, 0.5], [0.25, 1, 0.75], [0.5, 0.75, 1]])
        let heatmap = try SimilarityHeatmap(matrix: matrix)
        let elements = try Self.parse(heatmap.svg())
        let cells = elements.filter { $0.classes.contains("cell") }
        // Row-major order: cell 0 is [0][0] = 1 (the maximum), cell 1 is [0][1] = 0.25 (the minimum).
        #expect(cells[0].attributes["fill"] == "#fde725")
        #expect(cells[1].attributes["fill"] == "#440154")
        #expect(SimilarityHeatmap.viridis(0) == "#440154")
        #expect(SimilarityHeatmap.viridis(1) == "#fde725")
        #expect(SimilarityHeatmap.viridis(2) == "#fde725")
        // Halfway between anchors 4 (#26828e) and 5 (#1f9e89) of ten: t = 4.5 / 9.
        #expect(SimilarityHeatmap.viridis(0.5) == "#23908c")
        let maxLabel = elements.first { $0.classes.contains("color-max") }
        let minLabel = elements.first { $0.classes.contains("color-min") }
        #expect(maxLabel?.text == "1.000")
        #expect(minLabel?.text == "0.250")
        // A fixed range maps 0.25 to a colour a quarter of the way up instead.
        let fixed = try SimilarityHeatmap(matrix: matrix, valueRange: 0...1)
        #expect(fixed.color(for: 0.25) == SimilarityHeatmap.viridis(0.25))
    }

    @Test("axis labels are thinned for large n and start at layer 0")
    func ticks() throws {
        let n = 54
        let values = (0..<(n * n)).map { index -> Double in
            let (i, j) = (index / n, index % n)
            return 1 / (1 + Double(abs(i - j)))
        }
        let heatmap = try SimilarityHeatmap(matrix: try SimilarityMatrix(count: n, values: values))
        let elements = try Self.parse(heatmap.svg())
        #expect(elements.filter { $0.classes.contains("cell") }.count == n * n)
        let labels = elements.filter { $0.classes.contains("tick-label") }.compactMap { Int($0.text) }
        // Each axis: labels 0, step, 2·step, … with step > 1 and at least 24 px between them.
        let axis = Array(labels.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        #expect(axis.first == 0)
        #expect(axis.count < n && axis.count >= 5)
        let step = heatmap.tickStep
        #expect(step > 1 && step * heatmap.cellSize >= 24)
        #expect(axis == Array(stride(from: 0, to: n, by: step)))
    }

    @Test("titles are escaped; tooltips carry layer names")
    func escaping() throws {
        let matrix = try SimilarityMatrix(rows: [[1, 0.5], [0.5, 1]])
        let heatmap = try SimilarityHeatmap(
            matrix: matrix, title: "a < b & \"c\"", subtitle: "x > y", layerNames: ["conv<1>", "fc&2"])
        let elements = try Self.parse(heatmap.svg())
        #expect(elements.first { $0.classes.contains("title") }?.text == "a < b & \"c\"")
        #expect(elements.first { $0.classes.contains("subtitle") }?.text == "x > y")
        #expect(elements.contains { $0.name == "title" && $0.text.contains("conv<1>") && $0.text.contains("fc&2") })
    }

    @Test("a partition of another size is rejected")
    func mismatchedPartition() throws {
        let matrix = try SimilarityMatrix(rows: [[1, 0.5], [0.5, 1]])
        #expect(throws: DeepArcError.self) {
            try SimilarityHeatmap(matrix: matrix, partition: .singletons(layerCount: 3))
        }
        #expect(throws: DeepArcError.self) { try SimilarityHeatmap(matrix: matrix, layerNames: ["only one"]) }
    }

    @Test("write(to:) stores exactly svg()")
    func write() throws {
        let matrix = try SimilarityMatrix(rows: [[1, 0.5], [0.5, 1]])
        let heatmap = try SimilarityHeatmap(matrix: matrix, partition: .whole(layerCount: 2))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("heatmap-\(UUID().uuidString).svg")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try heatmap.write(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == heatmap.svg())
    }
}
