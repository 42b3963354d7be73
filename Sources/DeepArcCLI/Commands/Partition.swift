import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc partition`: split a layer-similarity matrix into semantic modules.
    struct PartitionCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "partition",
            abstract: "Partition a layer-similarity matrix (.npy or the JSON of `similarity`) into semantic modules.",
            discussion: """
                FILE is an n × n float32/float64 .npy matrix or the JSON that `deeparc similarity` writes \
                (null = undefined). Modules are lists of consecutive 0-based layers; modularity is the share of \
                layers in multi-layer modules. --sweep adds module count and modularity for thresholds \
                0.90, 0.91, …, 0.99 (the paper's Fig. 11). `deeparc strategies` lists partitioners and options.
                """)

        @OptionGroup var common: CommonOptions

        @Option(
            help: ArgumentHelp(
                "The similarity matrix: .npy (n × n) or the JSON of `deeparc similarity`.", valueName: "file"))
        var similarity: String

        @Option(help: ArgumentHelp("The partitioner's identifier (e.g. greedy, dp).", valueName: "id"))
        var partitioner: String

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp(
                "A partitioner option as key=value (repeatable), e.g. criterion=link; the value is JSON or a bare string.",
                valueName: "key=value"))
        var options: [String] = []

        @Option(help: ArgumentHelp("The threshold th, 0 < th ≤ 1 (default: the partitioner's, 0.99).", valueName: "th"))
        var threshold: Double?

        @Flag(help: "Also report module count and modularity for th = 0.90, 0.91, …, 0.99.")
        var sweep = false

        @Option(
            help: ArgumentHelp("Also draw the matrix and its modules as an SVG heatmap here.", valueName: "file.svg"))
        var heatmap: String?

        func run() async throws {
            common.apply()
            if let threshold, !(threshold > 0 && threshold <= 1) {
                throw CLIError("--threshold must satisfy 0 < th ≤ 1; got \(threshold)")
            }
            guard FileManager.default.fileExists(atPath: similarity) else {
                throw FileError(path: similarity, reason: "no such file")
            }
            let raw = try OptionParsing.parse(options)
            if threshold != nil, case .object(let members) = raw, members["threshold"] != nil {
                throw CLIError("give the threshold once: --threshold or --option threshold=…, not both")
            }
            let strategy = try RegistryContext.registry.partitioners.make(partitioner, options: raw)
            let th = threshold ?? strategy.threshold
            let loaded = try MatrixLoader.load(similarity)
            let partition = try strategy.partition(loaded.matrix, threshold: th)
            let architecture = try SemanticArchitecture(partition: partition, matrix: loaded.matrix, threshold: th)
            let rows = sweep ? try ThresholdSweep(matrix: loaded.matrix, partitioner: strategy).rows : nil
            if let heatmap {
                let multiLayer = architecture.multiLayerModules.count
                let given = options.filter { !$0.hasPrefix("threshold=") }
                let strategyText = given.isEmpty ? partitioner : "\(partitioner) (\(given.joined(separator: ", ")))"
                let drawing = try SimilarityHeatmap(
                    matrix: loaded.matrix, partition: partition,
                    title: "Layer similarity\(loaded.metric.map { " (\($0))" } ?? "") — \(loaded.matrix.count) layers",
                    subtitle: "\(strategyText), th = \(th): \(plural(partition.moduleCount, "module")), "
                        + "\(multiLayer) multi-layer, " + String(format: "modularity %.3f", architecture.modularity),
                    layerNames: loaded.layers)
                try drawing.write(to: heatmap)
            }
            let result = PartitionResult(
                modules: partition.layerLists, moduleCount: partition.moduleCount,
                modularity: architecture.modularity, sweep: rows)
            switch common.format {
            case .json: try JSONOutput.print(result)
            case .text: print(result.text(partitioner: partitioner, threshold: th))
            }
        }
    }
}

/// The JSON result of `deeparc partition`: `{"modules","moduleCount","modularity"}` (+ `"sweep"`).
struct PartitionResult: Codable {
    var modules: [[Int]]
    var moduleCount: Int
    var modularity: Double
    var sweep: [ThresholdSweep.Row]?

    /// The modules in compact form, then the sweep as a table.
    func text(partitioner: String, threshold: Double) -> String {
        let compact = modules.map { $0.count == 1 ? "[\($0[0])]" : "[\($0[0])…\($0[$0.count - 1])]" }
        let multiLayer = modules.filter { $0.count > 1 }.count
        var lines = [
            "\(partitioner) at th = \(threshold): \(plural(moduleCount, "module")) (\(multiLayer) multi-layer), "
                + String(format: "modularity %.4f", modularity),
            "modules: " + compact.joined(separator: " "),
        ]
        if let sweep {
            lines.append("")
            lines.append("threshold  modules  modularity")
            for row in sweep {
                lines.append(String(format: "%9.2f  %7d  %10.4f", row.threshold, row.moduleCount, row.modularity))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// `1 module`, `26 modules`.
func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
