import DeepArc
import Foundation

/// Training as the commands run it: default augmentation, normalisation built into the model,
/// a progress bar, and a checkpoint written atomically after every epoch.
enum TrainingSession {
    /// The default augmentation for an architecture and input shape: random crops (padding 2 for
    /// 28×28, 4 for 32×32) and horizontal flips for convolutional models, none for an MLP.
    static func defaultAugmentation(arch: String, sampleShape: [Int], cropPadding: Int?, flip: Bool?) -> Augmentation? {
        guard sampleShape.count == 3 else { return nil }
        let isMLP = arch.lowercased().hasPrefix("mlp")
        let padding = cropPadding ?? (isMLP ? 0 : (sampleShape[1] >= 32 ? 4 : 2))
        let augmentation = Augmentation(padding: padding, horizontalFlip: flip ?? !isMLP)
        return augmentation.isIdentity ? nil : augmentation
    }

    /// A fresh model for `dataset`, with the data set's per-channel normalisation built in.
    static func makeModel(arch: String, for dataset: Dataset, seed: UInt64) throws -> Model {
        let spec = try Architectures.make(arch, inputShape: dataset.sampleShape, classCount: dataset.classCount)
        let model = try Model(spec: spec, seed: seed)
        if dataset.sampleShape.count == 3 {
            let statistics = dataset.normalizationStatistics()
            try model.setNormalization(
                .init(mean: statistics.mean, standardDeviation: statistics.std.map { max($0, 1e-6) }))
        }
        return model
    }

    /// Trains with a progress bar, writing the checkpoint to `out` after every epoch.
    /// - Throws: a ``CLIError`` naming the kept checkpoint when the loss diverges.
    static func train(
        _ model: Model, arch: String, train: Dataset, test: Dataset, configuration: TrainingConfiguration,
        out: String, progress: ProgressReporter, source: String? = nil
    ) throws -> TrainingSummary {
        let recipe = String(decoding: try JSONEncoder.sorted.encode(configuration), as: UTF8.self)
        let loop = try TrainingLoop(configuration: configuration)
        // Create the checkpoint's folder up front: a missing folder must not cost a training run.
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create the folder \(folder) for \(out): \(error.localizedDescription)")
        }
        let start = Date()
        var lastSaved: Int?
        let reports: [TrainingLoop.EpochReport]
        do {
            reports = try loop.train(
                model, on: train, evaluatingOn: test,
                onStep: { step in
                    progress.update(
                        title: "epoch \(step.epoch)/\(configuration.epochs)",
                        fraction: Double(step.step) / Double(max(step.stepsPerEpoch, 1)),
                        status: String(
                            format: "loss %.4f  acc %.2f%%  %.0f samples/s", step.loss, step.accuracy * 100,
                            step.samplesPerSecond))
                },
                onEpoch: { report in
                    try Checkpoint.save(
                        model, to: out,
                        metadata: [
                            "deeparc.dataset": train.name, "deeparc.epoch": "\(report.epoch)",
                            "deeparc.source": source ?? train.name, "deeparc.training": recipe,
                            "deeparc.testAccuracy": report.testAccuracy.map { "\($0)" } ?? "",
                        ])
                    lastSaved = report.epoch
                    progress.line(
                        String(
                            format: "epoch %d/%d  loss %.4f  train %.2f%%  test %.2f%%  %.0f samples/s  %.1fs",
                            report.epoch, configuration.epochs, report.trainLoss, report.trainAccuracy * 100,
                            (report.testAccuracy ?? 0) * 100, report.samplesPerSecond, report.seconds))
                })
        } catch let error as NNError {
            if case .nonFiniteLoss = error {
                let kept = lastSaved.map { "the checkpoint of epoch \($0) is kept at \(out)" } ?? "no checkpoint was written"
                throw CLIError("\(error); \(kept)")
            }
            throw error
        }
        let final = reports.last
        let trainingSeconds = reports.reduce(0) { $0 + $1.seconds }
        return TrainingSummary(
            architecture: arch, dataset: train.name, epochs: configuration.epochs, batchSize: configuration.batchSize,
            seed: configuration.seed, parameters: model.parameterCount, trainLoss: final?.trainLoss ?? 0,
            trainAccuracy: final?.trainAccuracy ?? 0, loss: final?.testLoss ?? 0, accuracy: final?.testAccuracy ?? 0,
            samplesPerSecond: Double(train.count * configuration.epochs) / max(trainingSeconds, 1e-9),
            seconds: Date().timeIntervalSince(start), checkpoint: out, blasCore: BLAS.coreName,
            gemmKernel: GEMMKernel.inUse, threads: BLAS.threadCount, epochReports: reports)
    }
}

/// The JSON summary of `deeparc train`.
struct TrainingSummary: Codable {
    var architecture: String
    var dataset: String
    var epochs: Int
    var batchSize: Int
    var seed: UInt64
    var parameters: Int
    var trainLoss: Double
    var trainAccuracy: Double
    var loss: Double
    var accuracy: Double
    var samplesPerSecond: Double
    var seconds: Double
    var checkpoint: String
    var blasCore: String
    /// What ran the matrix products: `DeepArc AVX-512` or `OpenBLAS <core>`.
    var gemmKernel: String
    var threads: Int
    var epochReports: [TrainingLoop.EpochReport]

    var text: String {
        String(
            format: "%@ on %@: test accuracy %.2f%% (loss %.4f), train accuracy %.2f%%, %d parameters, "
                + "%.0f samples/s, %.1f s; checkpoint %@",
            architecture, dataset, accuracy * 100, loss, trainAccuracy * 100, parameters, samplesPerSecond, seconds,
            checkpoint)
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, for text that is compared.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
