import DeepArcAttacks
import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Testing

/// Law 5 of `AdversarialAttack`: the model is left exactly as it was.
@Suite("attacks leave the model untouched")
struct ModelIntegrityTests {
    @Test(
        "parameters, gradients, running statistics, trainability and the cached training pass survive an attack",
        arguments: ["fgsm", "pgd", "deepfool", "cw"])
    func untouched(identifier: String) throws {
        let registry = try StrategyRegistry().installing(AttackStrategies.self)
        let attack = try registry.attacks.make(identifier, options: identifier == "cw" ? ["iterations": 5] : nil)
        let model = try Fixtures.trainedCNN(epochs: 1, dropout: false)
        try model.setTrainableUnits(1...2)
        model.zeroGradients()
        let reference = try model.copy()
        let batch = Fixtures.quadrantImages(count: 8, seed: 31).images

        // Both models are mid-step: a training forward pass is cached and gradients are non-zero.
        var outputGradient = Tensor(zeros: [8, 4])
        outputGradient.withUnsafeMutableBufferPointer { g in for index in 0..<g.count { g[index] = Float(index % 5) - 2 } }
        for network in [model, reference] {
            _ = try network.forward(batch, mode: .training)
            _ = try network.backward(outputGradient)
            _ = try network.forward(batch, mode: .training)
        }
        let before = Fixtures.snapshot(model)
        #expect(before.contains { $0.2.contains { $0 != 0 } }, "the gradients should be non-zero")

        var generator = SeededGenerator(seed: 1)
        let (victims, victimLabels) = Fixtures.quadrantImages(count: 6, seed: 32)
        _ = try attack.perturb(victims, labels: victimLabels, model: model, generator: &generator)
        _ = try attack.attack(victims, labels: victimLabels, model: model, seed: 2, batchSize: 4)

        let after = Fixtures.snapshot(model)
        #expect(after.count == before.count)
        for (old, new) in zip(before, after) {
            #expect(old.0 == new.0)
            #expect(old.1 == new.1, "\(old.0) value changed")
            #expect(old.2 == new.2, "\(old.0) gradient changed")
            #expect(old.3 == new.3, "\(old.0) trainability changed")
        }
        // The cached training pass still back-propagates exactly as the untouched copy does.
        let resumed = try model.backward(outputGradient, stopUnit: 0, needsInputGradient: true)
        let expected = try reference.backward(outputGradient, stopUnit: 0, needsInputGradient: true)
        #expect(resumed == expected)
        let trainable = model.namedParameters.map(\.parameter.receivesUpdates)
        let gradients = zip(Fixtures.snapshot(model), trainable).filter(\.1).map(\.0.2)
        let expectedGradients = zip(Fixtures.snapshot(reference), trainable).filter(\.1).map(\.0.2)
        #expect(gradients == expectedGradients)
    }
}
