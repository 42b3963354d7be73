import DeepArcAttacks
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// The inference-mode input gradients every attack is built on.
@Suite("inference-mode input gradients")
struct InferenceGradientTests {
    @Test("a dense layer followed by batch normalisation: the gradient of each logit is a_k·W_k")
    func affineModelByHand() throws {
        // z = a ⊙ (W x + b) + s with a = γ/√(var + ε), s = β − a·mean, from the running statistics.
        let weights: [Float] = [0.5, -1, 2, 0.25, 1.5, 0.75]  // [2, 3]
        let spec = ModelSpec(
            architecture: "affine", inputShape: [3], classCount: 2,
            units: [
                .init(
                    name: "head",
                    layer: .sequential([
                        .dense(inputs: 3, outputs: 2, bias: true), .batchNorm(channels: 2, momentum: 0.1, epsilon: 1e-5),
                    ]))
            ])
        let model = try Model(spec: spec, seed: 3)
        let sequence = try #require(model.units[0] as? Sequential)
        let dense = try #require(sequence.layers[0] as? Dense)
        let norm = try #require(sequence.layers[1] as? BatchNorm)
        dense.weight.value = try Tensor(shape: [2, 3], scalars: weights)
        norm.weight.value = try Tensor(shape: [2], scalars: [2, -0.5])
        norm.bias.value = try Tensor(shape: [2], scalars: [0.1, 0.2])
        norm.runningMean.value = try Tensor(shape: [2], scalars: [0.3, -0.4])
        norm.runningVariance.value = try Tensor(shape: [2], scalars: [4, 0.25])
        let a = [2 / (4 + 1e-5).squareRoot(), -0.5 / (0.25 + 1e-5).squareRoot()]

        let gradients = try InferenceGradientModel(model)
        let x = try Tensor(shape: [2, 3], scalars: [0.1, 0.5, 0.9, 0.7, 0.2, 0.4])
        let logits = try gradients.logits(x)
        let reference = try model(x, mode: .inference)
        #expect(try logits.maxAbsoluteDifference(to: reference) <= 1e-6)
        for k in 0..<2 {
            var injected = Tensor(zeros: [2, 2])
            injected.withUnsafeMutableBufferPointer { g in
                g[k] = 1
                g[2 + k] = 1
            }
            let gradient = try gradients.inputGradient(logitGradient: injected).scalars
            for sample in 0..<2 {
                for feature in 0..<3 {
                    let expected = a[k] * Double(weights[k * 3 + feature])
                    #expect(abs(Double(gradient[sample * 3 + feature]) - expected) <= 1e-5 * max(1, abs(expected)))
                }
            }
        }
    }

    @Test("logits equal the model's inference logits (BN running statistics, no dropout, normalisation)")
    func logitsMatchInference() throws {
        let model = try Fixtures.trainedCNN(epochs: 2)
        let (images, _) = Fixtures.quadrantImages(count: 12, seed: 21)
        let logits = try InferenceGradientModel(model).logits(images)
        let reference = try model(images, mode: .inference)
        #expect(try logits.maxAbsoluteDifference(to: reference) <= 1e-4)
        // The training-mode function (batch statistics) is measurably different, so the check has teeth.
        let copy = try model.copy()
        let training = try copy.forward(images, mode: .training).output
        #expect(try training.maxAbsoluteDifference(to: reference) > 1e-3)
    }

    @Test("the loss gradient agrees with central differences of the inference-mode loss")
    func finiteDifferences() throws {
        let model = try Fixtures.trainedCNN(epochs: 2)
        let (images, labels) = Fixtures.quadrantImages(count: 3, seed: 22)
        let gradients = try InferenceGradientModel(model)
        let gradient = try gradients.lossGradient(images, labels: labels).gradient
        let width = images.itemCount
        func loss(_ x: Tensor, sample: Int) throws -> Double {
            let z = try model(x, mode: .inference).scalars.map(Double.init)
            let maximum = z.max() ?? 0
            let logSumExp = maximum + log(z.map { exp($0 - maximum) }.reduce(0, +))
            return logSumExp - z[labels[sample]]
        }
        // Coordinate by coordinate (a small step crosses few ReLU kinks), h = 10⁻³.
        let h: Float = 1e-3
        for sample in 0..<3 {
            let x = try images.slice(batch: sample..<(sample + 1))
            for coordinate in stride(from: sample, to: width, by: 9) {
                var plus = x
                plus.withUnsafeMutableBufferPointer { $0[coordinate] += h }
                var minus = x
                minus.withUnsafeMutableBufferPointer { $0[coordinate] -= h }
                let numeric = (try loss(plus, sample: sample) - loss(minus, sample: sample)) / Double(2 * h)
                let analytic = Double(gradient.scalars[sample * width + coordinate])
                #expect(
                    abs(numeric - analytic) <= 0.02 * abs(analytic) + 2e-3,
                    "sample \(sample), pixel \(coordinate): finite difference \(numeric), gradient \(analytic)")
            }
        }
    }

    @Test("a sample's gradient does not depend on the rest of its batch")
    func batchIndependence() throws {
        let model = try Fixtures.trainedCNN(epochs: 2)
        let (images, labels) = Fixtures.quadrantImages(count: 8, seed: 23)
        let gradients = try InferenceGradientModel(model)
        let batch = try gradients.lossGradient(images, labels: labels).gradient
        for sample in [0, 5] {
            let alone = try gradients.lossGradient(
                try images.slice(batch: sample..<(sample + 1)), labels: [labels[sample]]
            ).gradient
            let row = try batch.slice(batch: sample..<(sample + 1))
            let scale = row.scalars.map(abs).max() ?? 1
            #expect(try alone.maxAbsoluteDifference(to: row) <= 1e-5 * max(scale, 1))
        }
    }

    @Test("gradients before logits, or of the wrong shape, are errors")
    func misuse() throws {
        let model = try Fixtures.linearModel(weights: [[1, 0], [0, 1]], bias: [0, 0])
        let gradients = try InferenceGradientModel(model)
        #expect(throws: AttackError.self) { try gradients.inputGradient(logitGradient: Tensor(zeros: [1, 2])) }
        _ = try gradients.logits(Tensor(zeros: [3, 2]))
        #expect(throws: AttackError.self) { try gradients.inputGradient(logitGradient: Tensor(zeros: [2, 2])) }
    }
}
