import DeepArcCore
import DeepArcData
import DeepArcDeviation
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Modular retraining")
struct ModularRetrainerTests {
    /// resnet8 units: 0 stem, 1 stage1.block1, 2 stage2.block1, 3 stage3.block1, 4 head.
    static let resnetModules: [[Int]] = [[0], [1], [2], [3]]

    @Test("frozen units keep weights and batch-norm running statistics bit for bit")
    func frozenUnitsUnchanged() throws {
        let model = try makeResNet8()
        let images = try tinyImages()
        try train(model, on: images, epochs: 1)
        let data = try pairedData(images, noise: 0.3)
        let before = snapshot(model)
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: quickOptions())
        let outcome = try retrainer.retrain(
            model, scope: RetrainingScope.modules([2], of: Self.resnetModules), data: data)
        let after = snapshot(outcome.model)

        #expect(snapshot(model) == before, "the input model is left unchanged")
        #expect(outcome.summary.startUnit == 2)
        #expect(outcome.summary.prefixCached)
        #expect(outcome.summary.trainedUnits == [2])
        for (name, value) in before where !belongs(name, to: 2) {
            #expect(after[name] == value, "\(name) changed although its unit is frozen")
        }
        let trainedNames = before.keys.filter { belongs($0, to: 2) }
        let changedWeights = trainedNames.filter { $0.hasSuffix("weight") && after[$0] != before[$0] }
        let changedStatistics = trainedNames.filter { $0.hasSuffix("runningMean") && after[$0] != before[$0] }
        #expect(!changedWeights.isEmpty, "the retrained module's weights moved")
        #expect(!changedStatistics.isEmpty, "the retrained module's running statistics follow its new weights")
        // Every parameter of the retrained model is trainable again, as in the input model, and its
        // batch normalisations are back to batch statistics in training.
        #expect(outcome.model.trainableParameterCount == model.trainableParameterCount)
        #expect(outcome.model.unitsUsingRunningStatistics().isEmpty)
    }

    @Test("frozen units' batch norms use running statistics: marking finds them inside residual blocks")
    func runningStatisticsMarking() throws {
        let model = try makeResNet8()
        try model.setUsesRunningStatistics(true, units: [1, 3])
        #expect(model.unitsUsingRunningStatistics() == [1, 3])
        // The marked block now computes its inference function in a training-mode pass.
        let input = try model.forward(try tinyImages().images.slice(batch: 0..<8), mode: .inference, endUnit: 0).output
        let block = model.units[1]
        let inference = try block.forward(input, mode: .inference)
        let training = try block.forward(input, mode: .training)
        #expect(training.shape == inference.shape)
        let worst = zip(training.scalars, inference.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        #expect(worst <= 1e-4, "training-mode output differs from inference by \(worst)")
        try model.setUsesRunningStatistics(false, units: 0..<model.unitCount)
        #expect(model.unitsUsingRunningStatistics().isEmpty)
        #expect(throws: NNError.self) { try model.setUsesRunningStatistics(true, units: [model.unitCount]) }
    }

    @Test("a training-mode forward pass would move a frozen unit's statistics (the test above can fail)")
    func trainingForwardMovesStatistics() throws {
        let model = try makeResNet8()
        let images = try tinyImages()
        let before = snapshot(model)
        _ = try model.forward(images.images, mode: .training)
        let after = snapshot(model)
        #expect(after.keys.contains { belongs($0, to: 3) && $0.hasSuffix("runningMean") && after[$0] != before[$0] })
    }

    @Test("the cached prefix gives the same losses as recomputing it for every batch")
    func cachedPrefixMatchesRecomputation() throws {
        let model = try makeResNet8()
        let images = try tinyImages()
        try train(model, on: images, epochs: 1)
        let data = try pairedData(images, noise: 0.3)
        var cachedOptions = quickOptions(epochs: 2)
        cachedOptions.cachePrefix = true
        var recomputedOptions = cachedOptions
        recomputedOptions.cachePrefix = false
        let scope = try RetrainingScope.modules([2], of: Self.resnetModules)
        let measure = try ExplicitDeviation(options: .init())
        let cached = try ModularRetrainer(measure: measure, options: cachedOptions).retrain(
            model, scope: scope, data: data)
        let recomputed = try ModularRetrainer(measure: measure, options: recomputedOptions)
            .retrain(model, scope: scope, data: data)
        #expect(cached.summary.prefixCached)
        #expect(!recomputed.summary.prefixCached)
        #expect(cached.summary.stepLosses.count == recomputed.summary.stepLosses.count)
        #expect(cached.summary.stepLosses.count == 2 * 6)  // 96 samples in batches of 16
        for (a, b) in zip(cached.summary.stepLosses, recomputed.summary.stepLosses) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "\(a) vs \(b)")
        }
        // A cache that would exceed the limit falls back to recomputation.
        var tiny = cachedOptions
        tiny.maximumCacheBytes = 16
        let limited = try ModularRetrainer(measure: measure, options: tiny).retrain(model, scope: scope, data: data)
        #expect(!limited.summary.prefixCached)
        #expect(limited.summary.stepLosses == recomputed.summary.stepLosses)
    }

    @Test("full retraining trains every unit with the same batches; modular trains one module")
    func fullRetrainingTrainsEverything() throws {
        let (model, trainSet, _) = try trainedMLP()
        let data = try pairedData(trainSet.prefix(64))
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: quickOptions())
        let scope = try RetrainingScope.modules([1], of: [[0], [1], [2]])
        let full = try retrainer.retrain(model, scope: scope.fullModel, data: data)
        let modular = try retrainer.retrain(model, scope: scope, data: data)
        let before = snapshot(model)
        let afterFull = snapshot(full.model)
        for unit in 0..<model.unitCount {
            #expect(
                before.keys.contains { belongs($0, to: unit) && afterFull[$0] != before[$0] }, "unit \(unit) trained")
        }
        #expect(full.summary.trainedParameterCount == model.parameterCount)
        #expect(full.summary.trainedUnits == [0, 1, 2, 3])
        #expect(full.summary.startUnit == 0)
        #expect(!full.summary.prefixCached)
        // dense2 is an 8 × 8 matrix and 8 biases.
        #expect(modular.summary.trainedParameterCount == 8 * 8 + 8)
        #expect(modular.summary.stepLosses.count == full.summary.stepLosses.count)
        // The first step sees the same batch and the same weights, so the same loss.
        let first = (try #require(modular.summary.stepLosses.first), try #require(full.summary.stepLosses.first))
        #expect(abs(first.0 - first.1) <= 1e-6 * max(1, abs(first.0)))
    }

    @Test("several retrained modules: the units between them stay frozen")
    func severalModules() throws {
        let (model, trainSet, _) = try trainedMLP()
        let data = try pairedData(trainSet.prefix(64))
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: quickOptions())
        let scope = try RetrainingScope.modules([2, 0], of: [[0], [1], [2]])
        #expect(scope.modules == [0, 2])
        #expect(scope.deviationUnits == [0, 2])
        let outcome = try retrainer.retrain(model, scope: scope, data: data)
        let before = snapshot(model)
        let after = snapshot(outcome.model)
        #expect(outcome.summary.trainedUnits == [0, 2])
        for (name, value) in before where belongs(name, to: 1) || belongs(name, to: 3) {
            #expect(after[name] == value, "\(name) is frozen")
        }
        #expect(before.keys.contains { belongs($0, to: 0) && after[$0] != before[$0] })
        #expect(before.keys.contains { belongs($0, to: 2) && after[$0] != before[$0] })
    }

    @Test("retraining fits the new samples better than the model did")
    func retrainingHelps() throws {
        let (model, data) = try trainedMLPWithFGSM()
        let before = try accuracy(of: model, on: data.new)
        var options = quickOptions(epochs: 15, batchSize: 32, alpha: 1, beta: 0.5)
        options.learningRate = 0.05
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
        let outcome = try retrainer.retrain(
            model, scope: RetrainingScope.modules([1], of: [[0], [1], [2]]), data: data)
        let after = try accuracy(of: outcome.model, on: data.new)
        #expect(after > before, "accuracy on D′ \(before) → \(after)")
        let losses = outcome.summary.epochs.map(\.loss)
        #expect(try #require(losses.last) < (try #require(losses.first)))
    }

    @Test("a target on the training accuracy stops after the first epoch that reaches it; the epochs before are the same")
    func targetAccuracyStops() throws {
        let (model, data) = try trainedMLPWithFGSM()
        var options = quickOptions(epochs: 12, batchSize: 32, alpha: 1, beta: 0.5)
        options.learningRate = 0.05
        options.targetMeasure = .training
        let scope = try RetrainingScope.modules([1], of: [[0], [1], [2]])
        let uncapped = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
            .retrain(model, scope: scope, data: data).summary.epochs
        #expect(uncapped.count == 12)
        #expect(uncapped.allSatisfy { $0.evaluatedNewAccuracy == nil }, "no target: no evaluation pass")
        // Aim at the accuracy an epoch in the middle reached; the run must stop at the first epoch at or
        // above it, found here by scanning the uncapped run.
        let target = uncapped[uncapped.count / 2].newAccuracy
        let firstReaching = try #require(uncapped.firstIndex { $0.newAccuracy >= target }) + 1
        options.targetAccuracy = target
        let capped = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
            .retrain(model, scope: scope, data: data).summary.epochs
        #expect(capped.count == firstReaching)
        #expect(capped.map(\.loss) == uncapped.prefix(firstReaching).map(\.loss))
        #expect(capped.allSatisfy { $0.evaluatedNewAccuracy == nil })

        for bad in [0.0, 1.5, -.infinity] {
            options.targetAccuracy = bad
            let measure = try ExplicitDeviation(options: .init())
            #expect(throws: DeepArcError.self) { try ModularRetrainer(measure: measure, options: options) }
        }
    }

    @Test(
        "a target on the evaluated accuracy compares D′ accuracy in inference mode after each epoch",
        arguments: [true, false])
    func evaluatedTargetStops(cachePrefix: Bool) throws {
        let (model, data) = try trainedMLPWithFGSM()
        var options = quickOptions(epochs: 1, batchSize: 32, alpha: 1, beta: 0.5)
        options.learningRate = 0.05
        options.cachePrefix = cachePrefix
        let scope = try RetrainingScope.modules([1], of: [[0], [1], [2]])
        // The accuracy on D′ after k epochs, measured independently on the model a k-epoch run returns
        // (runs are deterministic, so it is the model after epoch k of any longer run).
        var independent: [Double] = []
        for epochs in 1...8 {
            options.epochs = epochs
            let outcome = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
                .retrain(model, scope: scope, data: data)
            independent.append(try accuracy(of: outcome.model, on: data.new))
        }
        let before = try accuracy(of: model, on: data.new)
        let target = try #require(independent.filter { $0 > before }.min(), "retraining improves D′ at some epoch")
        let firstReaching = try #require(independent.firstIndex { $0 >= target }) + 1
        options.epochs = 8
        options.targetAccuracy = target
        options.targetMeasure = .evaluated
        let capped = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
            .retrain(model, scope: scope, data: data).summary.epochs
        #expect(capped.count == firstReaching)
        for (epoch, expected) in zip(capped, independent) {
            let measured = try #require(epoch.evaluatedNewAccuracy)
            #expect(abs(measured - expected) < 1e-12, "epoch \(epoch.epoch): \(measured) vs \(expected)")
        }
    }

    @Test(
        "checks within an epoch stop at the first check that reaches the target and leave training unchanged",
        arguments: [true, false])
    func checksWithinAnEpoch(cachePrefix: Bool) throws {
        let (model, data) = try trainedMLPWithFGSM()
        // 128 + 128 samples in batches of 32: 8 steps per epoch, checked after steps 2, 4, 6 and 8.
        var options = quickOptions(epochs: 3, batchSize: 32, alpha: 1, beta: 0.5)
        options.learningRate = 0.05
        options.cachePrefix = cachePrefix
        options.targetMeasure = .evaluated
        options.targetChecksPerEpoch = 4
        let scope = try RetrainingScope.modules([1], of: [[0], [1], [2]])
        func retrain() throws -> RetrainingOutcome {
            try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
                .retrain(model, scope: scope, data: data)
        }
        let unchecked = try retrain().summary
        options.targetAccuracy = 1
        let everyCheck = try retrain().summary
        let sequence = everyCheck.epochs.flatMap(\.evaluations)
        try #require(sequence.allSatisfy { $0 < 1 }, "the unreachable target was reached: \(sequence)")
        #expect(everyCheck.epochs.map(\.evaluations.count) == [4, 4, 4])
        #expect(everyCheck.epochs.map(\.steps) == [8, 8, 8])
        #expect(everyCheck.stepLosses == unchecked.stepLosses, "the checks are inference passes")

        // Aim at a check inside an epoch that is the first to reach its value: the run must stop
        // there, and the model it returns must have exactly that accuracy, measured independently.
        let interior = try #require(
            sequence.indices.first { $0 % 4 != 3 && sequence[$0] > (sequence[..<$0].max() ?? -1) && $0 > 0 },
            "no interior check improves on the earlier ones: \(sequence)")
        options.targetAccuracy = sequence[interior]
        let stopped = try retrain()
        #expect(stopped.summary.epochs.flatMap(\.evaluations) == Array(sequence[...interior]))
        let steps = stopped.summary.epochs.map(\.steps).reduce(0, +)
        #expect(steps == (interior / 4) * 8 + (interior % 4 + 1) * 2)
        #expect(stopped.summary.stepLosses == Array(everyCheck.stepLosses.prefix(steps)))
        #expect(abs(try accuracy(of: stopped.model, on: data.new) - sequence[interior]) < 1e-12)
    }

    @Test("the check steps are ⌈k·B/n⌉ for k = 1…n")
    func checkSteps() {
        #expect(ModularRetrainer.checkSteps(batchCount: 32, checks: 4) == [8, 16, 24, 32])
        #expect(ModularRetrainer.checkSteps(batchCount: 10, checks: 3) == [4, 7, 10])
        #expect(ModularRetrainer.checkSteps(batchCount: 2, checks: 4) == [1, 2])
        #expect(ModularRetrainer.checkSteps(batchCount: 7, checks: 1) == [7])
    }

    @Test("checks per epoch must be at least 1, and above 1 only with the evaluated measure")
    func checksPerEpochValidation() throws {
        var options = quickOptions()
        options.targetChecksPerEpoch = 0
        let measure = try ExplicitDeviation(options: .init())
        #expect(throws: DeepArcError.self) { try ModularRetrainer(measure: measure, options: options) }
        options.targetChecksPerEpoch = 2
        options.targetMeasure = .training
        #expect(throws: DeepArcError.self) { try ModularRetrainer(measure: measure, options: options) }
        options.targetMeasure = .evaluated
        _ = try ModularRetrainer(measure: measure, options: options)
    }
}
