import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc similarity`: the layer-similarity matrix of activations stored in a file.
    struct Similarity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute the layer-similarity matrix of per-layer activations (.npz or .safetensors).",
            discussion: """
                FILE holds one array per layer, [samples, …], all with the same samples; each is flattened \
                per sample. In a .npz archive the archive order is the layer order; in a .safetensors file the \
                order of the tensors' data. Layers are numbered from 0. In JSON, undefined similarities \
                (degenerate layers) are null. `deeparc strategies` lists the metrics and their options.
                """)

        @OptionGroup var common: CommonOptions

        @Option(
            help: ArgumentHelp(
                "The activations: .npz or .safetensors, one [samples, …] array per layer.", valueName: "file"))
        var activations: String

        @Option(help: ArgumentHelp("The similarity metric's identifier.", valueName: "id"))
        var metric: String = "cka.linear"

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp(
                "A metric option as key=value (repeatable); the value is JSON or a bare string.", valueName: "key=value"
            ))
        var options: [String] = []

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            guard FileManager.default.fileExists(atPath: activations) else {
                throw FileError(path: activations, reason: "no such file")
            }
            let raw = try OptionParsing.parse(options)
            let similarity = try RegistryContext.registry.similarityMetrics.make(metric, options: raw)
            progress.line("reading \(activations) …")
            let layers = try ActivationLoader.load(activations)
            let samples = layers[0].activations.shape[0]
            progress.line("computing \(metric) of \(layers.count) layers on \(samples) samples …")
            let matrix = try similarity.similarityMatrix(of: layers.map(\.activations))
            guard matrix.count == layers.count else {
                throw CLIError(
                    "metric \(metric) returned a \(matrix.count) × \(matrix.count) matrix for \(layers.count) layers")
            }
            let result = SimilarityResult(
                metric: metric, layers: layers.map(\.name), matrix: matrix.rows, degenerate: matrix.degenerate)
            switch common.format {
            case .json: try JSONOutput.print(result)
            case .text: print(result.text)
            }
        }
    }
}

/// The JSON result of `deeparc similarity`: `{"metric","layers","matrix","degenerate"}`.
struct SimilarityResult: Codable {
    var metric: String
    var layers: [String]
    var matrix: [[Double]]
    var degenerate: [Bool]

    /// A compact table: the layers, then the matrix with two decimals (`—` for undefined).
    var text: String {
        let n = layers.count
        let width = max(4, String(n - 1).count + 1)
        var lines = ["\(metric): \(n) layers"]
        for (index, name) in layers.enumerated() {
            lines.append("  \(pad(String(index), width)) \(name)\(degenerate[index] ? "  (degenerate)" : "")")
        }
        lines.append("")
        lines.append(pad("", width) + " " + (0..<n).map { pad(String($0), 5) }.joined())
        for (index, row) in matrix.enumerated() {
            let cells = row.map { pad($0.isNaN ? "—" : String(format: "%.2f", $0), 5) }
            lines.append(pad(String(index), width) + " " + cells.joined())
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
