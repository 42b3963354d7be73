public import DeepArcData
public import DeepArcNN
import DeepArcTensor
import Foundation

/// Trains a ``Model`` on a ``Dataset`` for a number of epochs: seeded shuffling and augmentation,
/// a learning-rate schedule, per-step progress and per-epoch evaluation.
///
/// Only the model's trainable units are updated (see `Model.setTrainableUnits(_:)`). When the loss
/// becomes NaN or infinite, training stops with `NNError.nonFiniteLoss(epoch:step:)` before that
/// step changes any weight.
public struct TrainingLoop {
    /// Progress within an epoch, reported after every step.
    public struct StepProgress: Sendable {
        /// The epoch (1-based).
        public var epoch: Int
        /// Steps done in this epoch.
        public var step: Int
        /// Steps in this epoch.
        public var stepsPerEpoch: Int
        /// Mean loss so far in this epoch.
        public var loss: Double
        /// Training accuracy so far in this epoch.
        public var accuracy: Double
        /// Training samples per second so far in this epoch.
        public var samplesPerSecond: Double
    }

    /// The outcome of one epoch.
    public struct EpochReport: Sendable, Codable, Equatable {
        /// The epoch (1-based).
        public var epoch: Int
        /// Mean training loss.
        public var trainLoss: Double
        /// Training accuracy (on augmented batches, in training mode).
        public var trainAccuracy: Double
        /// Loss and accuracy on the evaluation set, if one was given.
        public var testLoss: Double?
        /// Accuracy on the evaluation set, if one was given.
        public var testAccuracy: Double?
        /// Wall time of the training part of the epoch.
        public var seconds: Double
        /// Training samples per second.
        public var samplesPerSecond: Double
        /// The learning rate at the end of the epoch.
        public var learningRate: Float
    }

    /// The training recipe.
    public var configuration: TrainingConfiguration

    /// Creates a loop.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an invalid configuration.
    public init(configuration: TrainingConfiguration) throws(DeepArcError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Trains `model` on `train`, evaluating on `test` after each epoch.
    ///
    /// - Parameters:
    ///   - onStep: called after every step (for progress bars).
    ///   - onEpoch: called after every epoch with its report (for checkpoints); an error it throws
    ///     stops training.
    /// - Returns: one report per epoch.
    public func train(
        _ model: Model, on train: Dataset, evaluatingOn test: Dataset? = nil,
        onStep: (StepProgress) -> Void = { _ in }, onEpoch: (EpochReport) throws -> Void = { _ in }
    ) throws -> [EpochReport] {
        guard train.sampleShape == model.inputShape else {
            throw DeepArcError.invalidConfiguration(
                reason: "data set \(train.name) has samples of shape \(train.sampleShape), the model expects \(model.inputShape)")
        }
        guard train.classCount <= model.classCount else {
            throw DeepArcError.invalidConfiguration(
                reason: "data set \(train.name) has \(train.classCount) classes, the model predicts \(model.classCount)")
        }
        let batches = try Batches(
            dataset: train, batchSize: configuration.batchSize, shuffle: true, dropLast: false, seed: configuration.seed,
            augmentation: configuration.augmentation)
        let trainer = ModelTrainer(model: model, optimizer: try configuration.makeOptimizer())
        let schedule = try configuration.makeSchedule()
        let baseRate = configuration.effectiveLearningRate
        let stepsPerEpoch = batches.batchCount
        let totalSteps = stepsPerEpoch * configuration.epochs
        var reports: [EpochReport] = []
        var globalStep = 0
        for epoch in 1...configuration.epochs {
            trainer.epoch = epoch
            let start = Date()
            var lossSum = 0.0
            var correct = 0
            var seen = 0
            var step = 0
            for batch in batches.epoch(epoch - 1) {
                trainer.optimizer.learningRate = schedule.learningRate(
                    base: baseRate, step: globalStep, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
                let result = try trainer.step(images: batch.images, labels: batch.labels)
                lossSum += result.loss * Double(result.count)
                correct += result.correct
                seen += result.count
                step += 1
                globalStep += 1
                let elapsed = max(Date().timeIntervalSince(start), 1e-9)
                onStep(
                    StepProgress(
                        epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, loss: lossSum / Double(seen),
                        accuracy: Double(correct) / Double(seen), samplesPerSecond: Double(seen) / elapsed))
            }
            let seconds = Date().timeIntervalSince(start)
            var report = EpochReport(
                epoch: epoch, trainLoss: seen == 0 ? 0 : lossSum / Double(seen),
                trainAccuracy: seen == 0 ? 0 : Double(correct) / Double(seen), testLoss: nil, testAccuracy: nil,
                seconds: seconds, samplesPerSecond: Double(seen) / max(seconds, 1e-9),
                learningRate: trainer.optimizer.learningRate)
            if let test {
                let evaluation = try ModelTrainer.evaluate(model: model, images: test.images, labels: test.labels)
                report.testLoss = evaluation.loss
                report.testAccuracy = evaluation.accuracy
            }
            reports.append(report)
            try onEpoch(report)
        }
        return reports
    }
}
