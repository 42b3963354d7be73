import DeepArcData
public import DeepArcNN
import DeepArcTensor
import Foundation

/// Retrains a model on D ∪ D′ with the loss of paper Eq. 5, α · CE(model(x), y) + β · Dev(D′),
/// either modularly (only the critical modules' units train) or fully (the baseline).
///
/// **Modular retraining.** Only the retrained modules' units are trainable
/// (`Model.setTrainableUnits`). Everything before the first of them is frozen: its outputs for the
/// fixed training set D ∪ D′ are computed once, in inference mode, and cached, and each epoch
/// trains from that unit (`Model.forward(startUnit:)`) on shuffled batches of the cache.
/// Everything after is frozen but passes gradients through. The deviation term is computed on the
/// D′ rows of each batch at the modules' outputs (captured during the forward pass) and its
/// gradient is injected there (`Model.backward(injecting:)`).
///
/// **Frozen units compute what they compute at inference.** Frozen units after the module must run
/// in training mode (backward needs their caches), but a training-mode batch normalisation would
/// normalise with batch statistics, which adapt to the retrained module's changing outputs, and
/// then fall back to the old running statistics at inference: the retrained module would be fitted
/// to a suffix that no longer exists at evaluation time. (The authors' PyTorch code trains in train
/// mode and lets frozen layers' statistics drift instead.) Here every frozen unit's batch
/// normalisations use their running statistics in training too (`BatchNorm.usesRunningStatistics`,
/// gradients treat them as constants), so training sees exactly the inference-time suffix and a
/// frozen unit is bit-identical after retraining; the retrained units train and update their
/// statistics as usual. The frozen prefix runs in inference mode, both when cached and when
/// recomputed.
///
/// **Full retraining** (the baseline) uses the same loss, fitted deviation, data, batches,
/// optimizer, schedule and epochs with every unit trainable and no cache.
///
/// Batches: each epoch shuffles D and D′ separately (seeded by ``Options/seed`` and the epoch) and
/// gives every batch a proportional share of both, so every batch of a typical run has D′ rows.
/// There is no augmentation. A NaN or infinite loss stops the run with an error before that step
/// changes any weight.
///
/// ```swift
/// let retrainer = try ModularRetrainer(measure: try ExplicitDeviation(options: .init()), options: .init())
/// let scope = try RetrainingScope.critical(ranking)
/// let modular = try retrainer.retrain(model, scope: scope, data: data)
/// let full = try retrainer.retrain(model, scope: scope.fullModel, data: data)
/// ```
public struct ModularRetrainer {
    /// The deviation measure of the β·Dev term.
    public var measure: any DeviationMeasure
    /// The recipe.
    public var options: Options
    /// Samples per inference pass while fitting the deviation and filling the cache.
    public var inferenceBatchSize: Int = 256

    /// Creates a retrainer.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for invalid options (see
    ///   ``Options/validate()``).
    public init(measure: any DeviationMeasure, options: Options = Options()) throws(DeepArcError) {
        try options.validate()
        self.measure = measure
        self.options = options
    }

    // MARK: - Objective

    /// Fits the deviation at the scope's module outputs on D's representations under `model` (in
    /// inference mode) and returns the loss of Eq. 5.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for data that does not fit the model
    ///   or a paired measure without sources; ``DeepArcError/invalidActivations(layer:reason:)``
    ///   naming the module when the measure cannot be fitted there.
    public func makeObjective(for model: Model, scope: RetrainingScope, data: ReadaptionData) throws
        -> RetrainingObjective
    {
        try checkScope(scope, model: model)
        var names: [Int: String] = [:]
        for (module, units) in zip(scope.modules, scope.moduleUnits) {
            if let last = units.last { names[last] = ModuleLayout.describe(module: module, units: units) }
        }
        let beta = options.effectiveBeta(for: measure.pairing)
        guard beta > 0 else {
            try CriticalModuleLocator.checkData(data, model: model, pairing: nil)
            return RetrainingObjective(alpha: options.alpha, beta: 0, deviations: [:], pairing: nil, moduleNames: names)
        }
        let pairing = measure.pairing
        try CriticalModuleLocator.checkData(data, model: model, pairing: pairing)
        let units = scope.deviationUnits
        let captured = try RepresentationCapture.capture(
            model, images: data.original.images, units: Set(units), batchSize: inferenceBatchSize,
            wantsPredictions: pairing == .labelConditioned)
        var fitted: [Int: any FittedDeviation] = [:]
        for unit in units {
            guard let representations = captured.representations[unit] else { continue }
            do {
                fitted[unit] = try measure.fit(
                    ReferenceRepresentations(
                        representations: representations, labels: data.original.labels,
                        predictions: captured.predictions))
            } catch {
                throw DeepArcError.invalidActivations(
                    layer: unit,
                    reason: "\(names[unit] ?? "unit \(unit)"), fitting the deviation: \(ModuleLayout.reason(of: error))"
                )
            }
        }
        return RetrainingObjective(
            alpha: options.alpha, beta: beta, deviations: fitted, pairing: pairing, moduleNames: names)
    }

    // MARK: - Retraining

    /// Retrains a copy of `model` on D ∪ D′: the scope's modules, or every unit when
    /// ``RetrainingScope/trainsEveryUnit``.
    /// - Returns: the retrained copy and a summary.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `modules` for a scope
    ///   outside the model; the errors of ``makeObjective(for:scope:data:)``;
    ///   ``DeepArcError/invalidConfiguration(reason:)`` naming the modules, epoch and step when the
    ///   loss becomes NaN or infinite; the model's errors.
    /// - Parameter onEpoch: called after every epoch with its summary (for progress output).
    public func retrain(
        _ model: Model, scope: RetrainingScope, data: ReadaptionData,
        onEpoch: (RetrainingSummary.Epoch) -> Void = { _ in }
    ) throws -> RetrainingOutcome {
        let started = Date()
        let objective = try makeObjective(for: model, scope: scope, data: data)
        let trained = try model.copy()
        let trainability = trained.units.flatMap(\.parameters).map { ($0, $0.isTrainable) }
        defer { for (parameter, flag) in trainability { parameter.isTrainable = flag } }

        let trainable = scope.trainableUnits(unitCount: trained.unitCount)
        let trainableSet = Set(trainable)
        for (index, layer) in trained.units.enumerated() {
            for parameter in layer.parameters where parameter.kind != .runningStatistic {
                parameter.isTrainable = trainableSet.contains(index)
            }
        }
        let startUnit = scope.trainsEveryUnit ? 0 : (trainable.first ?? 0)
        // Frozen units normalise with their running statistics in training too: what they compute
        // while the module trains is what they will compute at inference.
        let frozenUnits = (0..<trained.unitCount).filter { !trainableSet.contains($0) }
        try trained.setUsesRunningStatistics(true, units: frozenUnits)
        defer { try? trained.setUsesRunningStatistics(false, units: frozenUnits) }
        let frozenStatistics = trained.units.enumerated().filter { !trainableSet.contains($0.offset) }
            .flatMap { $0.element.parameters.filter { $0.kind == .runningStatistic } }
            .map { ($0, $0.value) }

        // The fixed training set: D then D′; the prefix cache when the module starts after unit 0.
        let cacheStarted = Date()
        let prefix = try makePrefix(trained, startUnit: startUnit, data: data)
        let cacheSeconds = prefix.cached ? Date().timeIntervalSince(cacheStarted) : 0

        let configuration = options.trainingConfiguration
        let optimizer = try configuration.makeOptimizer()
        let schedule = try configuration.makeSchedule()
        let parameters = trained.units.flatMap(\.parameters).filter(\.receivesUpdates)
        let plan = BatchPlan(
            originalCount: data.original.count, newCount: data.new.count, batchSize: options.batchSize,
            seed: options.seed)
        let totalSteps = plan.batchCount * options.epochs
        var epochs: [RetrainingSummary.Epoch] = []
        var stepLosses: [Double] = []
        var globalStep = 0
        let checksEvaluated = options.targetAccuracy != nil && options.targetMeasure == .evaluated
        var reached = false
        for epoch in 1...options.epochs {
            let epochStarted = Date()
            var sums = (loss: 0.0, crossEntropy: 0.0, deviation: 0.0, correct: 0, count: 0, correctNew: 0, countNew: 0)
            let batches = plan.epoch(epoch - 1)
            let checkSteps =
                checksEvaluated ? Self.checkSteps(batchCount: batches.count, checks: options.targetChecksPerEpoch) : []
            var evaluations: [Double] = []
            var steps = 0
            for (step, rows) in batches.enumerated() {
                let batch = try prefix.batch(rows, data: data)
                optimizer.learningRate = schedule.learningRate(
                    base: options.effectiveLearningRate, step: globalStep, totalSteps: totalSteps,
                    stepsPerEpoch: plan.batchCount)
                let loss: RetrainingLoss
                do {
                    defer { for (parameter, value) in frozenStatistics { parameter.value = value } }
                    loss = try objective.evaluate(trained, batch: batch, startUnit: startUnit, backward: true)
                }
                guard loss.total.isFinite else {
                    throw DeepArcError.invalidConfiguration(
                        reason:
                            "\(scope.trainsEveryUnit ? "full" : "modular") retraining (\(scope.description)) diverged: "
                            + "the loss is \(loss.total) at epoch \(epoch), step \(step + 1); lower the learning rate "
                            + "(\(options.effectiveLearningRate)) or β (\(objective.beta))")
                }
                optimizer.step(parameters)
                globalStep += 1
                steps += 1
                stepLosses.append(loss.total)
                let weight = Double(loss.count)
                sums.loss += loss.total * weight
                sums.crossEntropy += loss.crossEntropy * weight
                sums.deviation += loss.deviation * weight
                sums.correct += loss.correct
                sums.count += loss.count
                sums.correctNew += loss.correctNew
                sums.countNew += loss.countNew
                if checkSteps.contains(steps), let target = options.targetAccuracy {
                    let accuracy = try prefix.newAccuracy(data: data, batchSize: inferenceBatchSize)
                    evaluations.append(accuracy)
                    if accuracy >= target {
                        reached = true
                        break
                    }
                }
            }
            let seen = Double(max(sums.count, 1))
            let trainingNewAccuracy = Double(sums.correctNew) / Double(max(sums.countNew, 1))
            let summary = RetrainingSummary.Epoch(
                epoch: epoch, loss: sums.loss / seen, crossEntropy: sums.crossEntropy / seen,
                deviation: sums.deviation / seen, accuracy: Double(sums.correct) / seen,
                newAccuracy: trainingNewAccuracy, evaluatedNewAccuracy: evaluations.last, evaluations: evaluations,
                steps: steps, seconds: Date().timeIntervalSince(epochStarted))
            epochs.append(summary)
            onEpoch(summary)
            if reached { break }
            if let target = options.targetAccuracy, options.targetMeasure == .training, trainingNewAccuracy >= target {
                break
            }
        }
        let summary = RetrainingSummary(
            full: scope.trainsEveryUnit, scope: scope, alpha: objective.alpha, beta: objective.beta,
            trainedUnits: trainable,
            trainedParameterCount: trained.trainableParameterCount, startUnit: startUnit, prefixCached: prefix.cached,
            cacheSeconds: cacheSeconds, seconds: Date().timeIntervalSince(started), epochs: epochs,
            stepLosses: stepLosses)
        return RetrainingOutcome(model: trained, summary: summary)
    }

    // MARK: - Pieces

    /// The steps of an epoch of `batchCount` steps after which an evaluated target is checked:
    /// ⌈k·batchCount/checks⌉ for k = 1…checks (the last is the epoch's end; repeats merge when there
    /// are more checks than steps).
    package static func checkSteps(batchCount: Int, checks: Int) -> Set<Int> {
        let count = max(checks, 1)
        return Set((1...count).map { ($0 * batchCount + count - 1) / count })
    }

    /// Checks that the scope's modules lie inside the model.
    private func checkScope(_ scope: RetrainingScope, model: Model) throws(DeepArcError) {
        for (module, units) in zip(scope.modules, scope.moduleUnits) {
            if let bad = units.first(where: { $0 < 0 || $0 >= model.unitCount }) {
                throw .invalidOption(
                    strategy: "retraining", option: "modules",
                    reason: "module \(module) names unit \(bad), outside the model's units 0..<\(model.unitCount)")
            }
            guard units == units.sorted() else {
                throw .invalidOption(
                    strategy: "retraining", option: "modules", reason: "module \(module)'s units \(units) do not ascend"
                )
            }
        }
    }

    /// The inputs of `startUnit` for D and D′: cached when possible.
    private func makePrefix(_ model: Model, startUnit: Int, data: ReadaptionData) throws -> Prefix {
        guard startUnit > 0 else { return Prefix(model: model, startUnit: 0, cache: nil) }
        guard options.cachePrefix else { return Prefix(model: model, startUnit: startUnit, cache: nil) }
        let features =
            try RepresentationCapture.featureCounts(
                model, sample: data.original.images, units: [startUnit - 1])[startUnit - 1] ?? 0
        let (bytes, overflow) = features.multipliedReportingOverflow(by: (data.original.count + data.new.count) * 4)
        guard !overflow, bytes <= options.maximumCacheBytes else {
            return Prefix(model: model, startUnit: startUnit, cache: nil)
        }
        let original = try RepresentationCapture.capture(
            model, images: data.original.images, units: [startUnit - 1], batchSize: inferenceBatchSize
        ).representations[startUnit - 1]
        let new = try RepresentationCapture.capture(
            model, images: data.new.images, units: [startUnit - 1], batchSize: inferenceBatchSize
        ).representations[startUnit - 1]
        guard let original, let new else { return Prefix(model: model, startUnit: startUnit, cache: nil) }
        return Prefix(model: model, startUnit: startUnit, cache: (original, new))
    }
}

// MARK: - Batches and the prefix

extension ModularRetrainer {
    /// Which rows of D and D′ each batch of an epoch holds.
    struct BatchPlan {
        let originalCount: Int
        let newCount: Int
        let batchSize: Int
        let seed: UInt64

        /// Batches per epoch: ⌈(|D| + |D′|) / batch size⌉.
        var batchCount: Int { max(1, (originalCount + newCount + batchSize - 1) / batchSize) }

        /// The non-empty batches of epoch `epoch`: D and D′ shuffled separately, each cut into
        /// `batchCount` near-equal consecutive pieces.
        func epoch(_ epoch: Int) -> [(original: ArraySlice<Int>, new: ArraySlice<Int>)] {
            var generator = SeededGenerator(seed: seed ^ (UInt64(epoch + 1) &* 0x9E37_79B9_7F4A_7C15))
            var originalOrder = Array(0..<originalCount)
            var newOrder = Array(0..<newCount)
            originalOrder.seededShuffle(using: &generator)
            newOrder.seededShuffle(using: &generator)
            let count = batchCount
            var batches: [(original: ArraySlice<Int>, new: ArraySlice<Int>)] = []
            for index in 0..<count {
                let original = originalOrder[(index * originalCount / count)..<((index + 1) * originalCount / count)]
                let new = newOrder[(index * newCount / count)..<((index + 1) * newCount / count)]
                if original.isEmpty && new.isEmpty { continue }
                batches.append((original, new))
            }
            return batches
        }
    }

    /// Where the inputs of the first training unit come from.
    struct Prefix {
        let model: Model
        let startUnit: Int
        /// The outputs of unit `startUnit − 1` for D and for D′, when cached.
        let cache: (original: Tensor, new: Tensor)?

        var cached: Bool { cache != nil }

        /// The model's accuracy on D′ in inference mode: from the cached inputs of `startUnit` when
        /// cached, else from the images.
        func newAccuracy(data: ReadaptionData, batchSize: Int) throws -> Double {
            let predictions =
                try RepresentationCapture.capture(
                    model, images: cache?.new ?? data.new.images, units: [], batchSize: batchSize,
                    wantsPredictions: true, startUnit: cache == nil ? 0 : startUnit
                ).predictions ?? []
            let correct = zip(predictions, data.new.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
            return Double(correct) / Double(max(data.new.labels.count, 1))
        }

        /// The batch of D rows `rows.original` and D′ rows `rows.new` (D first).
        func batch(_ rows: (original: ArraySlice<Int>, new: ArraySlice<Int>), data: ReadaptionData) throws
            -> RetrainingBatch
        {
            let originalRows = Array(rows.original)
            let newRows = Array(rows.new)
            var parts: [Tensor] = []
            let sourceOriginal = cache?.original ?? data.original.images
            let sourceNew = cache?.new ?? data.new.images
            if !originalRows.isEmpty { parts.append(try sourceOriginal.gather(batch: originalRows)) }
            if !newRows.isEmpty { parts.append(try sourceNew.gather(batch: newRows)) }
            var inputs = try Tensor.concatenate(batches: parts)
            if cache == nil, startUnit > 0 {
                inputs = try model.forward(inputs, mode: .inference, endUnit: startUnit - 1).output
            }
            let labels = originalRows.map { data.original.labels[$0] } + newRows.map { data.new.labels[$0] }
            let positions = Array(originalRows.count..<(originalRows.count + newRows.count))
            return try RetrainingBatch(
                inputs: inputs, labels: labels, newRows: positions,
                newSources: data.sources.map { sources in newRows.map { sources[$0] } })
        }
    }
}
