import DeepArcAttacks
import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// Registration, options and input checks.
@Suite("attack options, registry and inputs")
struct OptionsAndInputTests {
    @Test("the pack registers the four attacks under the attack kind, with their defaults")
    func registry() throws {
        let registry = try StrategyRegistry().installing(AttackStrategies.self)
        #expect(registry.identifiers(of: .attack) == ["cw", "deepfool", "fgsm", "pgd"])
        #expect(registry.descriptions.allSatisfy { $0.kind == .attack })
        #expect(try registry.attacks.description(of: "fgsm").defaultOptions == ["epsilon": 0.1])
        #expect(
            try registry.attacks.description(of: "pgd").defaultOptions
                == ["epsilon": 0.1, "stepSize": 0.01, "steps": 20, "randomStart": true])
        #expect(
            try registry.attacks.description(of: "deepfool").defaultOptions
                == ["overshoot": 0.02, "maxIterations": 50, "candidateClasses": 9])
        #expect(
            try registry.attacks.description(of: "cw").defaultOptions
                == ["confidence": 0, "initialConstant": 1, "binarySearchSteps": 5, "iterations": 100, "learningRate": 0.01])
        #expect(throws: DeepArcError.self) { try registry.installing(AttackStrategies.self) }
        #expect {
            try registry.attacks.make("nope")
        } throws: { error in
            guard case .unknownStrategy(let kind, "nope", let available) = error as? DeepArcError else { return false }
            return kind == "adversarial attack" && available == ["cw", "deepfool", "fgsm", "pgd"]
        }
    }

    @Test("partial options keep the other defaults")
    func partialOptions() throws {
        let registry = try StrategyRegistry().installing(AttackStrategies.self)
        let pgd = try #require(try registry.attacks.make("pgd", options: ["steps": 3]) as? PGD)
        #expect(pgd.options == PGD.Options(epsilon: 0.1, stepSize: 0.01, steps: 3, randomStart: true))
        let cw = try #require(try registry.attacks.make("cw", options: ["confidence": 1.5]) as? CarliniWagner)
        #expect(cw.options == CarliniWagner.Options(confidence: 1.5))
    }

    static let invalidOptions: [(String, String, ConfigValue)] = [
        ("fgsm", "epsilon", 0), ("fgsm", "epsilon", 1.5), ("fgsm", "epsilon", "big"),
        ("pgd", "epsilon", -0.1), ("pgd", "stepSize", 0), ("pgd", "steps", 0), ("pgd", "randomStart", 3),
        ("deepfool", "overshoot", -0.01), ("deepfool", "maxIterations", 0), ("deepfool", "candidateClasses", 0),
        ("cw", "confidence", -1), ("cw", "initialConstant", 0), ("cw", "binarySearchSteps", 0),
        ("cw", "iterations", 0), ("cw", "learningRate", -0.01), ("cw", "epsilon", 0.1), ("fgsm", "epsilonn", 0.1),
    ]

    @Test("invalid options throw an error naming the attack and the option", arguments: invalidOptions)
    func invalidOption(identifier: String, option: String, value: ConfigValue) throws {
        let registry = try StrategyRegistry().installing(AttackStrategies.self)
        #expect {
            try registry.attacks.make(identifier, options: .object([option: value]))
        } throws: { error in
            guard case .invalidOption(identifier, option, _) = error as? DeepArcError else { return false }
            return true
        }
    }

    @Test("inputs that do not fit the model are rejected, naming what is wrong", arguments: ["fgsm", "pgd", "deepfool", "cw"])
    func invalidInputs(identifier: String) throws {
        let attack = try StrategyRegistry().installing(AttackStrategies.self).attacks.make(identifier)
        let model = try Fixtures.linearModel(weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, 0])
        var generator = SeededGenerator(seed: 1)
        let good = try Tensor(shape: [2, 2], scalars: [0.1, 0.2, 0.3, 0.4])
        let cases: [(Tensor, [Int], String)] = [
            (try Tensor(shape: [2, 2], scalars: [0.1, 1.5, 0.3, 0.4]), [0, 1], "sample 0 holds 1.5"),
            (try Tensor(shape: [2, 2], scalars: [0.1, 0.2, .nan, 0.4]), [0, 1], "sample 1 holds nan"),
            (try Tensor(shape: [2, 2], scalars: [0.1, 0.2, 0.3, -0.01]), [0, 1], "sample 1 holds -0.01"),
            (good, [0, 3], "label 3 of sample 1 is outside 0..<3"),
            (good, [0], "got 1 labels for a batch of 2"),
            (try Tensor(shape: [1, 4], scalars: [0.1, 0.2, 0.3, 0.4]), [0], "do not fit the model's input"),
        ]
        for (images, labels, fragment) in cases {
            #expect {
                try attack.perturb(images, labels: labels, model: model, generator: &generator)
            } throws: { error in
                guard case .invalidInput(identifier, let reason) = error as? AttackError else { return false }
                return reason.contains(fragment)
            }
        }
        let empty = try attack.perturb(Tensor(zeros: [0, 2]), labels: [], model: model, generator: &generator)
        #expect(empty.shape == [0, 2])
    }

    @Test("the report counts successes over the initially correct samples and summarises the norms")
    func report() {
        let report = AttackReport(
            labels: [0, 1, 2, 1, 0], cleanPredictions: [0, 1, 0, 1, 0], adversarialPredictions: [1, 1, 2, 2, 0],
            linf: [0.1, 0.2, 0, 0.3, 0.05], l2: [1, 2, 0, 3, 0.5])
        #expect(report.samples == 5)
        #expect(report.initiallyCorrect == 4)  // samples 0, 1, 3, 4
        #expect(report.successes == 2)  // samples 0 and 3
        #expect(report.successRate == 0.5)
        #expect(report.adversariallyCorrect == 3)  // samples 1, 2, 4
        #expect(report.cleanAccuracy == 0.8)
        #expect(report.adversarialAccuracy == 0.6)
        #expect(report.maxLinf == 0.3)
        #expect(abs(report.meanLinf - 0.13) < 1e-12)
        #expect(report.maxL2 == 3)
        #expect(abs(report.meanL2 - 1.3) < 1e-12)
        let hopeless = AttackReport(labels: [1], cleanPredictions: [0], adversarialPredictions: [0], linf: [0], l2: [0])
        #expect(hopeless.successRate == nil)
    }

    @Test("an outcome measures each sample's norms from the images")
    func outcomeNorms() throws {
        let model = try Fixtures.linearModel(weights: [[1, 0], [0, 1]], bias: [0, 0])
        let clean = try Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.5, 0.5])
        let adversarial = try Tensor(shape: [2, 2], scalars: [0.3, 0.9, 0.5, 0.25])
        let outcome = try AttackOutcome(clean: clean, adversarial: adversarial, labels: [0, 1], model: model)
        #expect(outcome.cleanPredictions == [0, 0])
        #expect(outcome.adversarialPredictions == [1, 0])
        #expect(outcome.succeeded == [true, false])
        #expect(abs(outcome.linf[0] - 0.8) < 1e-6)
        #expect(abs(outcome.l2[0] - 1.0) < 1e-6)  // √(0.6² + 0.8²)
        #expect(abs(outcome.linf[1] - 0.25) < 1e-6)
        #expect(abs(outcome.l2[1] - 0.25) < 1e-6)
        #expect(throws: AttackError.self) {
            try AttackOutcome(clean: clean, adversarial: Tensor(zeros: [1, 2]), labels: [0, 1], model: model)
        }
    }
}
