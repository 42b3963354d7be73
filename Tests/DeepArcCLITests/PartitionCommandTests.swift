import DeepArcTestKit
import DeepArc
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `deeparc partition` end to end on the built executable.
@Suite("deeparc partition")
struct PartitionCommandTests {
    static let fixture = CLI.sharedFixture("resnet110-block-cka.npy")

    /// The modules of a partition of `0..<n` whose multi-layer modules are `runs` (inclusive bounds).
    static func modules(n: Int, multiLayer runs: [ClosedRange<Int>]) -> [[Int]] {
        var modules: [[Int]] = []
        var layer = 0
        while layer < n {
            if let run = runs.first(where: { $0.lowerBound == layer }) {
                modules.append(Array(run))
                layer = run.upperBound + 1
            } else {
                modules.append([layer])
                layer += 1
            }
        }
        return modules
    }

    /// Writes a float64 n × n matrix as .npy.
    static func writeMatrix(_ rows: [[Double]], to path: String) throws {
        var data = Data()
        for value in rows.joined() {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        try NPYArray(dataType: .float64, shape: [rows.count, rows.first?.count ?? 0], data: data).write(to: path)
    }

    @Test("greedy link at 0.99 on the ResNet-110 fixture: the paper's Figure 3")
    func fixtureGreedyLink() throws {
        #expect(FileManager.default.fileExists(atPath: Self.fixture), "fixture missing at \(Self.fixture)")
        let result = try CLI.run([
            "partition", "--similarity", Self.fixture, "--partitioner", "greedy", "--option", "criterion=link",
            "--threshold", "0.99", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(Set(object.keys) == ["modules", "moduleCount", "modularity"])
        #expect(object["moduleCount"] as? Int == 26)
        let modules = try #require(object["modules"] as? [[Int]])
        #expect(modules == Self.modules(n: 54, multiLayer: [5...9, 22...35, 38...49]))
        // (5 + 14 + 12) of 54 layers lie in multi-layer modules.
        let modularity = try #require(object["modularity"] as? Double)
        #expect(abs(modularity - 31.0 / 54.0) < 1e-12)
    }

    @Test("greedy's default criterion (mean) at the default threshold: 24 modules")
    func fixtureGreedyMean() throws {
        let result = try CLI.run([
            "partition", "--similarity", Self.fixture, "--partitioner", "greedy", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(object["moduleCount"] as? Int == 24)
        #expect(object["modules"] as? [[Int]] == Self.modules(n: 54, multiLayer: [5...10, 22...35, 38...50]))
    }

    @Test("--sweep: thresholds 0.90…0.99, ending at the partition itself, fewer modules at lower thresholds")
    func sweep() throws {
        let result = try CLI.run([
            "partition", "--similarity", Self.fixture, "--partitioner", "greedy", "--option", "criterion=link",
            "--sweep", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        #expect(Set(object.keys) == ["modules", "moduleCount", "modularity", "sweep"])
        let rows = try #require(object["sweep"] as? [[String: Any]])
        #expect(rows.count == 10)
        for (index, row) in rows.enumerated() {
            #expect(Set(row.keys) == ["threshold", "moduleCount", "modularity"])
            #expect(abs((row["threshold"] as? Double ?? -1) - (0.90 + Double(index) / 100)) < 1e-12)
        }
        #expect(rows.last?["moduleCount"] as? Int == 26)
        // With the link criterion a lower threshold keeps every link a higher one keeps.
        let counts = rows.compactMap { $0["moduleCount"] as? Int }
        #expect(counts.count == 10 && zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("reads the JSON of `similarity`: null entries never join a module")
    func jsonInput() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = """
            {"metric": "cka.linear", "layers": ["a", "b", "c", "d", "e"],
             "matrix": [[1, 0.995, null, 0.5, 0.2], [0.995, 1, null, 0.6, 0.3], [null, null, null, null, null],
                        [0.5, 0.6, null, 1, 0.97], [0.2, 0.3, null, 0.97, 1]],
             "degenerate": [false, false, true, false, false]}
            """
        try Data(json.utf8).write(to: directory.url.appendingPathComponent("s.json"))
        let result = try CLI.run([
            "partition", "--similarity", directory.path("s.json"), "--partitioner", "greedy", "--option",
            "criterion=link", "--threshold", "0.96", "--format", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try result.jsonObject()
        // Links: 0.995 joins, the two null links split, 0.97 ≥ 0.96 joins.
        #expect(object["modules"] as? [[Int]] == [[0, 1], [2], [3, 4]])
        #expect(object["moduleCount"] as? Int == 3)
        #expect(abs((object["modularity"] as? Double ?? -1) - 0.8) < 1e-12)
    }

    @Test("--heatmap writes an SVG with one outline per multi-layer module")
    func heatmap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let svg = directory.path("fixture.svg")
        let result = try CLI.run([
            "partition", "--similarity", Self.fixture, "--partitioner", "greedy", "--option", "criterion=link",
            "--heatmap", svg,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("26 modules"))
        let data = try Data(contentsOf: URL(fileURLWithPath: svg))
        let collector = ClassCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        #expect(collector.count(of: "cell") == 54 * 54)
        #expect(collector.count(of: "module") == 3)
        #expect(directory.contents() == ["fixture.svg"], "a temporary file was left behind")
    }

    @Test("text output names the module count and the modules")
    func textOutput() throws {
        let result = try CLI.run([
            "partition", "--similarity", Self.fixture, "--partitioner", "greedy", "--option", "criterion=link",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("26 modules"))
        #expect(result.stdout.contains("[22…35]"))
    }

    // MARK: - Errors

    /// A failing command's arguments (after `partition --heatmap OUT`) and what its message must name.
    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var matrix: [[Double]]?
        var arguments: [String]
        var fragments: [String]
        var testDescription: String { name }
    }

    static let valid: [[Double]] = [[1, 0.995, 0.2], [0.995, 1, 0.3], [0.2, 0.3, 1]]

    static let failures: [Failure] = [
        Failure(
            name: "missing file", matrix: nil, arguments: ["--partitioner", "greedy"], fragments: ["no such file"]),
        Failure(
            name: "unknown partitioner", matrix: valid, arguments: ["--partitioner", "nope"],
            fragments: ["unknown partitioner 'nope'", "dp", "greedy"]),
        Failure(
            name: "threshold 1.5", matrix: valid, arguments: ["--partitioner", "greedy", "--threshold", "1.5"],
            fragments: ["--threshold", "1.5"]),
        Failure(
            name: "threshold 0", matrix: valid, arguments: ["--partitioner", "dp", "--threshold", "0"],
            fragments: ["--threshold", "0 < th ≤ 1"]),
        Failure(
            name: "threshold option out of range", matrix: valid,
            arguments: ["--partitioner", "greedy", "--option", "threshold=1.5"], fragments: ["threshold", "1.5"]),
        Failure(
            name: "asymmetric matrix", matrix: [[1, 0.9, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]],
            arguments: ["--partitioner", "greedy"], fragments: ["matrix.npy", "not symmetric", "[0][1]"]),
        Failure(
            name: "non-square matrix", matrix: [[1, 0.9, 0.2], [0.9, 1, 0.3]], arguments: ["--partitioner", "greedy"],
            fragments: ["matrix.npy", "not square", "2 × 3"]),
        Failure(
            name: "infinite entry", matrix: [[1, .infinity], [.infinity, 1]], arguments: ["--partitioner", "greedy"],
            fragments: ["matrix.npy", "infinite"]),
        Failure(
            name: "misspelt option", matrix: valid,
            arguments: ["--partitioner", "greedy", "--option", "threshhold=0.9"],
            fragments: ["threshhold", "criterion, threshold"]),
        Failure(
            name: "bad option value", matrix: valid,
            arguments: ["--partitioner", "greedy", "--option", "criterion=linky"],
            fragments: ["criterion", "linky"]),
        Failure(
            name: "option without =", matrix: valid, arguments: ["--partitioner", "greedy", "--option", "criterion"],
            fragments: ["--option", "key=value"]),
    ]

    @Test("errors: non-zero exit, one `error:` line, no output file", arguments: failures)
    func failure(_ failure: Failure) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = directory.path("matrix.npy")
        if let matrix = failure.matrix { try Self.writeMatrix(matrix, to: input) }
        let result = try CLI.run(
            ["partition", "--similarity", input, "--heatmap", directory.path("out.svg")] + failure.arguments)
        CLI.expectFailure(result, mentioning: failure.fragments)
        #expect(!directory.contents().contains { $0.contains("out.svg") }, "files: \(directory.contents())")
    }

    @Test("a JSON file that is not a similarity result is a clear error")
    func badJSON() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data(#"{"rows": [[1]]}"#.utf8).write(to: directory.url.appendingPathComponent("bad.json"))
        let result = try CLI.run(["partition", "--similarity", directory.path("bad.json"), "--partitioner", "greedy"])
        CLI.expectFailure(result, mentioning: ["bad.json", "matrix"])
    }
}

/// Counts the elements of an XML document by the words of their `class` attribute.
final class ClassCollector: NSObject, XMLParserDelegate {
    private(set) var classes: [String: Int] = [:]

    func count(of name: String) -> Int { classes[name] ?? 0 }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        for word in (attributes["class"] ?? "").split(separator: " ") { classes[String(word), default: 0] += 1 }
    }
}
