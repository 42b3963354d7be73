import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcPruning
import DeepArcTensor
import Foundation
import Testing

/// `CompressionRun`: rounds, masks, fine-tuning, the stopping rule and checkpoints.
@Suite("Compression run")
struct CompressionRunTests {
    /// Global pruning at 0.2 per round, never stopped by accuracy: masks only shrink, pruned weights stay
    /// exactly 0 through fine-tuning, and the kept counts follow R(0.2 × U) round by round.
    @Test("three rounds of global: shrinking masks, zeros kept through fine-tuning, counts by hand")
    func roundsShrinkMasks() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let originalValues = model.prunableParameters.map(\.parameter.value)
        let run = CompressionRun(
            compressor: try GlobalMagnitudeCompressor(options: .init()),
            schedule: CompressionSchedule(amountPerRound: 0.2, maxRounds: 3, maxAccuracyDrop: 1, epochsPerRound: 2),
            fineTuning: CompressionFixture.recipe())
        var masksAfterRound: [[Tensor]] = []
        var zerosHeld = true
        let result = try run.run(model, train: train, test: test) { event in
            guard case .roundFinished(_, let working) = event else { return }
            masksAfterRound.append(CompressionFixture.masks(of: working))
            for (_, parameter) in working.prunableParameters {
                guard let mask = parameter.mask else { continue }
                for (value, keep) in zip(parameter.value.scalars, mask.scalars) where keep == 0 && value != 0 {
                    zerosHeld = false
                }
            }
        }
        // U = 6·12 + 12·3 = 108 prunable weights; each round prunes R(0.2 · remaining).
        var expectedKept: [Int] = []
        var remaining = 108
        for _ in 0..<3 {
            remaining -= CompressionFixture.roundHalfEven(0.2 * Double(remaining))
            expectedKept.append(remaining)
        }
        #expect(expectedKept == [86, 69, 55])
        let report = result.report
        #expect(report.rounds.map(\.keptCount) == expectedKept)
        #expect(report.rounds.map(\.prunedCount) == [22, 17, 14])
        #expect(report.rounds.allSatisfy { $0.accepted && !$0.isNoOp })
        #expect(report.stopReason == .maxRounds)
        #expect(report.completedRounds == 3)
        #expect(report.final.keptWeights == 55)
        #expect(abs(report.densityOfOriginal - 55.0 / 108.0) < 1e-12)
        #expect(zerosHeld, "a pruned weight became non-zero during fine-tuning")

        // Masks never grow: every entry pruned after round r stays pruned after round r + 1.
        #expect(masksAfterRound.count == 3)
        for round in 1..<masksAfterRound.count {
            for (before, after) in zip(masksAfterRound[round - 1], masksAfterRound[round]) {
                for (old, new) in zip(before.scalars, after.scalars) { #expect(!(old == 0 && new != 0)) }
            }
        }
        #expect(masksAfterRound.map { $0.map(CompressionFixture.ones) } == report.rounds.map(\.keptPerLayer))

        // The final model: masked entries exactly 0; fine-tuning moved the kept weights.
        var moved = false
        for ((_, parameter), original) in zip(result.model.prunableParameters, originalValues) {
            let mask = try #require(parameter.mask)
            for (index, keep) in mask.scalars.enumerated() {
                if keep == 0 {
                    #expect(parameter.value.scalars[index] == 0)
                } else if parameter.value.scalars[index] != original.scalars[index] {
                    moved = true
                }
            }
        }
        #expect(moved, "fine-tuning did not change any kept weight")
        // The input model is untouched.
        #expect(model.prunableParameters.allSatisfy { $0.parameter.mask == nil })
        #expect(model.prunableParameters.map(\.parameter.value) == originalValues)
    }

    @Test("a pruned checkpoint reloads with the same masks, weights and accuracy")
    func checkpointRoundTrip() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let run = CompressionRun(
            compressor: try LAMPCompressor(options: .init()),
            schedule: CompressionSchedule(amountPerRound: 0.3, maxRounds: 2, maxAccuracyDrop: 1, epochsPerRound: 1),
            fineTuning: CompressionFixture.recipe())
        let result = try run.run(model, train: train, test: test)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pruned.safetensors").path
        try Checkpoint.save(result.model, to: path)
        let (loaded, _) = try Checkpoint.load(from: path)
        #expect(CompressionFixture.masks(of: loaded) == CompressionFixture.masks(of: result.model))
        #expect(loaded.prunableParameters.allSatisfy { $0.parameter.mask != nil })
        #expect(loaded.namedParameters.map(\.parameter.value) == result.model.namedParameters.map(\.parameter.value))
        let before = try ModelTrainer.evaluate(model: result.model, images: test.images, labels: test.labels)
        let after = try ModelTrainer.evaluate(model: loaded, images: test.images, labels: test.labels)
        #expect(after == before)
        #expect(after.accuracy == result.report.accuracy)
        #expect(try ModelFootprint(of: loaded) == result.report.final)
    }

    @Test("a round that breaks the accuracy bound is reported and discarded; the last good model is kept")
    func accuracyDropDiscardsRound() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let dense = try ModelTrainer.evaluate(model: model, images: test.images, labels: test.labels)
        #expect(dense.accuracy > 0.8, "the fixture should be well trained, got \(dense.accuracy)")
        let run = CompressionRun(
            compressor: CompressionStubCompressor(options: .init(firstRoundCount: 3)),
            schedule: CompressionSchedule(amountPerRound: 0.2, maxRounds: 5, maxAccuracyDrop: 0.2, epochsPerRound: 0))
        var roundMasks: [[Tensor]] = []
        let result = try run.run(model, train: train, test: test) { event in
            if case .roundFinished(_, let working) = event { roundMasks.append(CompressionFixture.masks(of: working)) }
        }
        let report = result.report
        #expect(report.rounds.count == 2)
        #expect(report.rounds.map(\.accepted) == [true, false])
        #expect(report.rounds[1].keptCount == 0)
        #expect(report.rounds[1].accuracyDrop > 0.2)
        #expect(report.stopReason == .accuracyDrop)
        #expect(report.completedRounds == 1)
        // The kept model is round 1's: three weights of the first tensor pruned, nothing else.
        #expect(CompressionFixture.masks(of: result.model) == roundMasks[0])
        #expect(result.model.prunableParameters.map(\.parameter.keptCount) == [72 - 3, 36])
        #expect(report.final.keptWeights == 105)
        let kept = try ModelTrainer.evaluate(model: result.model, images: test.images, labels: test.labels)
        #expect(kept.accuracy == report.rounds[0].accuracy)
        #expect(report.accuracy == kept.accuracy)
        #expect(dense.accuracy - report.accuracy <= 0.2)
    }

    @Test("max rounds: an aggressive amount without fine-tuning runs exactly maxRounds rounds")
    func maxRounds() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let run = CompressionRun(
            compressor: try UniformCompressor(options: .init()),
            schedule: CompressionSchedule(amountPerRound: 0.5, maxRounds: 2, maxAccuracyDrop: 1, epochsPerRound: 0))
        let report = try run.run(model, train: train, test: test).report
        // Uniform: each layer loses R(0.5 · u_l): 72 → 36 → 18 and 36 → 18 → 9.
        #expect(report.rounds.map(\.keptPerLayer) == [[36, 18], [18, 9]])
        #expect(report.stopReason == .maxRounds)
        #expect(report.completedRounds == 2)
    }

    @Test("a target density ends the run on exactly that many weights; the last round removes only the rest")
    func targetDensity() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let run = CompressionRun(
            compressor: try GlobalMagnitudeCompressor(options: .init()),
            schedule: CompressionSchedule(
                amountPerRound: 0.2, maxRounds: 10, maxAccuracyDrop: 1, epochsPerRound: 0, targetDensity: 0.5))
        let report = try run.run(model, train: train, test: test).report
        // Target R(0.5 · 108) = 54 kept. 108 → 86 → 69 → 55 at 0.2 per round (R(21.6), R(17.2), R(13.8));
        // then 1 − 54/55 < 0.2 is needed, so round 4 removes R(55 · (1 − 54/55)) = 1 weight.
        #expect(report.rounds.map(\.keptCount) == [86, 69, 55, 54])
        #expect(report.rounds.map(\.prunedCount) == [22, 17, 14, 1])
        #expect(abs(report.rounds[3].amount - 1.0 / 55.0) < 1e-12)
        #expect(report.rounds.prefix(3).allSatisfy { $0.amount == 0.2 })
        #expect(report.stopReason == .targetDensity)
        #expect(report.completedRounds == 4)
        #expect(report.densityOfOriginal == 0.5)

        // A model already at the target is not pruned at all.
        let none = CompressionRun(
            compressor: try GlobalMagnitudeCompressor(options: .init()),
            schedule: CompressionSchedule(epochsPerRound: 0, targetDensity: 1))
        let untouched = try none.run(model, train: train, test: test).report
        #expect(untouched.rounds.isEmpty)
        #expect(untouched.stopReason == .targetDensity)
        #expect(untouched.final.keptWeights == 108)
    }

    @Test("a round that prunes nothing is flagged as a no-op and ends the run")
    func noOpRound() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let dense = try ModelTrainer.evaluate(model: model, images: test.images, labels: test.labels)
        // R(0.004 × 108) = R(0.432) = 0: global prunes nothing.
        let run = CompressionRun(
            compressor: try GlobalMagnitudeCompressor(options: .init()),
            schedule: CompressionSchedule(amountPerRound: 0.004, maxRounds: 4, epochsPerRound: 1),
            fineTuning: CompressionFixture.recipe())
        let result = try run.run(model, train: train, test: test)
        let report = result.report
        #expect(report.rounds.count == 1)
        #expect(report.rounds[0].isNoOp)
        #expect(report.rounds[0].prunedCount == 0)
        #expect(report.rounds[0].keptCount == 108)
        #expect(report.stopReason == .nothingPruned)
        #expect(report.completedRounds == 0)
        #expect(report.accuracy == dense.accuracy)
        // Not fine-tuned: the weights are the dense model's.
        #expect(result.model.namedParameters.map(\.parameter.value) == model.namedParameters.map(\.parameter.value))
    }

    @Test("a compressor that refuses a round stops the run with its message; the last good model is kept")
    func compressorFailure() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let run = CompressionRun(
            compressor: CompressionStubCompressor(options: .init(firstRoundCount: 2, failLater: true)),
            schedule: CompressionSchedule(maxRounds: 3, maxAccuracyDrop: 1, epochsPerRound: 0))
        let result = try run.run(model, train: train, test: test)
        #expect(result.report.stopReason == .compressorFailed)
        #expect(result.report.stopDetail?.contains("the second round is unreachable") == true)
        #expect(result.report.rounds.count == 1)
        #expect(result.report.final.keptWeights == 106)
    }

    @Test("preprocessing runs once before pruning; density is reported against the original model")
    func preprocessHook() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(arch: "mlp-12-12", train: train)
        var calls = 0
        let run = CompressionRun(
            compressor: try GlobalMagnitudeCompressor(options: .init()),
            schedule: CompressionSchedule(
                amountPerRound: 0.2, maxRounds: 1, maxAccuracyDrop: 1, epochsPerRound: 1, preprocessEpochs: 1),
            fineTuning: CompressionFixture.recipe(),
            preprocess: { model in
                calls += 1
                return try model.removingUnits([1])  // dense2: 12 → 12
            })
        let report = try run.run(model, train: train, test: test).report
        #expect(calls == 1)
        let preprocessing = try #require(report.preprocessing)
        #expect(preprocessing.unitsBefore == 3 && preprocessing.unitsAfter == 2)
        #expect(preprocessing.removedUnits == ["dense2"])
        #expect(preprocessing.parametersBefore - preprocessing.parametersAfter == 12 * 12 + 12)
        // Original: 6·12 + 12·12 + 12·3 = 252 prunable weights; after removal 108, then R(21.6) = 22 pruned.
        #expect(report.original.prunableWeights == 252)
        #expect(report.layerSizes == [72, 36])
        #expect(report.final.keptWeights == 86)
        #expect(abs(report.densityOfOriginal - 86.0 / 252.0) < 1e-12)
        #expect(abs(report.rounds[0].density - 86.0 / 108.0) < 1e-12)
    }

    @Test("intra-module unit removal drops the shape-preserving units of a module, never its interface")
    func intraModuleRemoval() throws {
        let (train, _) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(arch: "mlp-12-12-12", train: train)
        let removal = IntraModuleUnitRemoval(
            modularizer: Modularizer(similarity: CompressionAllSimilar(options: .init()), partitioner: CompressionOneModule(options: .init())),
            samples: try train.images.slice(batch: 0..<20))
        // Compared units 0…2 form one module; its interface (unit 0, 6 → 12) stays; units 1 and 2 go.
        #expect(try removal.plan(for: model).units == [1, 2])
        let thinner = try removal.apply(to: model)
        #expect(thinner.unitNames == ["dense1", "head"])
        #expect(model.unitCount == 4)
    }

    @Test("invalid schedules are refused with the field's name")
    func invalidSchedules() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let cases: [(CompressionSchedule, String)] = [
            (CompressionSchedule(amountPerRound: 0), "amountPerRound"),
            (CompressionSchedule(amountPerRound: 1), "amountPerRound"),
            (CompressionSchedule(amountPerRound: .nan), "amountPerRound"),
            (CompressionSchedule(maxRounds: 0), "maxRounds"),
            (CompressionSchedule(maxAccuracyDrop: -0.1), "maxAccuracyDrop"),
            (CompressionSchedule(epochsPerRound: -1), "epochsPerRound"),
            (CompressionSchedule(targetDensity: 0), "targetDensity"),
            (CompressionSchedule(targetDensity: 1.5), "targetDensity"),
            (CompressionSchedule(targetDensity: .nan), "targetDensity"),
        ]
        for (schedule, field) in cases {
            let run = CompressionRun(compressor: try GlobalMagnitudeCompressor(options: .init()), schedule: schedule)
            let error = #expect(throws: DeepArcError.self) { try run.run(model, train: train, test: test) }
            #expect(error?.description.contains(field) == true, "\(String(describing: error))")
        }
    }

    @Test("schedule keys split from a compressor's options")
    func splitOptions() throws {
        let raw: ConfigValue = ["amountPerRound": 0.25, "maxRounds": 4, "targetDensity": 0.3, "ties": "official"]
        let (schedule, rest) = try CompressionSchedule.split(raw)
        #expect(schedule == CompressionSchedule(amountPerRound: 0.25, maxRounds: 4, targetDensity: 0.3))
        #expect(rest == ["ties": "official"])
        #expect(try CompressionSchedule.split(nil).schedule == CompressionSchedule())
        #expect(try CompressionSchedule.split(["maxRounds": 2]).compressor == nil)
        #expect(throws: DeepArcError.self) { try CompressionSchedule.split(["maxRounds": 0]) }
        #expect(throws: DeepArcError.self) { try CompressionSchedule.split(["a", "b"]) }
    }

    @Test("installing masks never restores a pruned entry")
    func masksOnlyShrink() throws {
        let (train, _) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(train: train)
        let pruned = try GlobalMagnitudeCompressor(options: .init()).prune(try model.prunableTensors(), amount: 0.5)
        try model.installMasks(from: pruned)
        let dense = try model.prunableTensors().map { try $0.withMask(nil) }
        #expect(throws: DeepArcError.self) { try model.installMasks(from: dense) }
        #expect(model.prunableParameters.map(\.parameter.keptCount).reduce(0, +) == 54)
    }
}
