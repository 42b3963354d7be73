import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Model of units")
struct ModelTests {
    /// A small dense model: 5 → 6 → 4 → 3 classes, units dense1, dense2, head.
    func smallModel(seed: UInt64 = 7) throws -> Model {
        try Model(spec: Architectures.make("mlp-6-4", inputShape: [5], classCount: 3), seed: seed)
    }

    func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape: shape, using: &generator)
    }

    /// L(x) = ⟨g, out(x)⟩ + ⟨h, unit1(x)⟩, evaluated in Double from Float forwards.
    func projectedLoss(_ model: Model, _ x: Tensor, _ g: Tensor, _ h: Tensor) throws -> Double {
        let (out, captured) = try model.forward(x, mode: .inference, capturing: [1])
        let inner = try #require(captured[1])
        return zip(out.scalars, g.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            + zip(inner.scalars, h.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test func backwardWithInjectedGradientMatchesFiniteDifferences() throws {
        let model = try smallModel()
        let x = randomTensor([4, 5], seed: 1)
        let g = randomTensor([4, 3], seed: 2)
        let h = randomTensor([4, 4], seed: 3)
        _ = try model.forward(x, mode: .training, capturing: [1])
        model.zeroGradients()
        let inputGradient = try #require(try model.backward(g, injecting: [1: h], needsInputGradient: true))

        let step: Float = 1e-2
        for index in [0, 3, 7, 12, 19] {
            var plus = x
            var minus = x
            plus.withUnsafeMutableBufferPointer { $0[index] += step }
            minus.withUnsafeMutableBufferPointer { $0[index] -= step }
            let numeric = (try projectedLoss(model, plus, g, h) - projectedLoss(model, minus, g, h)) / Double(2 * step)
            let analytic = Double(inputGradient.scalars[index])
            #expect(abs(numeric - analytic) <= 2e-2 * max(1, abs(numeric)), "input[\(index)]")
        }
        // A weight of unit 0, which only the injected and output gradients reach through unit 1.
        let weight = try #require(model.namedParameters.first { $0.name == "units.0.0.weight" }).parameter
        for index in [0, 5, 11] {
            let original = weight.value.scalars[index]
            weight.value.withUnsafeMutableBufferPointer { $0[index] = original + step }
            let lossPlus = try projectedLoss(model, x, g, h)
            weight.value.withUnsafeMutableBufferPointer { $0[index] = original - step }
            let lossMinus = try projectedLoss(model, x, g, h)
            weight.value.withUnsafeMutableBufferPointer { $0[index] = original }
            let numeric = (lossPlus - lossMinus) / Double(2 * step)
            let analytic = Double(weight.gradient.scalars[index])
            #expect(abs(numeric - analytic) <= 2e-2 * max(1, abs(numeric)), "weight[\(index)]")
        }
    }

    @Test func nothingBeforeTheFirstTrainableUnitRunsBackward() throws {
        let model = try smallModel()
        try model.setTrainableUnits(2...2)
        #expect(model.firstTrainableUnit == 2)
        // Units 0 and 1 never ran a training forward pass: a backward through them would throw.
        let hidden = randomTensor([4, 4], seed: 4)
        let (logits, _) = try model.forward(hidden, mode: .training, startUnit: 2)
        #expect(logits.shape == [4, 3])
        let frozenBefore = model.units[0].parameters.map(\.gradient)
        _ = try model.backward(randomTensor([4, 3], seed: 5))
        #expect(model.units[0].parameters.map(\.gradient) == frozenBefore)
        #expect(model.units[2].parameters.contains { $0.gradient.squaredNorm() > 0 })
        // Asking for the input gradient forces backward through the untrained units: that fails loudly.
        #expect(throws: NNError.self) {
            _ = try model.backward(randomTensor([4, 3], seed: 5), needsInputGradient: true)
        }
    }

    @Test func trainableRangeOutsideTheModelThrows() throws {
        let model = try smallModel()
        #expect(throws: NNError.self) { try model.setTrainableUnits(1...3) }
    }

    @Test func copyIsDeepAndIdentical() throws {
        let model = try smallModel()
        let copy = try model.copy()
        let x = randomTensor([3, 5], seed: 9)
        #expect(try model(x) == copy(x))
        copy.units[0].parameters[0].value.fill(with: 0)
        #expect(try model(x) != copy(x))
    }

    @Test func removingAndDuplicatingShapePreservingUnits() throws {
        let spec = try Architectures.make("resnet8", inputShape: [1, 8, 8], classCount: 2)
        // resnet8: stem, stage1.block1, stage2.block1, stage3.block1, head.
        let model = try Model(spec: spec, seed: 3)
        let removed = try model.removingUnits([1])
        #expect(removed.unitNames == ["stem", "stage2.block1", "stage3.block1", "head"])
        #expect(removed.units[1].parameters.map(\.value) == model.units[2].parameters.map(\.value))
        // stage2.block1 halves the map and doubles the channels: the rest no longer chains.
        #expect(throws: NNError.self) { try model.removingUnits([2]) }
        #expect(throws: NNError.self) { try model.removingUnits([7]) }
        let duplicated = try model.duplicatingUnit(1, count: 2)
        #expect(duplicated.unitCount == 7)
        #expect(duplicated.unitNames[2] == "stage1.block1.copy1")
        #expect(duplicated.units[3].parameters.map(\.value) == model.units[1].parameters.map(\.value))
        #expect(throws: NNError.self) { try model.duplicatingUnit(2) }
    }

    @Test func nonFiniteLossStopsWithoutChangingWeights() throws {
        let model = try smallModel()
        let trainer = ModelTrainer(model: model, optimizer: try SGD(learningRate: 0.1))
        let weight = model.units[0].parameters[0]
        weight.value.withUnsafeMutableBufferPointer { $0[0] = .nan }
        let before = model.units[2].parameters.map(\.value)
        #expect(throws: NNError.nonFiniteLoss(epoch: 0, step: 0)) {
            try trainer.step(images: randomTensor([4, 5], seed: 1), labels: [0, 1, 2, 0])
        }
        #expect(model.units[2].parameters.map(\.value) == before)
    }

    @Test func masksSurviveTrainingSteps() throws {
        let model = try smallModel()
        let weight = model.units[1].parameters[0]
        var mask = Tensor(repeating: 1, shape: weight.value.shape)
        mask.withUnsafeMutableBufferPointer { for index in stride(from: 0, to: $0.count, by: 3) { $0[index] = 0 } }
        try weight.setMask(mask)
        let trainer = ModelTrainer(model: model, optimizer: try SGD(learningRate: 0.1, momentum: 0.9))
        for step in 0..<5 {
            try trainer.step(images: randomTensor([8, 5], seed: UInt64(step)), labels: [0, 1, 2, 0, 1, 2, 0, 1])
        }
        for index in stride(from: 0, to: weight.value.count, by: 3) { #expect(weight.value.scalars[index] == 0) }
        #expect(weight.value.scalars[1] != 0)
    }

    @Test func normalizationIsPartOfTheModel() throws {
        let model = try smallModel()
        let plain = try smallModel()
        try model.setNormalization(.init(mean: Array(repeating: 0.5, count: 5), standardDeviation: Array(repeating: 2, count: 5)))
        let x = randomTensor([2, 5], seed: 3)
        #expect(try model(x) == plain(x.map { ($0 - 0.5) / 2 }))
        #expect(throws: NNError.self) { try model.setNormalization(.init(mean: [0, 0], standardDeviation: [1, 1])) }
    }
}
