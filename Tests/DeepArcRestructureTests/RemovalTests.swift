import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Removing units and sewing")
struct RemovalTests {
    @Test func removingAShapePreservingUnitNeedsNoAdapterAndEqualsModelRemovingUnits() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let data = try Fixture.images(samples: 16)
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .removeUnits([2]), sewingSamples: data.images)
        #expect(result.report.adapters.isEmpty)
        #expect(result.plan.adapterPositions.isEmpty)
        let expected = try model.removingUnits([2])
        #expect(result.model.spec.units == expected.spec.units)
        #expect(Fixture.values(of: result.model) == Fixture.values(of: expected))
        #expect(try result.model(data.images) == expected(data.images))
        #expect(result.report.removedUnits.map(\.name) == ["stage1.block2"])
        #expect(result.report.removedUnits.map(\.role) == ["intra-module"])
    }

    @Test func removingADownsamplingBlockSplicesAnAdapterWithTheRightShapes() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let data = try Fixture.images(samples: 32)
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .removeUnits([3]), sewingSamples: data.images)
        let adapter = try #require(result.report.adapters.first)
        #expect(result.report.adapters.count == 1)
        #expect(adapter.name == "sew.3-3")
        #expect(adapter.position == 3)
        #expect(adapter.inputShape == [16, 8, 8])
        #expect(adapter.outputShape == [32, 4, 4])
        // 8×8 → 4×4 with a 1×1 window: stride 2.
        let expectedLayer = LayerSpec.sequential([
            .conv2D(inChannels: 16, outChannels: 32, kernel: 1, stride: 2, padding: 0, bias: false),
            .batchNorm(channels: 32, momentum: 0.1, epsilon: 1e-5), .relu,
        ])
        #expect(result.model.spec.units[3] == ModelSpec.Unit(name: "sew.3-3", layer: expectedLayer))
        #expect(result.model.unitNames == [
            "stem", "stage1.block1", "stage1.block2", "sew.3-3", "stage2.block2", "stage3.block1", "stage3.block2", "head",
        ])
        let logits = try result.model(data.images)
        #expect(logits.shape == [32, 4])
        #expect(logits.isFinite)
        #expect(result.report.removedUnits.map(\.role) == ["interface"])
    }

    @Test func sewingLowersTheL2LossAndTouchesNothingOutsideTheAdapter() throws {
        let model = try Fixture.resnet()
        let original = try model.copy()
        let modularization = try Fixture.resnetModularization(of: model)
        let samples = try Fixture.images(samples: 64).images
        var options = RestructuringOptions()
        options.sewBatchSize = 16
        options.sewEpochs = 10
        let restructurer = Restructurer(options: options)
        let plan = try restructurer.plan(model, modularization: modularization, operation: .removeUnits([3]))
        let untrained = try restructurer.assemble(plan, from: model)
        let result = try restructurer.restructure(
            model, modularization: modularization, operation: .removeUnits([3]), sewingSamples: samples)
        let adapter = try #require(result.report.adapters.first)

        // The target: the removed unit's output in the original model.
        let target = try Fixture.output(model, samples, unit: 3)
        let untrainedLoss = Fixture.meanSquaredDifference(try Fixture.output(untrained, samples, unit: 3), target)
        let trainedLoss = Fixture.meanSquaredDifference(try Fixture.output(result.model, samples, unit: 3), target)
        #expect(abs(adapter.lossBefore - untrainedLoss) <= 1e-4 * max(1, untrainedLoss))
        #expect(abs(adapter.lossAfter - trainedLoss) <= 1e-4 * max(1, trainedLoss))
        #expect(trainedLoss < 0.5 * untrainedLoss, "trained \(trainedLoss) vs untrained \(untrainedLoss)")
        #expect(adapter.steps == 10 * 64 / 16)

        // Every other unit is bit-identical to the original, running statistics included.
        for (newIndex, oldIndex) in [(0, 0), (1, 1), (2, 2), (4, 4), (5, 5), (6, 6), (7, 7)] {
            #expect(Fixture.unitValues(result.model, newIndex) == Fixture.unitValues(original, oldIndex))
        }
        // The original model is unchanged.
        #expect(Fixture.values(of: model) == Fixture.values(of: original))
    }

    @Test func removingAllIntraModuleUnitsFollowsAlgorithm2AndSewsTheShapeChangingSpan() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let samples = try Fixture.images(samples: 32).images
        let restructurer = Restructurer()
        // Algorithm 2's order here is 6, 5, 4, 2: the first two form the span 5…6 ([32,4,4] → [64,2,2]).
        let two = try restructurer.plan(model, modularization: modularization, operation: .removeIntraModule(count: 2))
        #expect(two.removedUnits == [5, 6])
        #expect(two.spans == [.init(first: 5, last: 6, inputShape: [32, 4, 4], outputShape: [64, 2, 2])])
        #expect(two.spec.units.map(\.name) == ["stem", "stage1.block1", "stage1.block2", "stage2.block1",
            "stage2.block2", "sew.5-6", "head"])

        let all = try restructurer.restructure(
            model, modularization: modularization, operation: .removeIntraModule(count: nil), sewingSamples: samples)
        #expect(all.plan.removedUnits == [2, 4, 5, 6])
        #expect(all.plan.spans.map(\.units) == [2...2, 4...6])
        #expect(all.report.adapters.map(\.name) == ["sew.4-6"])
        #expect(all.model.unitNames == ["stem", "stage1.block1", "stage2.block1", "sew.4-6", "head"])
        let adapter = try #require(all.report.adapters.first)
        #expect(adapter.replacedNames == ["stage2.block2", "stage3.block1", "stage3.block2"])
        #expect(adapter.lossAfter < adapter.lossBefore)
        #expect(try all.model(samples).shape == [32, 4])
    }

    @Test func removingTheStemSewsFromTheNormalizedInput() throws {
        let model = try Fixture.resnet()
        try model.setNormalization(.init(mean: [0.4], standardDeviation: [0.25]))
        let modularization = try Fixture.resnetModularization(of: model)
        let samples = try Fixture.images(samples: 32).images
        var options = RestructuringOptions()
        options.adapterBatchNorm = false
        let result = try Restructurer(options: options).restructure(
            model, modularization: modularization, operation: .removeUnits([0]), sewingSamples: samples)
        let adapter = try #require(result.report.adapters.first)
        #expect(adapter.layer == .sequential([
            .conv2D(inChannels: 1, outChannels: 16, kernel: 1, stride: 1, padding: 0, bias: true), .relu,
        ]))
        // The reported loss is the model's own (which normalises its input) against the stem's output.
        let target = try Fixture.output(model, samples, unit: 0)
        let measured = Fixture.meanSquaredDifference(try Fixture.output(result.model, samples, unit: 0), target)
        #expect(abs(adapter.lossAfter - measured) <= 1e-4 * max(1, measured))
        #expect(adapter.lossAfter < adapter.lossBefore)
    }

    @Test func aFlatSpanIsSewnWithADenseLayer() throws {
        let model = try Model(spec: Architectures.make("mlp-6-5", inputShape: [4], classCount: 3), seed: 2)
        let modularization = try Fixture.modularization(of: model, modules: [[0, 1]], adjacent: [0.99])
        var generator = SeededGenerator(seed: 3)
        let samples = Tensor.randomNormal(shape: [40, 4], using: &generator)
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .removeIntraModule(count: nil), sewingSamples: samples)
        let adapter = try #require(result.report.adapters.first)
        #expect(adapter.name == "sew.1-1")
        #expect(adapter.layer == .sequential([.dense(inputs: 6, outputs: 5, bias: true), .relu]))
        #expect(adapter.lossAfter < adapter.lossBefore)
        // Hand counts: dense1 4·6 + 6, dense2 6·5 + 5, head 5·3 + 3; the adapter has dense2's size.
        #expect(result.report.before == .init(units: 3, parameters: 30 + 35 + 18, multiplyAccumulates: 24 + 30 + 15))
        #expect(result.report.after == .init(units: 3, parameters: 30 + 35 + 18, multiplyAccumulates: 24 + 30 + 15))
    }

    @Test func withoutTheReLUOptionTheAdapterIsTheBareLinearMap() throws {
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        var options = RestructuringOptions()
        options.adapterReLU = false
        let plan = try Restructurer(options: options).plan(
            model, modularization: modularization, operation: .removeUnits([5]))
        #expect(plan.spec.units[5].layer == .sequential([
            .conv2D(inChannels: 32, outChannels: 64, kernel: 1, stride: 2, padding: 0, bias: false),
            .batchNorm(channels: 64, momentum: 0.1, epsilon: 1e-5),
        ]))
    }

    @Test func aReLUAdapterNeverDoesWorseThanTheSameLinearMapWhenTargetsAreNonNegative() throws {
        // With targets ≥ 0, |max(p, 0) − t| ≤ |p − t| element by element: check on the trained adapter.
        let model = try Fixture.resnet()
        let modularization = try Fixture.resnetModularization(of: model)
        let samples = try Fixture.images(samples: 32).images
        let result = try Restructurer().restructure(
            model, modularization: modularization, operation: .removeUnits([3]), sewingSamples: samples)
        let target = try Fixture.output(model, samples, unit: 3)
        #expect(target.scalars.allSatisfy { $0 >= 0 })
        let input = try Fixture.output(result.model, samples, unit: 2)
        let adapter = try #require(result.model.units[3] as? Sequential)
        let linear = Sequential(Array(adapter.layers.dropLast()))
        let withReLU = Fixture.meanSquaredDifference(try adapter.forward(input, mode: .inference), target)
        let withoutReLU = Fixture.meanSquaredDifference(try linear.forward(input, mode: .inference), target)
        #expect(withReLU <= withoutReLU)
        #expect(abs(withReLU - result.report.adapters[0].lossAfter) <= 1e-4 * max(1, withReLU))
    }
}
