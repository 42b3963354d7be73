import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc train`: trains a model and writes a checkpoint after every epoch.
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model on a data set and save it as a safetensors checkpoint.",
            discussion: """
                Architectures: mlp, mlp-W1-W2-…, vgg11, vgg16, vgg19, resnetN (N = 6n+2, e.g. resnet20, \
                resnet56), wrn-D-K (D = 6n+4). The checkpoint is rewritten atomically after every epoch, so \
                the last good one survives if training diverges.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "Architecture to train (e.g. resnet20, vgg11, mlp).")
        var arch: String

        @Option(help: "Passes over the training data.")
        var epochs: Int = 10

        @Option(help: "Samples per step.")
        var batchSize: Int = 128

        @Option(help: "Seed for initialisation, shuffling and augmentation.")
        var seed: UInt64 = 1

        @Option(help: "Where to write the checkpoint (.safetensors).")
        var out: String

        @Option(help: "Optimizer: sgd, adam or adamw.")
        var optimizer: String = "sgd"

        @Option(name: .customLong("lr"), help: "Base learning rate (default 0.1 for sgd, 0.001 for adam/adamw).")
        var learningRate: Float?

        @Option(help: "Weight decay (default 5e-4; 0.01 for adamw).")
        var weightDecay: Float?

        @Option(help: "Learning-rate schedule: cosine, step or constant.")
        var schedule: String = "cosine"

        @Option(help: "Random-crop padding for image data (default 2 for 28×28, 4 for 32×32, 0 for mlp).")
        var cropPadding: Int?

        @Flag(inversion: .prefixedNo, help: "Random horizontal flips for image data (default on, off for mlp).")
        var flip: Bool?

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            guard TrainingConfiguration.OptimizerKind(rawValue: optimizer) != nil else {
                throw ValidationError("--optimizer must be sgd, adam or adamw, got '\(optimizer)'")
            }
            guard TrainingConfiguration.ScheduleKind(rawValue: schedule) != nil else {
                throw ValidationError("--schedule must be cosine, step or constant, got '\(schedule)'")
            }
            if let cropPadding, cropPadding < 0 {
                throw ValidationError("--crop-padding must be non-negative, got \(cropPadding)")
            }
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            progress.line("loading \(source) …")
            let train = try source.load(split: .train, limit: data.limit)
            let test = try source.load(split: .test, limit: data.limit)

            var configuration = TrainingConfiguration()
            configuration.epochs = epochs
            configuration.batchSize = batchSize
            configuration.seed = seed
            configuration.optimizer = TrainingConfiguration.OptimizerKind(rawValue: optimizer) ?? .sgd
            configuration.schedule = TrainingConfiguration.ScheduleKind(rawValue: schedule) ?? .cosine
            configuration.learningRate = learningRate
            configuration.weightDecay = weightDecay
            configuration.augmentation = TrainingSession.defaultAugmentation(
                arch: arch, sampleShape: train.sampleShape, cropPadding: cropPadding, flip: flip)

            let model = try TrainingSession.makeModel(arch: arch, for: train, seed: seed)
            let summary = try TrainingSession.train(
                model, arch: arch, train: train, test: test, configuration: configuration, out: out, progress: progress)
            switch common.format {
            case .json:
                try JSONOutput.print(summary)
            case .text:
                print(summary.text)
            }
        }
    }
}
