import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc modularize`: the semantic architecture of a trained model.
    struct Modularize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recover a checkpoint's semantic architecture: unit similarity on m samples, then modules.",
            discussion: """
                Compares every unit's output except the classifier head on the first m samples of the split. \
                Strategies come from --metric/--partitioner, or from the `similarity` and `partitioner` of a \
                pipeline configuration (--config). --heatmap draws the matrix with module boundaries as SVG.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "The checkpoint (.safetensors).")
        var model: String

        @Option(help: "How many samples m to compare the units on.")
        var samples: Int = 1000

        @Option(help: "Which split the samples come from: train or test.")
        var split: String = "test"

        @Option(help: "A pipeline configuration whose similarity and partitioner to use.")
        var config: String?

        @Option(help: "The similarity metric (default cka.linear, or the configuration's).")
        var metric: String?

        @Option(help: "The partitioner (default greedy, or the configuration's).")
        var partitioner: String?

        @Option(help: "The partitioner's threshold th, 0 < th ≤ 1.")
        var threshold: Double?

        @Option(help: ArgumentHelp("Write the similarity heatmap with module boundaries to this SVG file.", valueName: "file"))
        var heatmap: String?

        func validate() throws {
            guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
            guard DatasetSplit(rawValue: split) != nil else {
                throw ValidationError("--split must be train or test, got '\(split)'")
            }
            if let threshold, !(threshold > 0 && threshold <= 1) {
                throw ValidationError("--threshold must be in (0, 1], got \(threshold)")
            }
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            var configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? PipelineConfiguration()
            if let metric { configuration.similarity = StrategyReference(name: metric) }
            if let partitioner { configuration.partitioner = StrategyReference(name: partitioner) }
            if let threshold {
                var options: [String: ConfigValue] = [:]
                if case .object(let existing) = configuration.partitioner.options { options = existing }
                options["threshold"] = .number(threshold)
                configuration.partitioner.options = .object(options)
            }
            let registry = RegistryContext.registry
            let metricStrategy = try registry.similarityMetrics.make(configuration.similarity)
            let partitionerStrategy = try registry.partitioners.make(configuration.partitioner)

            let (network, _) = try Checkpoint.load(from: model)
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            let dataset = try source.load(split: DatasetSplit(rawValue: split) ?? .test, limit: data.limit)
            guard dataset.sampleShape == network.inputShape else {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(dataset.name) has \(dataset.sampleShape)")
            }
            let images = try dataset.images.slice(batch: 0..<min(samples, dataset.count))
            progress.line("comparing \(network.unitCount - 1) units on \(images.batchCount) samples of \(dataset.name) …")
            let result = try Modularizer(similarity: metricStrategy, partitioner: partitionerStrategy)
                .modularize(network, samples: images)
            if let heatmap {
                try HeatmapOutput.write(result, title: "\(network.spec.architecture) on \(dataset.name)", to: heatmap)
            }
            switch common.format {
            case .json: try JSONOutput.print(result)
            case .text: print(ModularizationText.render(result))
            }
        }
    }
}

/// Writes the heatmap of a modularization.
enum HeatmapOutput {
    static func write(_ result: ModularizationResult, title: String, to path: String) throws {
        let architecture = result.architecture
        let subtitle = String(
            format: "%@, %@ at %.3g: %d modules, modularity %.2f", result.similarityMetric, result.partitioner,
            architecture.threshold, architecture.moduleCount, architecture.modularity)
        try SimilarityHeatmap(
            matrix: architecture.matrix, partition: architecture.partition, title: title, subtitle: subtitle,
            layerNames: result.unitNames
        ).write(to: path)
    }
}

/// The text form of a modularization: one line per module.
enum ModularizationText {
    static func render(_ result: ModularizationResult) -> String {
        let architecture = result.architecture
        var lines = [
            String(
                format: "%@ on %d samples, %@ at threshold %.3g → %d modules, modularity Y = %.2f",
                result.similarityMetric, result.sampleCount, result.partitioner, architecture.threshold,
                architecture.moduleCount, architecture.modularity)
        ]
        for module in architecture.modules {
            let names = module.layers.map { result.unitNames[$0] }
            let span = names.count == 1 ? names[0] : "\(names[0]) … \(names[names.count - 1])"
            let layers =
                module.layers.count == 1
                ? "[\(module.layers.lowerBound)]" : "[\(module.layers.lowerBound)…\(module.layers.upperBound)]"
            let simmod = module.isMultiLayer ? String(format: "  simmod %.4f", module.simmod) : ""
            lines.append("  module \(module.index): \(layers) \(span)\(simmod)")
        }
        return lines.joined(separator: "\n")
    }
}
