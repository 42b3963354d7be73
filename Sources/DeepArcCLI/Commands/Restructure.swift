import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc restructure`: remove or repeat units along the semantic architecture, sew, write a new checkpoint.
    struct Restructure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove or duplicate units along a checkpoint's semantic architecture and write the new model.",
            discussion: """
                Modularizes the model as `deeparc modularize` does (or reads a saved modularization with --architecture, \
                checked against the model), then applies exactly one of: \
                --remove-intra all|K (intra-module units: all, or the first K in Algorithm 2's order; each \
                module keeps its first unit as its interface), --remove-units I,J,… (any units but the head, e.g. \
                interface units for the inter-module comparison), or --duplicate K (repeat K intra-module units in \
                Algorithm 2's order). Where a removal changes the shape, a sewing adapter (1×1 convolution + batch \
                norm, or a dense layer, plus a ReLU when the removed units end in one) named sew.<first>-<last> is trained on --sew-samples training samples to \
                imitate the removed units (L2 loss, everything else frozen). --finetune-epochs then trains the \
                whole model. Both models are evaluated on the test split; the checkpoint is written only when \
                everything succeeded.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "The checkpoint (.safetensors) to restructure.")
        var model: String

        @Option(help: "Where to write the restructured checkpoint (.safetensors).")
        var out: String

        @OptionGroup var comparison: ModularizationOptions

        @Option(help: ArgumentHelp("Remove intra-module units: all, or the first K in Algorithm 2's order.", valueName: "all|K"))
        var removeIntra: String?

        @Option(help: ArgumentHelp("Remove these units (comma-separated indices, the head excluded).", valueName: "I,J,…"))
        var removeUnits: String?

        @Option(help: ArgumentHelp("Repeat K intra-module units in Algorithm 2's order.", valueName: "K"))
        var duplicate: Int?

        @Option(help: "Training samples the sewing adapters learn from.")
        var sewSamples: Int = 1000

        @Option(help: "Epochs of sewing per adapter.")
        var sewEpochs: Int = RestructuringOptions().sewEpochs

        @Option(help: "Sewing learning rate.")
        var sewLearningRate: Float = RestructuringOptions().sewLearningRate

        @Option(help: "Sewing optimizer: adam or sgd.")
        var sewOptimizer: String = RestructuringOptions().sewOptimizer.rawValue

        @Flag(inversion: .prefixedNo, help: "Batch normalisation after an image adapter's 1×1 convolution.")
        var adapterBatchNorm = true

        @Flag(inversion: .prefixedNo, help: "End an adapter in a ReLU when the removed units' output ends in one.")
        var adapterRelu = true

        @Option(help: "Epochs of fine-tuning the whole restructured model on the training split.")
        var finetuneEpochs: Int = 0

        @Option(name: .customLong("finetune-lr"), help: "Fine-tuning learning rate (SGD with Nesterov momentum).")
        var finetuneLearningRate: Float = 0.01

        @Option(
            help: ArgumentHelp(
                "Use this saved modularization (the JSON of `deeparc modularize --format json`, or a run's architecture.json) instead of modularizing again.",
                valueName: "file"))
        var architecture: String?

        @Option(help: "Evaluate on only the first N test samples (default: all).")
        var evaluateSamples: Int?

        @Option(help: "Seed for adapter initialisation, sewing and fine-tuning shuffles.")
        var seed: UInt64 = 1

        func validate() throws {
            guard sewSamples >= 2 else { throw ValidationError("--sew-samples must be at least 2, got \(sewSamples)") }
            guard sewEpochs >= 0 else { throw ValidationError("--sew-epochs must be at least 0, got \(sewEpochs)") }
            guard finetuneEpochs >= 0 else {
                throw ValidationError("--finetune-epochs must be at least 0, got \(finetuneEpochs)")
            }
            if let evaluateSamples, evaluateSamples < 1 {
                throw ValidationError("--evaluate-samples must be at least 1, got \(evaluateSamples)")
            }
        }

        /// The operation the options ask for.
        /// - Throws: ``CLIError`` for none, several, or an unreadable value.
        func operation() throws -> RestructuringOperation {
            let given = [
                removeIntra.map { _ in "--remove-intra" }, removeUnits.map { _ in "--remove-units" },
                duplicate.map { _ in "--duplicate" },
            ].compactMap { $0 }
            guard given.count <= 1 else {
                throw CLIError("\(given.joined(separator: " and ")) cannot be used together; give exactly one")
            }
            if let removeIntra {
                let value = removeIntra.trimmingCharacters(in: .whitespaces).lowercased()
                if value == "all" { return .removeIntraModule(count: nil) }
                guard let count = Int(value), count >= 1 else {
                    throw CLIError("--remove-intra must be 'all' or a positive count, got '\(removeIntra)'")
                }
                return .removeIntraModule(count: count)
            }
            if let removeUnits {
                let parts = removeUnits.split(separator: ",", omittingEmptySubsequences: false)
                var units: [Int] = []
                for part in parts {
                    guard let unit = Int(part.trimmingCharacters(in: .whitespaces)) else {
                        throw CLIError("--remove-units must be comma-separated unit indices, got '\(removeUnits)'")
                    }
                    units.append(unit)
                }
                return .removeUnits(units)
            }
            if let duplicate {
                guard duplicate >= 1 else { throw CLIError("--duplicate must be at least 1, got \(duplicate)") }
                return .duplicateIntraModule(count: duplicate)
            }
            throw CLIError("nothing to do: give --remove-intra, --remove-units or --duplicate")
        }

        /// The restructuring options the flags describe.
        func restructuringOptions() throws -> RestructuringOptions {
            var options = RestructuringOptions()
            options.sewEpochs = sewEpochs
            options.sewLearningRate = sewLearningRate
            guard let optimizer = RestructuringOptions.SewingOptimizer(rawValue: sewOptimizer) else {
                throw CLIError("--sew-optimizer must be adam or sgd, got '\(sewOptimizer)'")
            }
            options.sewOptimizer = optimizer
            options.adapterBatchNorm = adapterBatchNorm
            options.adapterReLU = adapterRelu
            options.fineTuneEpochs = finetuneEpochs
            options.fineTuning.learningRate = finetuneLearningRate
            options.fineTuning.seed = seed
            options.seed = seed
            try options.validate()
            return options
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            let operation = try operation()
            let options = try restructuringOptions()
            let modularizer = try comparison.makeModularizer(registry: RegistryContext.registry)

            let (network, metadata) = try Checkpoint.load(from: model)
            if case .removeUnits(let units) = operation {
                // Indices the model cannot have fail before any data is read.
                if let bad = units.first(where: { $0 < 0 || $0 >= network.unitCount }) {
                    throw RestructuringError.unitOutOfRange(unit: bad, unitCount: network.unitCount)
                }
                if units.contains(network.unitCount - 1) {
                    throw RestructuringError.removesHead(
                        unit: network.unitCount - 1, name: network.unitNames[network.unitCount - 1])
                }
            }
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            let train = try source.load(split: .train, limit: data.limit)
            let test = try source.load(split: .test, limit: data.limit)
            for dataset in [train, test] where dataset.sampleShape != network.inputShape {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(dataset.name) has \(dataset.sampleShape)")
            }
            let modularization: ModularizationResult
            if let architecture {
                modularization = try ModularizationResult.load(from: architecture, for: network)
                progress.line("semantic architecture from \(architecture)")
            } else {
                let compared = comparison.datasetSplit == .train ? train : test
                let images = try compared.images.slice(batch: 0..<min(comparison.samples, compared.count))
                progress.line(
                    "comparing \(network.unitCount - 1) units on \(images.batchCount) samples of \(compared.name) …")
                modularization = try modularizer.modularize(network, samples: images)
            }
            progress.line(
                String(
                    format: "%d modules, modularity %.2f; Algorithm 2's order: %@",
                    modularization.architecture.moduleCount, modularization.architecture.modularity,
                    "\(modularization.removalOrderUnits)"))

            let restructurer = Restructurer(options: options)
            let plan = try restructurer.plan(network, modularization: modularization, operation: operation)
            let sewing = try train.images.slice(batch: 0..<min(sewSamples, train.count))
            let evaluation = evaluateSamples.map { test.prefix($0) } ?? test
            let result = try restructurer.restructure(
                network, modularization: modularization, operation: operation,
                sewingSamples: plan.adapterPositions.isEmpty ? nil : sewing,
                fineTuningData: finetuneEpochs > 0 ? train : nil, evaluation: evaluation,
                progress: { progress.line($0) })

            var newMetadata: [String: String] = ["deeparc.restructuredFrom": model]
            for key in ["deeparc.source", "deeparc.dataset"] { newMetadata[key] = metadata[key] }
            // A report with a non-finite number cannot be JSON; the checkpoint is written without it then.
            if let encoded = try? JSONEncoder.sorted.encode(result.report) {
                newMetadata["deeparc.restructuring"] = String(decoding: encoded, as: UTF8.self)
            }
            try Checkpoint.save(result.model, to: out, metadata: newMetadata)

            let output = RestructureOutput(
                checkpoint: out, modules: modularization.moduleUnits, removalOrder: modularization.removalOrderUnits,
                report: result.report)
            switch common.format {
            case .json: try JSONOutput.print(output)
            case .text: print(RestructureText.render(output, original: network.spec.architecture))
            }
        }
    }
}

/// The JSON result of `deeparc restructure`.
struct RestructureOutput: Codable {
    /// The written checkpoint.
    var checkpoint: String
    /// The model units of each module.
    var modules: [[Int]]
    /// Algorithm 2's order of intra-module units.
    var removalOrder: [Int]
    /// What was done.
    var report: RestructuringReport
}

/// The text form of a restructuring.
enum RestructureText {
    static func render(_ output: RestructureOutput, original: String) -> String {
        let report = output.report
        var lines: [String] = []
        switch report.operation {
        case "duplicate-intra-module":
            lines.append("\(original): repeated \(report.duplicatedUnits.count) unit(s): \(report.duplicatedNames.joined(separator: ", "))")
        default:
            let names = report.removedUnits.map { "\($0.name) (\($0.role))" }
            lines.append("\(original): removed \(names.count) unit(s): \(names.joined(separator: ", "))")
        }
        for adapter in report.adapters {
            lines.append(
                String(
                    format: "  adapter %@ %@ → %@: L2 loss %.4g → %.4g (target mean square %.4g)", adapter.name,
                    "\(adapter.inputShape)", "\(adapter.outputShape)", adapter.lossBefore, adapter.lossAfter,
                    adapter.targetMeanSquare))
        }
        lines.append(
            "  units \(report.before.units) → \(report.after.units), parameters \(report.before.parameters) → "
                + "\(report.after.parameters), multiply-accumulates \(report.before.multiplyAccumulates) → "
                + "\(report.after.multiplyAccumulates)")
        if let evaluation = report.evaluation {
            var line = String(
                format: "  accuracy %.2f%% → %.2f%% on %d test samples", evaluation.accuracyBefore * 100,
                evaluation.accuracyAfter * 100, evaluation.samples)
            if let sewn = evaluation.accuracyBeforeFineTuning {
                line += String(format: " (%.2f%% before fine-tuning)", sewn * 100)
            }
            lines.append(line)
        }
        lines.append("  wrote \(output.checkpoint)")
        return lines.joined(separator: "\n")
    }
}
