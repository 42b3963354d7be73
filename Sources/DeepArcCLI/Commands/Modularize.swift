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

        @OptionGroup var modularization: ModularizationOptions

        @Option(help: ArgumentHelp("Write the similarity heatmap with module boundaries to this SVG file.", valueName: "file"))
        var heatmap: String?

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            let modularizer = try modularization.makeModularizer(registry: RegistryContext.registry)

            let (network, _) = try Checkpoint.load(from: model)
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            let dataset = try source.load(split: modularization.datasetSplit, limit: data.limit)
            guard dataset.sampleShape == network.inputShape else {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(dataset.name) has \(dataset.sampleShape)")
            }
            let images = try dataset.images.slice(batch: 0..<min(modularization.samples, dataset.count))
            progress.line("comparing \(network.unitCount - 1) units on \(images.batchCount) samples of \(dataset.name) …")
            let result = try modularizer.modularize(network, samples: images)
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
