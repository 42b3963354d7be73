import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc enhance`: fit adversarial samples by modular retraining, next to full retraining.
    struct Enhance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Robustness enhancement: retrain the critical module on adversarial samples, next to full retraining.",
            discussion: """
                D is the first N training samples; D′ their adversarial versions, read from --adversarial (an .npz \
                written by `deeparc attack --split train` on the same N samples: x, y, source) or made here with \
                --attack (default fgsm). The modules come from a modularization of the model on the first \
                min(N, 1000) samples of D with the default metric and partitioner, or those of --config, \
                --metric, --partitioner and --threshold (or --units a-b retrains those units without locating). \
                Both runs use the loss α·CE(D ∪ D′) + β·Dev(D′), the same data, epochs and seed. Prints trained \
                parameter count, accuracy before (on D′), after (on D′, D and the test split) and wall time for \
                modular and full retraining. JSON: the ReadaptionReport. --out-modular and --out-full write the \
                retrained checkpoints after success.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var retraining: RetrainingArguments

        @Option(help: "The checkpoint (.safetensors) to enhance.")
        var model: String

        @Option(help: "N: D is the first N training samples.")
        var samples: Int = 1000

        @Option(help: ArgumentHelp("Adversarial samples (.npz with x, y, source) for the N samples of D.", valueName: "file"))
        var adversarial: String?

        @Option(help: ArgumentHelp("Make D′ with this attack (default fgsm): fgsm, pgd, deepfool, cw.", valueName: "id"))
        var attack: String?

        @Option(
            name: .customLong("attack-option"),
            help: ArgumentHelp("An attack option as key=value (repeatable), e.g. epsilon=0.05.", valueName: "key=value"))
        var attackOptions: [String] = []

        @Option(help: ArgumentHelp("Write the modularly retrained checkpoint here.", valueName: "file"))
        var outModular: String?

        @Option(help: ArgumentHelp("Write the fully retrained checkpoint here.", valueName: "file"))
        var outFull: String?

        func validate() throws {
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            // Everything cheap is checked before any work.
            try retraining.check()
            if adversarial != nil, attack != nil || !attackOptions.isEmpty {
                throw CLIError("--adversarial and --attack/--attack-option cannot be used together")
            }
            if outFull != nil, retraining.noBaseline {
                throw CLIError("--out-full needs the full-retraining baseline; drop --no-baseline")
            }
            let measure = try retraining.makeMeasure(default: "explicit")
            let options = try retraining.retrainingOptions()
            let attackStrategy: (any AdversarialAttack)?
            if adversarial == nil {
                attackStrategy = try RegistryContext.registry.attacks.make(
                    attack ?? "fgsm", options: try OptionParsing.parse(attackOptions, flag: "--attack-option"))
            } else {
                attackStrategy = nil
            }
            if let outModular { try ReadaptionSupport.checkOutputLocation(outModular, flag: "--out-modular") }
            if let outFull { try ReadaptionSupport.checkOutputLocation(outFull, flag: "--out-full") }
            let readapter = try Readapter(
                measure: measure, top: retraining.top, options: options, runsFullBaseline: !retraining.noBaseline)

            let (network, original, test) = try ReadaptionSupport.load(model: model, data: data, samples: samples)
            let modules = try ReadaptionSupport.modules(
                of: network, original: original, units: retraining.units, strategies: retraining.strategies,
                progress: progress)
            let readaptionData: ReadaptionData
            if let adversarial {
                readaptionData = try Self.readAdversarial(adversarial, original: original)
            } else if let attackStrategy {
                let name = attack ?? "fgsm"
                progress.line("attacking \(original.count) samples of \(original.name) with \(name) …")
                let total = original.count
                let outcome = try attackStrategy.attack(
                    original.images, labels: original.labels, model: network, seed: retraining.seed,
                    batchSize: retraining.batchSize
                ) { done in
                    progress.update(title: name, fraction: Double(done) / Double(total), status: "\(done)/\(total)")
                }
                let new = try Dataset(
                    images: outcome.adversarial, labels: original.labels, classCount: original.classCount,
                    name: "\(name) on \(original.name)")
                readaptionData = try ReadaptionData(original: original, new: new, sources: Array(0..<total))
            } else {
                throw CLIError("no adversarial samples: give --adversarial or --attack")
            }

            let result = try ReadaptionSupport.run(
                .enhancement, readapter: readapter, model: network, modules: modules,
                data: readaptionData, test: test, epochs: options.epochs, progress: progress)

            let metadata = ["deeparc.readaptedFrom": model, "deeparc.readaption": "enhancement"]
            if let outModular {
                try Checkpoint.save(
                    result.modularModel, to: outModular, metadata: metadata.merging(["deeparc.retraining": "modular"]) { $1 })
            }
            if let outFull, let fullModel = result.fullModel {
                try Checkpoint.save(
                    fullModel, to: outFull, metadata: metadata.merging(["deeparc.retraining": "full"]) { $1 })
            }
            switch common.format {
            case .json:
                try JSONOutput.print(result.report)
            case .text:
                var text = ReadaptionSupport.table(result.report)
                for path in [outModular, outFull].compactMap({ $0 }) { text += "\n  wrote \(path)" }
                print(text)
            }
        }

        /// D and D′ from an adversarial file written by `deeparc attack` for the samples of `original`.
        /// - Throws: a one-line error naming the file when an array is missing or its shape, count,
        ///   labels or source indices do not fit D.
        static func readAdversarial(_ path: String, original: Dataset) throws -> ReadaptionData {
            let archive = try NPZArchive.read(from: path)
            let x = try archive.array(named: "x", source: path)
            let y = try archive.array(named: "y", source: path)
            let source = try archive.array(named: "source", source: path)
            let expected = original.sampleShape
            guard x.shape.count == expected.count + 1, Array(x.shape.dropFirst()) == expected, x.shape[0] >= 1 else {
                throw CLIError(
                    "\(path): x has shape \(x.shape), expected [M] + \(expected) (samples of \(original.name))")
            }
            let count = x.shape[0]
            guard y.count == count, y.shape.count == 1 else {
                throw CLIError("\(path): y has shape \(y.shape), expected [\(count)] (one label per sample of x)")
            }
            guard source.count == count, source.shape.count == 1 else {
                throw CLIError(
                    "\(path): source has shape \(source.shape), expected [\(count)] (one source index per sample of x)")
            }
            let labels = try y.integers(source: "\(path) (y)")
            let sources = try source.integers(source: "\(path) (source)")
            if let bad = sources.firstIndex(where: { $0 < 0 || $0 >= original.count }) {
                throw CLIError(
                    "\(path): source index \(sources[bad]) of sample \(bad) is outside D's \(original.count) samples "
                        + "(0..<\(original.count)); make the file with `deeparc attack --split train --samples N`")
            }
            if let bad = labels.indices.first(where: { labels[$0] != original.labels[sources[$0]] }) {
                throw CLIError(
                    "\(path): sample \(bad) has label \(labels[bad]) but its source, training sample \(sources[bad]), "
                        + "has label \(original.labels[sources[bad]]); was the file made from the training split?")
            }
            let new = try Dataset(
                images: try x.tensor(source: "\(path) (x)"), labels: labels, classCount: original.classCount,
                name: (path as NSString).lastPathComponent)
            return try ReadaptionData(original: original, new: new, sources: sources)
        }
    }
}
