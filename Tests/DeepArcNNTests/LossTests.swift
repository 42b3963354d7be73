import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

@Suite("SoftmaxCrossEntropy")
struct LossTests {
    @Test("loss, gradient and correct count by hand")
    func byHand() throws {
        let logits = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 1, 1, 1])
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [2, 0])
        let row0 = log(exp(1.0) + exp(2.0) + exp(3.0))
        let expectedLoss = ((row0 - 3) + log(3.0)) / 2
        #expect(closeEnough(result.loss, expectedLoss, relative: 1e-6))
        // Row 0's argmax is 2 (its label); row 1 ties, the first index 0 wins (its label).
        #expect(result.correct == 2)
        let p0 = [1.0, 2.0, 3.0].map { exp($0 - row0) }
        let expectedGradient = [p0[0] / 2, p0[1] / 2, (p0[2] - 1) / 2, (1.0 / 3 - 1) / 2, 1.0 / 6, 1.0 / 6]
        #expect(closeEnough(result.gradient.scalars, expectedGradient, relative: 1e-5, absolute: 1e-7))
        #expect(try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1]).correct == 0)
    }

    @Test("the gradient matches finite differences of the loss")
    func gradientCheck() throws {
        let logits = seededUniformTensor([4, 5], in: -3...3, seed: 1)
        let labels = [0, 4, 2, 2]
        let weights: [Float] = [1, 0.5, 2, 0]
        for weightList in [nil, weights] {
            let analytic = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels, weights: weightList)
                .gradient
            var numeric = [Double](repeating: 0, count: logits.count)
            let step: Float = 1e-2
            for index in 0..<logits.count {
                var plus = logits.scalars
                var minus = logits.scalars
                plus[index] += step
                minus[index] -= step
                let high = try SoftmaxCrossEntropy.evaluate(
                    logits: Tensor(shape: [4, 5], scalars: plus), labels: labels, weights: weightList
                ).loss
                let low = try SoftmaxCrossEntropy.evaluate(
                    logits: Tensor(shape: [4, 5], scalars: minus), labels: labels, weights: weightList
                ).loss
                numeric[index] = (high - low) / Double(plus[index] - minus[index])
            }
            #expect(relativeError(analytic.scalars, numeric) < 1e-3)
        }
    }

    @Test("large logits stay finite (log-sum-exp)")
    func stability() throws {
        let result = try SoftmaxCrossEntropy.evaluate(logits: Tensor(shape: [1, 2], scalars: [1000, 0]), labels: [1])
        #expect(closeEnough(result.loss, 1000, relative: 1e-6))
        #expect(result.gradient.scalars == [1, -1])
        let confident = try SoftmaxCrossEntropy.evaluate(
            logits: Tensor(shape: [1, 2], scalars: [-500, 500]), labels: [1])
        #expect(confident.loss == 0)
        #expect(confident.correct == 1)
    }

    @Test("per-sample weights scale each sample's loss and gradient; the mean stays over N")
    func weights() throws {
        let logits = try Tensor(shape: [2, 2], scalars: [0, 0, 2, 0])
        let plain = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1])
        let weighted = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1], weights: [2, 0])
        // Sample 0 alone (loss log 2) counts twice, divided by N = 2.
        #expect(closeEnough(weighted.loss, log(2.0), relative: 1e-6))
        // softmax − onehot(0) = [−0.5, 0.5], scaled by w/N = 1.
        #expect(closeEnough(weighted.gradient.scalars, [-0.5, 0.5, 0, 0], relative: 1e-6))
        let sigmoid2 = 1 / (1 + exp(-2.0))
        #expect(closeEnough(plain.gradient.scalars, [-0.25, 0.25, 0.5 * sigmoid2, -0.5 * sigmoid2], relative: 1e-5))
    }

    @Test("bad labels, counts, weights and shapes throw messages naming them")
    func validation() throws {
        let logits = Tensor(zeros: [2, 3])
        #expect(
            throws: NNError.invalidConfiguration(
                layer: "softmax cross-entropy", reason: "label 5 of sample 1 is outside 0..<3")
        ) { try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 5]) }
        #expect(
            throws: NNError.invalidConfiguration(
                layer: "softmax cross-entropy", reason: "label -1 of sample 0 is outside 0..<3")
        ) { try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [-1, 0]) }
        #expect(throws: NNError.self) { try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0]) }
        #expect(throws: NNError.self) {
            try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1], weights: [1])
        }
        #expect(throws: NNError.self) {
            try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1], weights: [1, -1])
        }
        #expect(throws: NNError.self) {
            try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1], weights: [1, .nan])
        }
        #expect(throws: NNError.self) { try SoftmaxCrossEntropy.evaluate(logits: Tensor(zeros: [6]), labels: [0, 1]) }
        #expect(throws: NNError.self) { try SoftmaxCrossEntropy.evaluate(logits: Tensor(zeros: [0, 3]), labels: []) }
    }
}
