import DeepArcAttacks
import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// DeepFool and Carlini–Wagner.
@Suite("deepfool and cw")
struct MinimalPerturbationAttackTests {
    /// One DeepFool step on a linear model, by hand: towards the class l minimising |f′_l| / ‖w_l‖,
    /// r = (|f′_l| / ‖w_l‖ + 10⁻⁴) · w_l / ‖w_l‖, x′ = x + (1 + η) r.
    static func deepFoolStep(weights: [[Float]], bias: [Float], x: [Float], label: Int, overshoot: Double)
        throws -> (step: [Double], target: Int)
    {
        func logit(_ k: Int) -> Double {
            Double(bias[k]) + zip(weights[k], x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var best: (ratio: Double, k: Int, gap: Double, w: [Double])?
        for k in weights.indices where k != label {
            let w = x.indices.map { Double(weights[k][$0]) - Double(weights[label][$0]) }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let gap = abs(logit(k) - logit(label))
            if gap / norm < (best?.ratio ?? .infinity) { best = (gap / norm, k, gap, w) }
        }
        let chosen = try #require(best)
        let norm = chosen.w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let factor = (1 + overshoot) * (chosen.gap / norm + 1e-4) / norm
        return (chosen.w.map { factor * $0 }, chosen.k)
    }

    @Test("deepfool on a linear binary classifier reaches the boundary in one closed-form step")
    func deepFoolBinary() throws {
        let weights: [[Float]] = [[1, -0.5, 0.25, 2], [-0.5, 1, 0.75, 1]]
        let bias: [Float] = [0.3, -0.1]
        let model = try Fixtures.linearModel(weights: weights, bias: bias)
        let x: [Float] = [0.6, 0.4, 0.5, 0.45]  // class 0: f = z₀ − z₁ = 1.725 − 0.825 = 0.9 > 0
        let (step, target) = try Self.deepFoolStep(weights: weights, bias: bias, x: x, label: 0, overshoot: 0.02)
        #expect(target == 1)
        var generator = SeededGenerator(seed: 1)
        let adversarial = try DeepFool(options: .init(overshoot: 0.02)).perturb(
            try Tensor(shape: [1, 4], scalars: x), labels: [0], model: model, generator: &generator)
        for index in 0..<4 {
            #expect(abs(Double(adversarial.scalars[index]) - (Double(x[index]) + step[index])) <= 1e-5)
        }
        // Just past the boundary: misclassified, with z₁ − z₀ = 0.02 · 0.9 + 1.02 · 10⁻⁴ · ‖w‖.
        let z = try model(adversarial).scalars
        #expect(z[1] > z[0])
        let w = (0..<4).map { Double(weights[1][$0] - weights[0][$0]) }
        let expectedMargin = 0.02 * 0.9 + 1.02e-4 * w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(Double(z[1] - z[0]) - expectedMargin) <= 1e-4)
    }

    @Test("deepfool on a linear three-class model steps to the nearest of the two boundaries")
    func deepFoolMultiClass() throws {
        let weights: [[Float]] = [[1, 0, 0.5], [0, 1, 0.5], [0.2, 0.2, 2]]
        let bias: [Float] = [0, 0, -0.6]
        let model = try Fixtures.linearModel(weights: weights, bias: bias)
        let x: [[Float]] = [[0.6, 0.4, 0.3], [0.7, 0.2, 0.5]]
        var generator = SeededGenerator(seed: 1)
        let adversarial = try DeepFool(options: .init(overshoot: 0.05)).perturb(
            try Tensor(shape: [2, 3], scalars: x.flatMap { $0 }), labels: [0, 0], model: model, generator: &generator)
        let logits = try model(adversarial)
        for sample in 0..<2 {
            let (step, target) = try Self.deepFoolStep(weights: weights, bias: bias, x: x[sample], label: 0, overshoot: 0.05)
            for index in 0..<3 {
                #expect(abs(Double(adversarial.scalars[sample * 3 + index]) - (Double(x[sample][index]) + step[index])) <= 1e-5)
            }
            #expect(logits.argmaxRows()[sample] == target)
        }
    }

    @Test("deepfool and cw fool every sample of a trained model and leave misclassified ones alone")
    func foolTrainedModel() throws {
        let model = try Fixtures.trainedCNN()
        let data = Fixtures.quadrantImages(count: 16, seed: 51)
        var labels = data.labels
        // Sample 0 gets a wrong label: the model already "misclassifies" it.
        let predicted = try model(data.images).argmaxRows()
        labels[0] = (predicted[0] + 1) % 4
        let attacks: [any AdversarialAttack] = [
            try DeepFool(options: .init()), try CarliniWagner(options: .init(binarySearchSteps: 3, iterations: 40)),
        ]
        for attack in attacks {
            let outcome = try attack.attack(data.images, labels: labels, model: model, seed: 1)
            let report = outcome.report
            #expect(report.initiallyCorrect == 15)
            #expect(report.successes == 15, "\(type(of: attack)) fooled \(report.successes) of 15")
            #expect(outcome.adversarial.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(outcome.l2[0] <= 1e-3, "\(type(of: attack)) moved an already misclassified sample")
        }
    }

    @Test("cw finds smaller L2 perturbations than fgsm on the samples both fool")
    func cwSmallerThanFGSM() throws {
        let model = try Fixtures.trainedCNN()
        let (images, labels) = Fixtures.quadrantImages(count: 24, seed: 52)
        let fgsm = try FGSM(options: .init(epsilon: 0.2)).attack(images, labels: labels, model: model, seed: 1)
        let cw = try CarliniWagner(options: .init(binarySearchSteps: 4, iterations: 50)).attack(
            images, labels: labels, model: model, seed: 1)
        let both = labels.indices.filter { fgsm.succeeded[$0] && cw.succeeded[$0] }
        #expect(both.count >= 12)
        let fgsmMean = both.map { fgsm.l2[$0] }.reduce(0, +) / Double(both.count)
        let cwMean = both.map { cw.l2[$0] }.reduce(0, +) / Double(both.count)
        #expect(cwMean < 0.7 * fgsmMean, "cw \(cwMean) vs fgsm \(fgsmMean)")
        #expect(both.filter { cw.l2[$0] < fgsm.l2[$0] }.count >= both.count * 9 / 10)
    }

    @Test("cw with confidence κ puts every fooled sample at least κ past the boundary")
    func cwConfidence() throws {
        let model = try Fixtures.trainedCNN()
        let (images, labels) = Fixtures.quadrantImages(count: 12, seed: 53)
        let kappa: Float = 2
        let outcome = try CarliniWagner(options: .init(confidence: Double(kappa), binarySearchSteps: 3, iterations: 40))
            .attack(images, labels: labels, model: model, seed: 1)
        let logits = try model(outcome.adversarial).scalars
        var fooled = 0
        for (sample, label) in labels.enumerated() where outcome.succeeded[sample] {
            fooled += 1
            let row = Array(logits[(sample * 4)..<(sample * 4 + 4)])
            let other = row.indices.filter { $0 != label }.map { row[$0] }.max() ?? 0
            #expect(other - row[label] >= kappa - 1e-3)
        }
        #expect(fooled >= 10)
    }

    @Test("deepfool and cw are deterministic and ignore the generator", arguments: ["deepfool", "cw"])
    func determinism(identifier: String) throws {
        let registry = try StrategyRegistry().installing(AttackStrategies.self)
        let attack = try registry.attacks.make(identifier, options: identifier == "cw" ? ["iterations": 10] : nil)
        let model = try Fixtures.trainedCNN(epochs: 1)
        let (images, labels) = Fixtures.quadrantImages(count: 6, seed: 54)
        var first = SeededGenerator(seed: 1)
        var second = SeededGenerator(seed: 99)
        let a = try attack.perturb(images, labels: labels, model: model, generator: &first)
        let b = try attack.perturb(images, labels: labels, model: model, generator: &second)
        #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        #expect(first == SeededGenerator(seed: 1))
    }
}
