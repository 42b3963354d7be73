import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Duplication and the report's costs")
struct CostAndDuplicationTests {
    @Test func duplicationFollowsAlgorithm2AndCopiesCarryTheSameWeights() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let samples = try Fixture.images(samples: 8).images
        // Algorithm 2's order is 6, 5, 4, 2; unit 5 downsamples, so it cannot follow itself.
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .duplicateIntraModule(count: 2), sewingSamples: samples)
        #expect(result.plan.duplicatedUnits == [6, 4])
        #expect(result.plan.skippedUnits == [5])
        #expect(result.model.unitNames == [
            "stem", "stage1.block1", "stage1.block2", "stage2.block1", "stage2.block2", "stage2.block2.copy1",
            "stage3.block1", "stage3.block2", "stage3.block2.copy1", "head",
        ])
        #expect(Fixture.unitValues(result.model, 5) == Fixture.unitValues(model, 4))
        #expect(Fixture.unitValues(result.model, 8) == Fixture.unitValues(model, 6))
        #expect(result.model.spec.units[5].layer == model.spec.units[4].layer)
        #expect(result.report.duplicatedNames == ["stage3.block2", "stage2.block2"])
        #expect(result.report.adapters.isEmpty)
        // Repeating a unit by hand gives the same network.
        let byHand = try model.duplicatingUnit(6).duplicatingUnit(4)
        #expect(try result.model(samples) == byHand(samples))
        // Three is one more than the shape-preserving units left after 6 and 4 (just 2).
        let three = try Restructurer().plan(model, modularization: modularization, operation: .duplicateIntraModule(count: 3))
        #expect(three.duplicatedUnits == [6, 4, 2])
        #expect(throws: RestructuringError.tooFewUnits(operation: "duplicate", requested: 4, available: 3)) {
            try Restructurer().plan(model, modularization: modularization, operation: .duplicateIntraModule(count: 4))
        }
    }

    @Test func parametersAndMultiplyAccumulatesMatchHandCounts() throws {
        let model = try Model(spec: Architectures.make("mlp-6-6", inputShape: [4], classCount: 3), seed: 1)
        let modularization = try Fixture.modularization(of: model, modules: [[0, 1]], adjacent: [0.99])
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .removeIntraModule(count: 1))
        // dense1 4→6, dense2 6→6, head 6→3 (weights + biases; MACs = weights).
        #expect(result.report.before == .init(units: 3, parameters: 30 + 42 + 21, multiplyAccumulates: 24 + 36 + 18))
        #expect(result.report.after == .init(units: 2, parameters: 30 + 21, multiplyAccumulates: 24 + 18))
        #expect(result.report.adapters.isEmpty)
    }

    @Test func theAdapterOfADownsamplingBlockCostsWhatAHandCountSays() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let plan = try Restructurer().plan(model, modularization: modularization, operation: .removeUnits([3]))
        let before = try RestructuringReport.Cost(of: model.spec)
        let after = try RestructuringReport.Cost(of: plan.spec)
        #expect(before.parameters == model.parameterCount)
        // stage2.block1 on [16,8,8]: 3×3 convs 16→32 (stride 2) and 32→32, a 1×1 16→32 shortcut, three
        // batch norms of 32 channels, all on a 4×4 output.
        let blockParameters = 16 * 32 * 9 + 32 * 32 * 9 + 16 * 32 + 3 * 64
        let blockMACs = (16 * 32 * 9 + 32 * 32 * 9 + 16 * 32) * 16 + 3 * 32 * 16
        // The adapter: a 1×1 16→32 convolution (stride 2) and a batch norm of 32 channels on 4×4.
        let adapterParameters = 16 * 32 + 64
        let adapterMACs = 16 * 32 * 16 + 32 * 16
        #expect(before.parameters - after.parameters == blockParameters - adapterParameters)
        #expect(before.multiplyAccumulates - after.multiplyAccumulates == blockMACs - adapterMACs)
        #expect(before.units == after.units)
    }

    @Test func evaluationAndFineTuningAreReported() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let train = try Fixture.images(samples: 32)
        let test = try Fixture.images(samples: 32, split: .test)
        var options = RestructuringOptions()
        options.fineTuneEpochs = 1
        options.fineTuning.batchSize = 16
        let result = try Restructurer(options: options).restructure(
            model, modularization: modularization, operation: .removeUnits([3]), sewingSamples: train.images,
            fineTuningData: train, evaluation: test)
        let evaluation = try #require(result.report.evaluation)
        let before = try ModelTrainer.evaluate(model: model, images: test.images, labels: test.labels)
        let after = try ModelTrainer.evaluate(model: result.model, images: test.images, labels: test.labels)
        #expect(evaluation.samples == 32)
        #expect(evaluation.accuracyBefore == before.accuracy)
        #expect(evaluation.accuracyAfter == after.accuracy)
        #expect(evaluation.accuracyBeforeFineTuning != nil)
        #expect(result.report.fineTuning.count == 1)
        #expect(result.report.fineTuning.first?.epoch == 1)
    }
}
