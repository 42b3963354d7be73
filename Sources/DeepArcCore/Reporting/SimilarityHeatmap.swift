public import DeepArcTensor
import Foundation

/// A layer-similarity matrix drawn as a standalone SVG heatmap (the style of the paper's Fig. 5),
/// optionally with the modules of a partition outlined on the diagonal.
///
/// - Cells are coloured with the perceptually uniform *viridis* map (dark violet = low, yellow =
///   high) over ``valueRange``; NaN cells (degenerate layers) are hatched grey.
/// - Each multi-layer module is outlined as a square on the diagonal.
/// - Both axes carry layer indices (0-based), thinned so labels never crowd; a colour bar shows the
///   range with its minimum, middle and maximum.
///
/// The result is a complete XML document that browsers and `rsvg-convert` render. Elements carry
/// classes for tools and tests: `cell` (plus `nan`) for the n × n cells, `module` for the outlines.
///
/// ```swift
/// let heatmap = try SimilarityHeatmap(matrix: matrix, partition: partition, title: "ResNet-110, cka.linear")
/// try heatmap.write(to: "similarity.svg")
/// ```
public struct SimilarityHeatmap: Sendable {
    /// The matrix drawn.
    public let matrix: SimilarityMatrix
    /// The modules outlined on the diagonal, if any.
    public let partition: Partition?
    /// The title above the heatmap.
    public let title: String
    /// A second, smaller line under the title (nil for none).
    public let subtitle: String?
    /// Layer names shown in the cells' tooltips (nil: indices only).
    public let layerNames: [String]?
    /// The values mapped to the ends of the colour map: the data's finite minimum and maximum unless given.
    public let valueRange: ClosedRange<Double>
    /// The side of one cell in SVG pixels, chosen from n so the heatmap is about 560 px wide.
    public let cellSize: Int
    /// Every how many layers an axis label is drawn.
    public let tickStep: Int

    /// The most cells for which each cell gets a tooltip (`<title>`); larger matrices skip them to
    /// keep the file small.
    public static let tooltipLimit = 128 * 128

    // MARK: - Creating

    /// Prepares a heatmap of `matrix`.
    /// - Parameters:
    ///   - matrix: the layer-similarity matrix.
    ///   - partition: modules to outline; must cover the matrix's layers.
    ///   - title: the title line.
    ///   - subtitle: an optional second line (e.g. the partitioner and threshold).
    ///   - layerNames: one name per layer for the tooltips.
    ///   - valueRange: the values at the ends of the colour map (default: the data's finite extremes).
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` when the partition covers a different number
    ///   of layers; ``DeepArcError/invalidMatrix(reason:)`` when the names do not match the layers or
    ///   the range is not finite.
    public init(
        matrix: SimilarityMatrix, partition: Partition? = nil, title: String = "Layer similarity",
        subtitle: String? = nil, layerNames: [String]? = nil, valueRange: ClosedRange<Double>? = nil
    ) throws(DeepArcError) {
        let n = matrix.count
        if let partition, partition.layerCount != n {
            throw .invalidPartition(
                reason: "the partition covers \(partition.layerCount) layers but the matrix has \(n)")
        }
        if let layerNames, layerNames.count != n {
            throw .invalidMatrix(reason: "\(layerNames.count) layer names for \(n) layers")
        }
        if let valueRange, !valueRange.lowerBound.isFinite || !valueRange.upperBound.isFinite {
            throw .invalidMatrix(reason: "the colour range \(valueRange) is not finite")
        }
        self.matrix = matrix
        self.partition = partition
        self.title = title
        self.subtitle = subtitle
        self.layerNames = layerNames
        self.valueRange = valueRange ?? Self.finiteRange(of: matrix)
        self.cellSize = min(28, max(3, 560 / n))
        self.tickStep = Self.tickStep(cellSize: cellSize)
    }

    /// The smallest and largest finite entries (0...1 when there are none).
    private static func finiteRange(of matrix: SimilarityMatrix) -> ClosedRange<Double> {
        var low = Double.infinity
        var high = -Double.infinity
        for value in matrix.values where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
        return low <= high ? low...high : 0...1
    }

    /// The smallest step of 1, 2, 5, 10, 20, 50, … that puts axis labels at least 24 px apart.
    private static func tickStep(cellSize: Int) -> Int {
        var magnitude = 1
        while true {
            for factor in [1, 2, 5] where factor * magnitude * cellSize >= 24 {
                return factor * magnitude
            }
            magnitude *= 10
        }
    }

    // MARK: - Colours

    /// The viridis colour map sampled at ten evenly spaced points (0, 1/9, …, 1).
    private static let viridisAnchors: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x4A, 0x89), (0x31, 0x68, 0x8E), (0x26, 0x82, 0x8E),
        (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6D, 0xCD, 0x59), (0xB4, 0xDE, 0x2C), (0xFD, 0xE7, 0x25),
    ]

    /// The viridis colour at `t` (clamped to 0...1), linearly interpolated between ten anchors.
    /// - Returns: the colour as `#rrggbb`; NaN gives mid grey.
    public static func viridis(_ t: Double) -> String {
        guard !t.isNaN else { return "#bdbdbd" }
        let clamped = min(max(t, 0), 1)
        let position = clamped * Double(viridisAnchors.count - 1)
        let lower = min(Int(position), viridisAnchors.count - 2)
        let fraction = position - Double(lower)
        let a = viridisAnchors[lower]
        let b = viridisAnchors[lower + 1]
        return hex(
            a.0 + (b.0 - a.0) * fraction, a.1 + (b.1 - a.1) * fraction, a.2 + (b.2 - a.2) * fraction)
    }

    /// The colour of a similarity value under ``valueRange``.
    public func color(for value: Double) -> String {
        guard value.isFinite else { return Self.viridis(.nan) }
        let span = valueRange.upperBound - valueRange.lowerBound
        return Self.viridis(span > 0 ? (value - valueRange.lowerBound) / span : 1)
    }

    private static func hex(_ red: Double, _ green: Double, _ blue: Double) -> String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for channel in [red, green, blue] {
            let byte = Int(min(max(channel.rounded(), 0), 255))
            text.append(digits[byte / 16])
            text.append(digits[byte % 16])
        }
        return text
    }

    // MARK: - Layout

    private var plotSide: Int { matrix.count * cellSize }
    private let left = 64
    private var top: Int { subtitle == nil ? 52 : 70 }
    private var colorBarX: Int { left + plotSide + 24 }
    private let colorBarWidth = 16
    private var width: Int {
        // Rough text widths: about 0.6 em per character (16 px bold title, 12 px subtitle).
        let textWidth = max(Double(title.count) * 9.6, Double(subtitle?.count ?? 0) * 7)
        let titleWidth = left + Int(textWidth.rounded(.up)) + 16
        return max(colorBarX + colorBarWidth + 64, titleWidth)
    }
    private var height: Int { top + plotSide + 52 }
    private var hasNaN: Bool { matrix.values.contains { $0.isNaN } }

    // MARK: - Rendering

    /// The heatmap as a standalone SVG document.
    public func svg() -> String {
        var out = ""
        out.reserveCapacity(matrix.count * matrix.count * (matrix.count * matrix.count <= Self.tooltipLimit ? 110 : 70))
        out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        out += "viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<title>\(Self.escape(title))</title>\n"
        appendDefinitions(to: &out)
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        appendTitle(to: &out)
        appendCells(to: &out)
        appendModules(to: &out)
        appendAxes(to: &out)
        appendColorBar(to: &out)
        out += "</svg>\n"
        return out
    }

    /// Writes ``svg()`` to `path` atomically (a temporary file, then a rename).
    /// - Throws: `FileError` naming `path` when it cannot be written.
    public func write(to path: String) throws(FileError) {
        try FileIO.writeAtomically(Data(svg().utf8), to: path)
    }

    private func appendDefinitions(to out: inout String) {
        out += "<defs>\n"
        out += "<pattern id=\"nan-hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
        out += "patternTransform=\"rotate(45)\">"
        out += "<rect width=\"4\" height=\"4\" fill=\"#d9d9d9\"/>"
        out += "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#7f7f7f\" stroke-width=\"1.5\"/></pattern>\n"
        out += "<linearGradient id=\"viridis\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        let stops = Self.viridisAnchors.count - 1
        for index in 0...stops {
            let t = Double(index) / Double(stops)
            out += "<stop offset=\"\(Self.format(t, digits: 4))\" stop-color=\"\(Self.viridis(t))\"/>"
        }
        out += "</linearGradient>\n</defs>\n"
    }

    private func appendTitle(to out: inout String) {
        out += "<text class=\"title\" x=\"\(left)\" y=\"24\" font-size=\"16\" font-weight=\"bold\" "
        out += "fill=\"#222222\">\(Self.escape(title))</text>\n"
        if let subtitle {
            out += "<text class=\"subtitle\" x=\"\(left)\" y=\"44\" font-size=\"12\" "
            out += "fill=\"#555555\">\(Self.escape(subtitle))</text>\n"
        }
    }

    private func appendCells(to out: inout String) {
        let n = matrix.count
        let tooltips = n * n <= Self.tooltipLimit
        out += "<g class=\"cells\" shape-rendering=\"crispEdges\">\n"
        for i in 0..<n {
            let y = top + i * cellSize
            for j in 0..<n {
                let value = matrix[i, j]
                let x = left + j * cellSize
                let fill = value.isNaN ? "url(#nan-hatch)" : color(for: value)
                out += "<rect class=\"\(value.isNaN ? "cell nan" : "cell")\" x=\"\(x)\" y=\"\(y)\" "
                out += "width=\"\(cellSize)\" height=\"\(cellSize)\" fill=\"\(fill)\""
                if tooltips {
                    let shown = value.isNaN ? "NaN" : Self.format(value, digits: 4)
                    out += "><title>\(tooltipName(i)) × \(tooltipName(j)): \(shown)</title></rect>\n"
                } else {
                    out += "/>\n"
                }
            }
        }
        out += "</g>\n"
    }

    private func tooltipName(_ layer: Int) -> String {
        guard let layerNames else { return "\(layer)" }
        return "\(layer) (\(Self.escape(layerNames[layer])))"
    }

    private func appendModules(to out: inout String) {
        guard let partition else { return }
        out += "<g class=\"modules\" fill=\"none\">\n"
        for (index, module) in partition.modules.enumerated() where module.count > 1 {
            let x = left + module.lowerBound * cellSize
            let y = top + module.lowerBound * cellSize
            let side = module.count * cellSize
            // A dark outline with a light core stays visible on every colour of the map.
            out += "<rect class=\"module\" data-module=\"\(index)\" data-first=\"\(module.lowerBound)\" "
            out += "data-last=\"\(module.upperBound)\" x=\"\(x)\" y=\"\(y)\" width=\"\(side)\" height=\"\(side)\" "
            out += "stroke=\"#000000\" stroke-width=\"3\"/>\n"
            out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(side)\" height=\"\(side)\" stroke=\"#ffffff\" "
            out += "stroke-width=\"1\"/>\n"
        }
        out += "</g>\n"
    }

    private func appendAxes(to out: inout String) {
        let n = matrix.count
        let bottom = top + plotSide
        out += "<g class=\"axes\" font-size=\"11\" fill=\"#333333\">\n"
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotSide)\" height=\"\(plotSide)\" fill=\"none\" "
        out += "stroke=\"#333333\" stroke-width=\"1\"/>\n"
        for layer in stride(from: 0, to: n, by: tickStep) {
            // Column ticks below the heatmap, row ticks to its left, at the cell centres.
            let x = Self.format(Double(left) + (Double(layer) + 0.5) * Double(cellSize), digits: 1)
            let y = Self.format(Double(top) + (Double(layer) + 0.5) * Double(cellSize), digits: 1)
            out += "<line class=\"tick\" x1=\"\(x)\" y1=\"\(bottom)\" x2=\"\(x)\" y2=\"\(bottom + 4)\" "
            out += "stroke=\"#333333\"/>"
            out += "<text class=\"tick-label\" x=\"\(x)\" y=\"\(bottom + 16)\" text-anchor=\"middle\">\(layer)</text>\n"
            out += "<line class=\"tick\" x1=\"\(left - 4)\" y1=\"\(y)\" x2=\"\(left)\" y2=\"\(y)\" stroke=\"#333333\"/>"
            out += "<text class=\"tick-label\" x=\"\(left - 7)\" y=\"\(y)\" text-anchor=\"end\" "
            out += "dominant-baseline=\"central\">\(layer)</text>\n"
        }
        out += "<text class=\"axis-label\" x=\"\(left + plotSide / 2)\" y=\"\(bottom + 36)\" text-anchor=\"middle\" "
        out += "font-size=\"12\">layer</text>\n"
        out += "<text class=\"axis-label\" x=\"0\" y=\"0\" text-anchor=\"middle\" font-size=\"12\" "
        out += "transform=\"translate(\(left - 40) \(top + plotSide / 2)) rotate(-90)\">layer</text>\n"
        out += "</g>\n"
    }

    private func appendColorBar(to out: inout String) {
        let x = colorBarX
        let barHeight = plotSide
        let labelX = x + colorBarWidth + 5
        let low = valueRange.lowerBound
        let high = valueRange.upperBound
        out += "<g class=\"color-bar\" font-size=\"11\" fill=\"#333333\">\n"
        out += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(colorBarWidth)\" height=\"\(barHeight)\" "
        out += "fill=\"url(#viridis)\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n"
        out += "<text class=\"color-max\" x=\"\(labelX)\" y=\"\(top + 9)\">\(Self.format(high, digits: 3))</text>\n"
        out += "<text class=\"color-mid\" x=\"\(labelX)\" y=\"\(top + barHeight / 2 + 4)\">"
        out += "\(Self.format((low + high) / 2, digits: 3))</text>\n"
        out +=
            "<text class=\"color-min\" x=\"\(labelX)\" y=\"\(top + barHeight)\">\(Self.format(low, digits: 3))</text>\n"
        if hasNaN {
            let y = top + barHeight + 14
            out +=
                "<rect class=\"nan-key\" x=\"\(x)\" y=\"\(y)\" width=\"\(colorBarWidth)\" height=\"\(colorBarWidth)\" "
            out += "fill=\"url(#nan-hatch)\" stroke=\"#333333\" stroke-width=\"0.5\"/>"
            out += "<text x=\"\(labelX)\" y=\"\(y + 12)\">NaN</text>\n"
        }
        out += "</g>\n"
    }

    // MARK: - Text

    /// `value` with a fixed number of decimals, always with a `.` (no locale).
    private static func format(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", locale: nil, value)
    }

    /// Escapes the five XML special characters and drops control characters XML 1.0 forbids.
    private static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            if let scalar = character.unicodeScalars.first, scalar.value < 0x20, !"\t\n\r".contains(character) {
                continue
            }
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
