import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc compress`: iterative magnitude pruning with fine-tuning, optionally after DeepArc's
    /// preprocessing, or the whole Table II comparison.
    struct Compress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prune a checkpoint iteratively (prune, fine-tune, repeat) with LAMP, Global, Uniform+ or ERK.",
            discussion: """
                Each round removes --amount-per-round of the remaining prunable weights (conv kernels and \
                dense matrices) with --method, then fine-tunes for --epochs-per-round epochs (AdamW, lr 3e-4, \
                batch 100 by default; --finetune-samples N uses the first N training samples). The run stops \
                after --max-rounds rounds, when a round prunes nothing, once --target-density is reached (the \
                last round removes only the rest), or when a round's test accuracy falls more than \
                --max-accuracy-drop below the dense model's: that round is reported and discarded, and the \
                model of the last good round is kept. The pruned \
                checkpoint (masks included) is written to --out only when the run succeeds.

                --deeparc preprocesses the model once before pruning, then fine-tunes it for \
                --preprocess-epochs epochs: the model is modularized on --samples training samples (cka.linear \
                and greedy by default; --config, --metric, --partitioner, --threshold as for `deeparc \
                modularize`), every intra-module unit is \
                removed, and each removed span that changes shape is replaced by a sewing adapter trained \
                locally (L2) on those samples (see `deeparc restructure`).

                --compare runs every --method (default lamp, global, uniform-plus and erk) without and with \
                the preprocessing on the same model and seed and prints DeepArc's Table II: rounds, remaining \
                density (relative to the original model's prunable weights), accuracy, parameters (non-zero \
                kept weights plus non-prunable ones), dense MACs and effective MACs (each conv/dense layer's \
                MACs scaled by its density). With --compare, --out is optional and names a directory that \
                receives METHOD.safetensors and METHOD-deeparc.safetensors.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "The trained checkpoint (.safetensors) to prune.")
        var model: String

        @Option(
            help: ArgumentHelp(
                "The compressor (lamp, global, uniform-plus, erk, uniform); repeatable with --compare.",
                valueName: "id"))
        var method: [String] = []

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp("A compressor option as key=value (repeatable).", valueName: "key=value"))
        var options: [String] = []

        @Option(help: "Fraction of the remaining prunable weights removed per round, 0 < a < 1.")
        var amountPerRound: Double = 0.2

        @Option(help: "The most pruning rounds.")
        var maxRounds: Int = 10

        @Option(help: "Largest allowed drop of test accuracy below the dense model's (0.01 = one point).")
        var maxAccuracyDrop: Double = 0.01

        @Option(help: "Fine-tuning epochs after each round (0: no fine-tuning).")
        var epochsPerRound: Int = 1

        @Option(
            help: ArgumentHelp(
                "Stop once the kept weights are this fraction of the original model's prunable weights, 0 < d ≤ 1 (the last round removes only the rest).",
                valueName: "density"))
        var targetDensity: Double?

        @Option(help: "Fine-tune on only the first N training samples (default: all of them).")
        var finetuneSamples: Int?

        @Option(help: "Fine-tuning epochs after the --deeparc preprocessing.")
        var preprocessEpochs: Int = 1

        @Flag(help: "Preprocess with DeepArc first: remove every intra-module unit, sewing shape-changing spans (see below).")
        var deeparc = false

        @Flag(help: "Compare the methods with and without --deeparc preprocessing (Table II).")
        var compare = false

        @Option(help: "Training samples the units are compared on for --deeparc.")
        var samples: Int = 500

        /// How --deeparc modularizes the model.
        @OptionGroup var strategies: ModularizationStrategyOptions

        @Option(help: "Fine-tuning optimizer: sgd, adam or adamw.")
        var optimizer: String = "adamw"

        @Option(name: .customLong("lr"), help: "Fine-tuning learning rate.")
        var learningRate: Float = 3e-4

        @Option(help: "Fine-tuning batch size.")
        var batchSize: Int = 100

        @Option(help: "Seed for fine-tuning shuffles and augmentation.")
        var seed: UInt64 = 1

        @Option(help: "Where to write the pruned checkpoint (.safetensors); with --compare, an optional directory.")
        var out: String?

        // MARK: - Running

        func run() async throws {
            common.apply()
            let schedule = CompressionSchedule(
                amountPerRound: amountPerRound, maxRounds: maxRounds, maxAccuracyDrop: maxAccuracyDrop,
                epochsPerRound: epochsPerRound, preprocessEpochs: preprocessEpochs, targetDensity: targetDensity)
            try checkArguments(schedule)
            let progress = ProgressReporter()
            let registry = RegistryContext.registry
            let rawOptions = try OptionParsing.parse(options)
            try checkTensorRules(rawOptions)
            let methods = method.isEmpty ? CompressionComparison.defaultMethods : method
            let compressors = try methods.map { try registry.compressors.make($0, options: rawOptions) }

            let (network, metadata) = try Checkpoint.load(from: model)
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            progress.line("loading \(source) …")
            let train = try source.load(split: .train, limit: data.limit)
            let test = try source.load(split: .test, limit: data.limit)
            guard train.sampleShape == network.inputShape else {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(train.name) has \(train.sampleShape)")
            }
            let fineTuning = try recipe(metadata: metadata)
            let preprocess = deeparc || compare ? try makePreprocessing(train: train, progress: progress) : nil

            if compare {
                try runComparison(
                    network, compressors: compressors, schedule: schedule, fineTuning: fineTuning,
                    preprocess: preprocess, train: train, test: test, metadata: metadata, progress: progress)
            } else {
                try runSingle(
                    network, compressor: compressors[0], schedule: schedule, fineTuning: fineTuning,
                    preprocess: preprocess, train: train, test: test, metadata: metadata, progress: progress)
            }
        }

        /// Checks the arguments with one-line errors.
        private func checkArguments(_ schedule: CompressionSchedule) throws {
            do {
                try schedule.validate()
            } catch {
                let flags = [
                    ("amountPerRound", "--amount-per-round"), ("maxRounds", "--max-rounds"),
                    ("maxAccuracyDrop", "--max-accuracy-drop"), ("epochsPerRound", "--epochs-per-round"),
                    ("preprocessEpochs", "--preprocess-epochs"), ("targetDensity", "--target-density"),
                ]
                var message = error.description
                for (key, flag) in flags { message = message.replacingOccurrences(of: key, with: flag) }
                for prefix in ["configuration: ", "compression: "] {
                    message = message.replacingOccurrences(of: prefix, with: "")
                }
                throw CLIError(message)
            }
            if !compare && method.count != 1 {
                throw CLIError(
                    method.isEmpty
                        ? "--method is required (one of \(RegistryContext.registry.compressors.identifiers.joined(separator: ", ")))"
                        : "give one --method, or several with --compare")
            }
            if !compare && out == nil { throw CLIError("--out is required: where to write the pruned checkpoint") }
            guard samples >= 2 else { throw CLIError("--samples must be at least 2; got \(samples)") }
            if let problem = strategies.problem { throw CLIError(problem) }
            guard batchSize >= 1 else { throw CLIError("--batch-size must be at least 1; got \(batchSize)") }
            if let finetuneSamples, finetuneSamples < 1 {
                throw CLIError("--finetune-samples must be at least 1; got \(finetuneSamples)")
            }
            guard learningRate > 0, learningRate.isFinite else {
                throw CLIError("--lr must be a positive number; got \(learningRate)")
            }
            guard TrainingConfiguration.OptimizerKind(rawValue: optimizer) != nil else {
                throw CLIError("--optimizer must be sgd, adam or adamw; got '\(optimizer)'")
            }
        }

        /// Rejects the pruning plugins' tensor rules (`ignore`, `maxSparsity`) when DeepArc removes
        /// units first: they name tensors by unit index (`units.K.…`), and the removal renumbers the
        /// units, so on the restructured model a name would point at another unit's tensor or at none.
        private func checkTensorRules(_ options: ConfigValue?) throws {
            guard deeparc || compare, case .object(let members)? = options else { return }
            let named = ["ignore", "maxSparsity"].filter { key in
                switch members[key] {
                case .array(let names)?: return !names.isEmpty
                case .object(let caps)?: return !caps.isEmpty
                case nil: return false
                default: return true
                }
            }
            guard let first = named.first else { return }
            throw CLIError(
                "--option \(first) names tensors by unit index (units.K.…), but --\(deeparc ? "deeparc" : "compare") "
                    + "removes units first and renumbers the rest, so the names would point at other tensors; "
                    + "restructure with `deeparc restructure` and compress its checkpoint with names from it")
        }

        /// The fine-tuning recipe: the options given, with the checkpoint's augmentation when it records one.
        private func recipe(metadata: [String: String]) throws -> TrainingConfiguration {
            var configuration = CompressionRun.officialFineTuning
            if let stored = metadata["deeparc.training"],
                let training = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(stored.utf8))
            {
                configuration.augmentation = training.augmentation
            }
            configuration.optimizer = TrainingConfiguration.OptimizerKind(rawValue: optimizer) ?? .adamw
            configuration.learningRate = learningRate
            configuration.batchSize = batchSize
            configuration.seed = seed
            configuration.samples = finetuneSamples
            return configuration
        }

        /// The `--deeparc` preprocessing: intra-module unit removal, modularizing with ``strategies``.
        private func makePreprocessing(train: Dataset, progress: ProgressReporter) throws -> (Model) throws -> Model {
            let modularizer = try strategies.makeModularizer(registry: RegistryContext.registry)
            let images = try train.images.slice(batch: 0..<min(samples, train.count))
            return { model in
                progress.line("DeepArc preprocessing: modularizing on \(images.batchCount) samples …")
                let modularization = try modularizer.modularize(model, samples: images)
                // Remove every intra-module unit; spans that change shape are sewn with trained adapters.
                let result = try Restructurer().restructure(
                    model, modularization: modularization, operation: .removeIntraModule(count: nil),
                    sewingSamples: images, progress: { progress.line("  " + $0) })
                let removed = result.plan.removedUnits.map { model.unitNames[$0] }
                progress.line(
                    "  \(modularization.architecture.moduleCount) modules; removed "
                        + (removed.isEmpty ? "no units" : removed.joined(separator: ", ")))
                return result.model
            }
        }

        private func runSingle(
            _ network: Model, compressor: any Compressor, schedule: CompressionSchedule,
            fineTuning: TrainingConfiguration, preprocess: ((Model) throws -> Model)?, train: Dataset, test: Dataset,
            metadata: [String: String], progress: ProgressReporter
        ) throws {
            let run = CompressionRun(
                compressor: compressor, schedule: schedule, fineTuning: fineTuning, preprocess: preprocess)
            let result = try run.run(network, train: train, test: test) { event in
                Self.show(event, label: type(of: compressor).identifier, schedule: schedule, progress: progress)
            }
            if let out {
                try Checkpoint.save(
                    result.model, to: out, metadata: outputMetadata(metadata, report: result.report, train: train))
                progress.line("wrote \(out)")
            }
            switch common.format {
            case .json: try JSONOutput.print(result.report)
            case .text: print(result.report.text)
            }
        }

        private func runComparison(
            _ network: Model, compressors: [any Compressor], schedule: CompressionSchedule,
            fineTuning: TrainingConfiguration, preprocess: ((Model) throws -> Model)?, train: Dataset, test: Dataset,
            metadata: [String: String], progress: ProgressReporter
        ) throws {
            if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            let comparison = CompressionComparison(
                compressors: compressors, schedule: schedule, fineTuning: fineTuning, preprocess: preprocess)
            var saveError: (any Error)?
            let report = try comparison.run(network, train: train, test: test) { event in
                switch event {
                case .started(let method, let deeparc):
                    progress.line("\(method)\(deeparc ? " + DeepArc" : "") …")
                case .preprocessing(let inner):
                    Self.show(inner, label: "preprocessing", schedule: schedule, progress: progress)
                case .run(let method, let deeparc, let inner):
                    Self.show(inner, label: method + (deeparc ? "+deeparc" : ""), schedule: schedule, progress: progress)
                case .finished(let row, let pruned):
                    let name = row.method + (row.deeparc ? "-deeparc" : "")
                    guard let out, saveError == nil else { return }
                    let path = URL(fileURLWithPath: out).appendingPathComponent(name + ".safetensors").path
                    do {
                        try Checkpoint.save(
                            pruned, to: path,
                            metadata: outputMetadata(metadata, summary: row, train: train))
                        progress.line("wrote \(path)")
                    } catch {
                        saveError = error
                    }
                }
            }
            if let saveError { throw saveError }
            switch common.format {
            case .json: try JSONOutput.print(report)
            case .text: print(report.text)
            }
        }

        /// Progress lines for a run's events.
        private static func show(
            _ event: CompressionRun.Event, label: String, schedule: CompressionSchedule, progress: ProgressReporter
        ) {
            switch event {
            case .denseEvaluated(let accuracy):
                progress.line(String(format: "dense model: test accuracy %.2f%%", accuracy * 100))
            case .trainingStep(let round, let step):
                progress.update(
                    title: round == 0 ? "\(label) fine-tune" : "\(label) round \(round)/\(schedule.maxRounds)",
                    fraction: Double(step.step) / Double(max(step.stepsPerEpoch, 1)),
                    status: String(format: "epoch %d  loss %.4f  acc %.2f%%", step.epoch, step.loss, step.accuracy * 100))
            case .preprocessed(let report):
                progress.line(
                    String(
                        format: "preprocessed: %d → %d units, accuracy %.2f%% → %.2f%%", report.unitsBefore,
                        report.unitsAfter, report.accuracyBeforeFineTuning * 100, report.accuracy * 100))
            case .roundFinished(let round, _):
                var line = String(
                    format: "%@ round %d: pruned %d, density %.2f%%, accuracy %.2f%%, %.1f s", label, round.round,
                    round.prunedCount, round.densityOfOriginal * 100, round.accuracy * 100, round.seconds)
                if round.isNoOp { line += " (no-op: nothing pruned)" }
                if !round.accepted { line += " (discarded: accuracy bound broken)" }
                progress.line(line)
            }
        }

        /// The metadata of a pruned checkpoint: the source's training recipe and data set, plus the run.
        private func outputMetadata(_ source: [String: String], report: CompressionReport, train: Dataset) -> [String: String]
        {
            var metadata = carried(source, train: train)
            metadata["deeparc.testAccuracy"] = "\(report.accuracy)"
            if let json = try? JSONEncoder.sorted.encode(report) {
                metadata["deeparc.compression"] = String(decoding: json, as: UTF8.self)
            }
            return metadata
        }

        private func outputMetadata(
            _ source: [String: String], summary: CompressionComparisonReport.Row, train: Dataset
        ) -> [String: String] {
            var metadata = carried(source, train: train)
            metadata["deeparc.testAccuracy"] = "\(summary.accuracy)"
            if let json = try? JSONEncoder.sorted.encode(summary) {
                metadata["deeparc.compression"] = String(decoding: json, as: UTF8.self)
            }
            return metadata
        }

        private func carried(_ source: [String: String], train: Dataset) -> [String: String] {
            var metadata: [String: String] = ["deeparc.source": model, "deeparc.dataset": train.name]
            if let training = source["deeparc.training"] { metadata["deeparc.training"] = training }
            return metadata
        }
    }
}
