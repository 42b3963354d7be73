import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc prune-plan`: what a compressor would keep of each weight tensor stored in a file.
    struct PrunePlan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune-plan",
            abstract: "Plan one-shot magnitude pruning of the weight tensors in a .npz archive (no model needed).",
            discussion: """
                Each array of FILE.npz is one prunable layer's weight tensor (e.g. [out, in, kh, kw] for a \
                convolution, [out, in] for a dense layer); the archive order is the layer order, classifier \
                last (Uniform+ keeps a 4-D first layer dense and caps the last one). The tensors are dense: \
                --sparsity A is the fraction of all their weights to prune, 0 ≤ A < 1. JSON: \
                {"method","layers":[{"name","numel","kept","sparsity"}],"totalSparsity"} with \
                sparsity = 1 − kept/numel. Methods and their options: `deeparc strategies`.
                """)

        @OptionGroup var common: CommonOptions

        @Option(help: ArgumentHelp("The weights: a .npz archive, one array per layer, in layer order.", valueName: "file"))
        var weights: String

        @Option(help: ArgumentHelp("The compressor's identifier (lamp, global, uniform-plus, erk, uniform).", valueName: "id"))
        var method: String

        @Option(help: ArgumentHelp("The fraction of all weights to prune, 0 ≤ A < 1.", valueName: "a"))
        var sparsity: Double

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp(
                "A compressor option as key=value (repeatable), e.g. ties=official or ignore='[\"fc\"]'.",
                valueName: "key=value"))
        var options: [String] = []

        func run() async throws {
            common.apply()
            guard sparsity >= 0, sparsity < 1 else {
                throw CLIError("--sparsity must satisfy 0 ≤ A < 1; got \(sparsity)")
            }
            let compressor = try RegistryContext.registry.compressors.make(method, options: OptionParsing.parse(options))
            let tensors = try Self.loadTensors(weights)
            let counts: [Int]
            do {
                counts = try compressor.pruneCounts(for: tensors, amount: sparsity)
            } catch let error as DeepArcError {
                throw CLIError("\(weights): \(error)")
            }
            guard counts.count == tensors.count,
                zip(counts, tensors).allSatisfy({ $0 >= 0 && $0 <= $1.unmaskedCount })
            else {
                throw CLIError("compressor \(method) returned invalid prune counts \(counts)")
            }
            let layers = zip(tensors, counts).map { tensor, pruned in
                let kept = tensor.count - pruned
                return PrunePlanResult.Layer(
                    name: tensor.name, numel: tensor.count, kept: kept, sparsity: 1 - Double(kept) / Double(tensor.count))
            }
            let total = layers.reduce(0) { $0 + $1.numel }
            let kept = layers.reduce(0) { $0 + $1.kept }
            let result = PrunePlanResult(
                method: method, layers: layers, totalSparsity: 1 - Double(kept) / Double(total))
            switch common.format {
            case .json: try JSONOutput.print(result)
            case .text: print(result.text)
            }
        }

        /// The prunable tensors of a `.npz` file, in archive order.
        /// - Throws: a one-line error naming the file (and the array) for a file that cannot be read or
        ///   decoded, no arrays, a 0-d or empty array, or a non-finite weight.
        static func loadTensors(_ path: String) throws -> [PrunableTensor] {
            let archive = try NPZArchive.read(from: path)
            guard !archive.entries.isEmpty else {
                throw CLIError("\(path) holds no arrays; expected one weight tensor per layer")
            }
            return try archive.entries.enumerated().map { index, entry in
                let label = "\(path): layer '\(entry.name)' (index \(index))"
                guard !entry.array.shape.isEmpty else { throw CLIError("\(label) is 0-d; expected a weight tensor") }
                guard entry.array.count > 0 else {
                    throw CLIError("\(label) has no weights (shape \(entry.array.shape))")
                }
                let tensor = try entry.array.tensor(source: label)
                do {
                    return try PrunableTensor(name: entry.name, weights: tensor)
                } catch {
                    throw CLIError("\(path): \(error)")
                }
            }
        }
    }
}

/// The JSON result of `deeparc prune-plan`: `{"method","layers":[{"name","numel","kept","sparsity"}],"totalSparsity"}`.
struct PrunePlanResult: Codable {
    /// One layer's plan.
    struct Layer: Codable {
        var name: String
        var numel: Int
        var kept: Int
        var sparsity: Double
    }

    var method: String
    var layers: [Layer]
    var totalSparsity: Double

    /// A table: one line per layer, then the total.
    var text: String {
        let nameWidth = max(5, layers.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        var lines = ["\(method): total sparsity \(String(format: "%.4f", totalSparsity))"]
        lines.append("  " + pad("layer", nameWidth, left: true) + "  " + pad("numel", 10) + "  " + pad("kept", 10) + "  sparsity")
        for layer in layers {
            lines.append(
                "  " + pad(layer.name, nameWidth, left: true) + "  " + pad("\(layer.numel)", 10) + "  "
                    + pad("\(layer.kept)", 10) + "  " + String(format: "%.4f", layer.sparsity))
        }
        return lines.joined(separator: "\n")
    }
}
