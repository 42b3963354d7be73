import DeepArcAttacks
import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// FGSM and PGD.
@Suite("fgsm and pgd")
struct GradientSignAttackTests {
    @Test("fgsm on a linear softmax model takes exactly the hand-computed sign step")
    func fgsmOnLinearModel() throws {
        let weights: [[Float]] = [[1, -2, 0.5, 0], [-1, 1, 1, 2], [0.5, 0.5, -1, 1]]
        let bias: [Float] = [0.1, -0.2, 0]
        let model = try Fixtures.linearModel(weights: weights, bias: bias)
        let x: [[Float]] = [[0.2, 0.5, 0.95, 0.4], [0.03, 0.6, 0.3, 0.8]]
        let labels = [0, 2]
        let epsilon = 0.1
        var expected: [Float] = []
        for (row, label) in zip(x, labels) {
            // ∂CE/∂x = Wᵀ (softmax(z) − e_y), computed in Double.
            let z = weights.indices.map { k in
                Double(bias[k]) + zip(weights[k], row).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            let maximum = z.max() ?? 0
            let exps = z.map { exp($0 - maximum) }
            let probabilities = exps.map { $0 / exps.reduce(0, +) }
            for feature in row.indices {
                let gradient = weights.indices.reduce(0.0) { total, k in
                    total + Double(weights[k][feature]) * (probabilities[k] - (k == label ? 1 : 0))
                }
                let sign: Double = gradient > 0 ? 1 : (gradient < 0 ? -1 : 0)
                expected.append(Float(min(max(Double(row[feature]) + epsilon * sign, 0), 1)))
            }
        }
        let images = try Tensor(shape: [2, 4], scalars: x.flatMap { $0 })
        var generator = SeededGenerator(seed: 1)
        let adversarial = try FGSM(options: .init(epsilon: epsilon)).perturb(
            images, labels: labels, model: model, generator: &generator)
        #expect(adversarial.shape == [2, 4])
        for (actual, wanted) in zip(adversarial.scalars, expected) { #expect(abs(actual - wanted) <= 1e-6) }
        // The clipped coordinate (0.95 + 0.1) and the untouched generator.
        #expect(expected.contains(1))
        #expect(generator == SeededGenerator(seed: 1))
    }

    @Test("fgsm and pgd lower the accuracy of a trained model; pgd at least as much as fgsm")
    func lowerAccuracy() throws {
        let model = try Fixtures.trainedCNN()
        let (images, labels) = Fixtures.quadrantImages(count: 48, seed: 41)
        let clean = try Fixtures.accuracy(model, images, labels)
        #expect(clean >= 0.9)
        var generator = SeededGenerator(seed: 2)
        let fgsm = try FGSM(options: .init(epsilon: 0.1)).perturb(images, labels: labels, model: model, generator: &generator)
        let pgd = try PGD(options: .init(epsilon: 0.1, stepSize: 0.02, steps: 10)).perturb(
            images, labels: labels, model: model, generator: &generator)
        let fgsmAccuracy = try Fixtures.accuracy(model, fgsm, labels)
        let pgdAccuracy = try Fixtures.accuracy(model, pgd, labels)
        #expect(fgsmAccuracy <= clean - 0.3)
        #expect(pgdAccuracy <= fgsmAccuracy)
    }

    @Test("pgd stays in the ε-ball and in [0, 1]", arguments: [(0.05, true), (0.3, true), (0.2, false)])
    func pgdBudget(epsilon: Double, randomStart: Bool) throws {
        let model = try Fixtures.trainedCNN(epochs: 1)
        let data = Fixtures.quadrantImages(count: 10, seed: 42)
        var images = data.images
        let labels = data.labels
        // Values on the box's edges too.
        images.withUnsafeMutableBufferPointer { x in
            for index in stride(from: 0, to: x.count, by: 7) { x[index] = index % 2 == 0 ? 0 : 1 }
        }
        var generator = SeededGenerator(seed: 3)
        let pgd = try PGD(options: .init(epsilon: epsilon, stepSize: epsilon / 3, steps: 8, randomStart: randomStart))
        let adversarial = try pgd.perturb(images, labels: labels, model: model, generator: &generator)
        #expect(adversarial.shape == images.shape)
        var largest = 0.0
        for (a, x) in zip(adversarial.scalars, images.scalars) {
            #expect(a >= 0 && a <= 1)
            largest = max(largest, abs(Double(a) - Double(x)))
        }
        #expect(largest <= epsilon)
        #expect(largest >= epsilon * 0.9, "the attack should use its budget")
    }

    @Test("pgd is deterministic for a seed, and its random start depends on the seed")
    func pgdDeterminism() throws {
        let model = try Fixtures.trainedCNN(epochs: 1)
        let (images, labels) = Fixtures.quadrantImages(count: 6, seed: 43)
        let pgd = try PGD(options: .init(steps: 2))
        func run(_ seed: UInt64) throws -> Tensor {
            var generator = SeededGenerator(seed: seed)
            return try pgd.perturb(images, labels: labels, model: model, generator: &generator)
        }
        let first = try run(9)
        #expect(try run(9).scalars.map(\.bitPattern) == first.scalars.map(\.bitPattern))
        #expect(try run(10) != first)
        // Without a random start the generator is not consulted.
        var generator = SeededGenerator(seed: 9)
        _ = try PGD(options: .init(steps: 2, randomStart: false)).perturb(
            images, labels: labels, model: model, generator: &generator)
        #expect(generator == SeededGenerator(seed: 9))
    }

    @Test("the batched runner draws the same random start whatever the batch size")
    func batchSizeIndependence() throws {
        let model = try Fixtures.trainedCNN(epochs: 1)
        let (images, labels) = Fixtures.quadrantImages(count: 10, seed: 44)
        let pgd = try PGD(options: .init(epsilon: 0.1, stepSize: 0.1, steps: 1))
        let whole = try pgd.attack(images, labels: labels, model: model, seed: 5, batchSize: 10)
        let pieces = try pgd.attack(images, labels: labels, model: model, seed: 5, batchSize: 3)
        // After one step of size ε from a random start r, a pixel whose gradient sign is s ends at
        // x + r + ε·s unless that leaves the ball, so about half the pixels keep their r: drawn per
        // batch from a fresh seed, most of them would differ. Only rounding-level sign flips may.
        let mismatches = zip(whole.adversarial.scalars, pieces.adversarial.scalars).filter { abs($0 - $1) > 1e-6 }
        #expect(mismatches.count <= whole.adversarial.count / 100)
        let inside = zip(whole.adversarial.scalars, images.scalars).filter { abs($0 - $1) < 0.099 && $0 > 0 && $0 < 1 }
        #expect(inside.count >= whole.adversarial.count / 5, "the random start should show in the result")
    }
}
