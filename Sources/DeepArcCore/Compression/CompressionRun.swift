public import DeepArcData
public import DeepArcNN
import DeepArcTensor
import Foundation

/// Iterative magnitude pruning with fine-tuning (`specs/pruning.md` §8; DeepArc §III.D, Table II):
/// optionally preprocess the model once (DeepArc's restructuring) and fine-tune briefly, then repeat
/// *prune `amountPerRound` of the remaining weights → fine-tune → evaluate* until a limit is hit.
///
/// Each round
/// 1. asks the ``Compressor`` for per-tensor counts over the model's prunable weights with their current
///    masks (`Model.prunableTensors()`), turns them into masks by magnitude (``MagnitudePruning``) and
///    installs them (`Model.installMasks(from:)`, which refuses to grow a mask);
/// 2. fine-tunes every unit for `epochsPerRound` epochs with ``TrainingLoop`` (the masks keep pruned
///    weights at exactly 0 through every optimizer step), shuffling with seed `fineTuning.seed + round`;
/// 3. evaluates on the test set.
///
/// Stopping rule:
/// - after `maxRounds` kept rounds (``CompressionReport/StopReason/maxRounds``);
/// - when a round leaves the test accuracy more than `maxAccuracyDrop` below the **dense model's**
///   (the model handed to ``run(_:train:test:onEvent:)``, before preprocessing): that round is reported
///   with `accepted == false`, and its masks *and* fine-tuned weights are discarded. The result is the
///   model as it was after the last good round (a copy is taken before every round), so the returned
///   model always satisfies the bound unless preprocessing alone broke it;
/// - when the kept weights reach `targetDensity` of the original model's prunable weights
///   (``CompressionReport/StopReason/targetDensity``): the round that gets there removes only the rest,
///   and a model already at or below the target (after preprocessing) is not pruned at all;
/// - when a round prunes nothing (flagged ``CompressionRoundReport/isNoOp``; it is not fine-tuned);
/// - when the compressor refuses a round (an unreachable target; the message is kept in
///   ``CompressionReport/stopDetail``) or fine-tuning diverges: the last good model is kept.
///
/// The input model is never changed: the run works on a copy.
///
/// ```swift
/// let run = CompressionRun(compressor: try registry.compressors.make("lamp"), schedule: .init(maxRounds: 5))
/// let result = try run.run(model, train: train, test: test)
/// print(result.report.text)
/// try Checkpoint.save(result.model, to: "pruned.safetensors")   // masks included
/// ```
public struct CompressionRun {
    /// Something that happened during a run, for progress displays.
    public enum Event {
        /// The dense model was evaluated.
        case denseEvaluated(accuracy: Double)
        /// A fine-tuning step finished; `round` is 0 while fine-tuning after preprocessing.
        case trainingStep(round: Int, TrainingLoop.StepProgress)
        /// Preprocessing (and its fine-tune) finished.
        case preprocessed(CompressionPreprocessingReport)
        /// A round finished; `model` is the working model right after it (before a discarded round is
        /// rolled back). Observers must not change it.
        case roundFinished(CompressionRoundReport, model: Model)
    }

    /// What a run returns.
    public struct Result {
        /// The compressed model: the state after the last kept round, masks installed.
        public var model: Model
        /// What happened.
        public var report: CompressionReport
    }

    /// The allocator that decides how many weights each tensor loses per round.
    public var compressor: any Compressor
    /// Amount per round, limits and fine-tuning epochs.
    public var schedule: CompressionSchedule
    /// The fine-tuning recipe (optimizer, learning rate, batch size, augmentation, seed). Its `epochs`
    /// is replaced by `schedule.epochsPerRound` (or `schedule.preprocessEpochs` after preprocessing);
    /// its `samples` limit applies.
    public var fineTuning: TrainingConfiguration
    /// A transformation run once before pruning (DeepArc's restructuring), then fine-tuned for
    /// `schedule.preprocessEpochs` epochs; nil runs plain iterative pruning.
    public var preprocess: ((Model) throws -> Model)?
    /// Samples per inference batch when evaluating.
    public var evaluationBatchSize: Int

    /// The fine-tuning recipe of the official LAMP code (`specs/pruning.md` §8): AdamW at 3·10⁻⁴,
    /// batch 100, constant learning rate, no augmentation.
    public static var officialFineTuning: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.optimizer = .adamw
        configuration.learningRate = 3e-4
        configuration.batchSize = 100
        configuration.schedule = .constant
        return configuration
    }

    /// Creates a run.
    /// - Parameters:
    ///   - compressor: the allocator (from a registry or a concrete type).
    ///   - schedule: amount per round, limits and epochs.
    ///   - fineTuning: the fine-tuning recipe (default ``officialFineTuning``).
    ///   - preprocess: an optional transformation applied once before pruning.
    ///   - evaluationBatchSize: samples per inference batch.
    public init(
        compressor: any Compressor, schedule: CompressionSchedule = CompressionSchedule(),
        fineTuning: TrainingConfiguration = CompressionRun.officialFineTuning,
        preprocess: ((Model) throws -> Model)? = nil, evaluationBatchSize: Int = 256
    ) {
        self.compressor = compressor
        self.schedule = schedule
        self.fineTuning = fineTuning
        self.preprocess = preprocess
        self.evaluationBatchSize = evaluationBatchSize
    }

    // MARK: - Running

    /// Compresses a copy of `model`.
    /// - Parameters:
    ///   - model: the trained dense (or already partly pruned) model; left unchanged.
    ///   - train: fine-tuning data.
    ///   - test: the data accuracy is measured on (the stopping rule's data).
    ///   - onEvent: progress callback.
    /// - Returns: the compressed model and the report.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an invalid schedule or fine-tuning
    ///   recipe or data that does not fit the model; ``DeepArcError/invalidPruning(tensor:reason:)`` when
    ///   the model has no prunable weights or a non-finite one; a compressor's option errors (for example
    ///   an `ignore` name that matches no tensor) in the first round; errors of `preprocess`.
    public func run(
        _ model: Model, train: Dataset, test: Dataset, onEvent: (Event) -> Void = { _ in }
    ) throws -> Result {
        let start = Date()
        try validate(train: train, test: test, model: model)
        let dense = try evaluate(model, on: test)
        onEvent(.denseEvaluated(accuracy: dense.accuracy))
        let original = try ModelFootprint(of: model)
        var working = try model.copy()
        var preprocessing: CompressionPreprocessingReport?
        if let preprocess {
            let (transformed, report) = try Self.preprocessed(
                model, with: preprocess, epochs: schedule.preprocessEpochs, fineTuning: fineTuning, train: train,
                test: test, batchSize: evaluationBatchSize, onEvent: onEvent)
            working = transformed
            preprocessing = report
            onEvent(.preprocessed(report))
        }
        return try rounds(
            on: working, dense: dense, original: original, preprocessing: preprocessing, train: train, test: test,
            start: start, onEvent: onEvent)
    }

    // MARK: - Steps (shared with CompressionComparison)

    /// Checks the schedule, recipe and data against `model`.
    func validate(train: Dataset, test: Dataset, model: Model) throws {
        try schedule.validate()
        var recipe = fineTuning
        recipe.epochs = 1
        try recipe.validate()
        guard evaluationBatchSize >= 1 else {
            throw DeepArcError.invalidConfiguration(
                reason: "compression: evaluationBatchSize must be at least 1; got \(evaluationBatchSize)")
        }
        for (role, data) in [("training", train), ("test", test)] {
            guard data.sampleShape == model.inputShape else {
                throw DeepArcError.invalidConfiguration(
                    reason: "\(role) data \(data.name) has samples of shape \(data.sampleShape), the model expects "
                        + "\(model.inputShape)")
            }
            guard data.count > 0 else {
                throw DeepArcError.invalidConfiguration(reason: "\(role) data \(data.name) is empty")
            }
        }
    }

    /// Applies `transform` to a copy of `model` and fine-tunes it for `epochs` epochs.
    static func preprocessed(
        _ model: Model, with transform: (Model) throws -> Model, epochs: Int, fineTuning: TrainingConfiguration,
        train: Dataset, test: Dataset, batchSize: Int, onEvent: (Event) -> Void
    ) throws -> (Model, CompressionPreprocessingReport) {
        let start = Date()
        let transformed = try transform(try model.copy())
        try transformed.setTrainableUnits(nil)
        let before = try ModelTrainer.evaluate(
            model: transformed, images: test.images, labels: test.labels, batchSize: batchSize)
        var accuracy = before.accuracy
        if epochs > 0 {
            var recipe = fineTuning
            recipe.epochs = epochs
            _ = try TrainingLoop(configuration: recipe).train(
                transformed, on: train, onStep: { onEvent(.trainingStep(round: 0, $0)) })
            accuracy = try ModelTrainer.evaluate(
                model: transformed, images: test.images, labels: test.labels, batchSize: batchSize
            ).accuracy
        }
        let remaining = Set(transformed.unitNames)
        let report = CompressionPreprocessingReport(
            unitsBefore: model.unitCount, unitsAfter: transformed.unitCount,
            removedUnits: model.unitNames.filter { !remaining.contains($0) }, parametersBefore: model.parameterCount,
            parametersAfter: transformed.parameterCount, accuracyBeforeFineTuning: before.accuracy, accuracy: accuracy,
            fineTuneEpochs: epochs, seconds: Date().timeIntervalSince(start))
        return (transformed, report)
    }

    /// The prune/fine-tune rounds on `working` (changed in place; the result may be another object).
    func rounds(
        on working: Model, dense: ModelTrainer.Result, original: ModelFootprint,
        preprocessing: CompressionPreprocessingReport?, train: Dataset, test: Dataset, start: Date,
        onEvent: (Event) -> Void
    ) throws -> Result {
        var current = working
        try current.setTrainableUnits(nil)
        let layerNames = current.prunableParameters.map(\.name)
        let layerSizes = current.prunableParameters.map(\.parameter.value.count)
        let prunableTotal = layerSizes.reduce(0, +)
        var reports: [CompressionRoundReport] = []
        var completed = 0
        var stopReason = CompressionReport.StopReason.maxRounds
        var stopDetail: String?
        var last = try evaluate(current, on: test)

        let targetKept = schedule.targetDensity.map { Int(($0 * Double(original.prunableWeights)).rounded()) }
        roundLoop: for round in 1...schedule.maxRounds {
            let roundStart = Date()
            let tensors = try current.prunableTensors()
            var amount = schedule.amountPerRound
            var landsOnTarget = false
            if let targetKept {
                // Remove only what is left to reach the target: the last round is a partial one.
                let kept = tensors.map(\.unmaskedCount).reduce(0, +)
                guard kept > targetKept else {  // preprocessing alone got there
                    stopReason = .targetDensity
                    break roundLoop
                }
                let needed = 1 - Double(targetKept) / Double(kept)
                if needed <= amount {
                    amount = needed
                    landsOnTarget = true
                }
            }
            let counts: [Int]
            do {
                counts = try compressor.pruneCounts(for: tensors, amount: amount)
            } catch DeepArcError.invalidPruning(let tensor, let reason) {
                stopReason = .compressorFailed
                stopDetail = DeepArcError.invalidPruning(tensor: tensor, reason: reason).description
                break roundLoop
            }
            let pruned = try MagnitudePruning.applying(counts, to: tensors)
            let prunedCount = counts.reduce(0, +)
            func report(accuracy: ModelTrainer.Result, kept: [Int], isNoOp: Bool, accepted: Bool)
                -> CompressionRoundReport
            {
                let keptCount = kept.reduce(0, +)
                return CompressionRoundReport(
                    round: round, amount: amount, prunedCount: prunedCount, keptCount: keptCount,
                    keptPerLayer: kept, density: Self.ratio(keptCount, prunableTotal),
                    densityOfOriginal: Self.ratio(keptCount, original.prunableWeights), accuracy: accuracy.accuracy,
                    loss: accuracy.loss, accuracyDrop: dense.accuracy - accuracy.accuracy,
                    seconds: Date().timeIntervalSince(roundStart), isNoOp: isNoOp, accepted: accepted)
            }
            if prunedCount == 0 {
                let noOp = report(accuracy: last, kept: tensors.map(\.unmaskedCount), isNoOp: true, accepted: true)
                reports.append(noOp)
                onEvent(.roundFinished(noOp, model: current))
                stopReason = .nothingPruned
                break roundLoop
            }
            let snapshot = try current.copy()
            try current.installMasks(from: pruned)
            if schedule.epochsPerRound > 0 {
                var recipe = fineTuning
                recipe.epochs = schedule.epochsPerRound
                recipe.seed = fineTuning.seed &+ UInt64(round)
                do {
                    _ = try TrainingLoop(configuration: recipe).train(
                        current, on: train, onStep: { onEvent(.trainingStep(round: round, $0)) })
                } catch let error as NNError {
                    guard case .nonFiniteLoss = error else { throw error }
                    current = snapshot
                    stopReason = .diverged
                    stopDetail = "round \(round): \(error)"
                    break roundLoop
                }
            }
            let evaluation = try evaluate(current, on: test)
            let accepted = dense.accuracy - evaluation.accuracy <= schedule.maxAccuracyDrop
            let roundReport = report(
                accuracy: evaluation, kept: pruned.map(\.unmaskedCount), isNoOp: false, accepted: accepted)
            reports.append(roundReport)
            onEvent(.roundFinished(roundReport, model: current))
            guard accepted else {
                current = snapshot
                stopReason = .accuracyDrop
                break roundLoop
            }
            completed += 1
            last = evaluation
            if landsOnTarget {
                stopReason = .targetDensity
                break roundLoop
            }
        }

        let final = try ModelFootprint(of: current)
        let report = CompressionReport(
            method: type(of: compressor).identifier, schedule: schedule, denseAccuracy: dense.accuracy,
            denseLoss: dense.loss, original: original, preprocessing: preprocessing, layerNames: layerNames,
            layerSizes: layerSizes, rounds: reports, completedRounds: completed, stopReason: stopReason,
            stopDetail: stopDetail, accuracy: last.accuracy, loss: last.loss, final: final,
            densityOfOriginal: Self.ratio(final.keptWeights, original.prunableWeights),
            seconds: Date().timeIntervalSince(start))
        return Result(model: current, report: report)
    }

    private func evaluate(_ model: Model, on data: Dataset) throws -> ModelTrainer.Result {
        try ModelTrainer.evaluate(model: model, images: data.images, labels: data.labels, batchSize: evaluationBatchSize)
    }

    private static func ratio(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 1 : Double(part) / Double(whole)
    }
}
