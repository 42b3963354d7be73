import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// A parameter holding `values` of the given kind.
private func parameter(_ values: [Float], kind: Parameter.Kind = .weight) throws -> Parameter {
    Parameter(try Tensor(shape: [values.count], scalars: values), kind: kind)
}

/// Runs `steps` optimizer steps with the gradient set to `gradient` before each, returning the values after each.
private func trajectory(
    _ optimizer: any Optimizer, start: [Float], gradients: [[Float]]
) throws -> [[Float]] {
    let p = try parameter(start)
    var values: [[Float]] = []
    for gradient in gradients {
        p.gradient = try Tensor(shape: [gradient.count], scalars: gradient)
        optimizer.step([p])
        values.append(p.value.scalars)
    }
    return values
}

private func close(_ a: [[Float]], _ b: [[Double]], tolerance: Double = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { closeEnough($0, $1, relative: tolerance, absolute: tolerance) }
}

@Suite("Optimizers")
struct OptimizerTests {
    // MARK: - SGD

    @Test("plain SGD: θ − η·g")
    func plainSGD() throws {
        let values = try trajectory(try SGD(learningRate: 0.1), start: [1, -2], gradients: [[0.5, 0.25]])
        #expect(close(values, [[0.95, -2.025]]))
    }

    @Test("SGD momentum: b = μb + g, θ −= η·b")
    func momentum() throws {
        let values = try trajectory(try SGD(learningRate: 0.1, momentum: 0.9), start: [0], gradients: [[1], [1], [1]])
        // b = 1, 1.9, 2.71.
        #expect(close(values, [[-0.1], [-0.29], [-0.561]]))
    }

    @Test("SGD Nesterov: θ −= η·(g + μb)")
    func nesterov() throws {
        let optimizer = try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        let values = try trajectory(optimizer, start: [0], gradients: [[1], [1], [1]])
        // g + μb = 1.9, 2.71, 3.439.
        #expect(close(values, [[-0.19], [-0.461], [-0.8049]]))
    }

    @Test("SGD weight decay adds λθ to the gradient, before momentum")
    func weightDecay() throws {
        let plain = try trajectory(try SGD(learningRate: 0.1, weightDecay: 0.1), start: [1], gradients: [[0], [0]])
        #expect(close(plain, [[0.99], [0.9801]]))
        let withMomentum = try trajectory(
            try SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.1), start: [1], gradients: [[0], [0], [0]])
        // g = 0.1, 0.099, 0.09711; b = 0.1, 0.189, 0.26721.
        #expect(close(withMomentum, [[0.99], [0.9711], [0.944379]]))
    }

    @Test("state is kept per parameter")
    func perParameterState() throws {
        let optimizer = try SGD(learningRate: 0.1, momentum: 0.9)
        let (a, b) = (try parameter([0]), try parameter([0]))
        for p in [a, b] { p.gradient = Tensor(repeating: 1, shape: [1]) }
        optimizer.step([a])
        optimizer.step([a])
        optimizer.step([b])
        #expect(closeEnough(a.value.scalars, [-0.29]))
        #expect(closeEnough(b.value.scalars, [-0.1]))
        optimizer.reset()
        optimizer.step([a])
        #expect(closeEnough(a.value.scalars, [-0.39]))
    }

    // MARK: - Adam

    @Test("Adam with a constant gradient moves η·sign(g) per step (bias correction)")
    func adamConstantGradient() throws {
        let values = try trajectory(
            try Adam(learningRate: 0.01), start: [1, -1], gradients: [[0.5, -2], [0.5, -2], [0.5, -2]])
        #expect(close(values, [[0.99, -0.99], [0.98, -0.98], [0.97, -0.97]]))
    }

    @Test("Adam with a sign-flipping gradient, by hand")
    func adamByHand() throws {
        let values = try trajectory(try Adam(learningRate: 0.1), start: [0], gradients: [[1], [-1], [1]])
        // |g| = 1 keeps v̂ = 1. m = 0.1, −0.01, 0.091; m̂ = 1, −0.01/0.19, 0.091/0.271.
        let step2 = -0.1 + 0.1 * 0.01 / 0.19
        #expect(close(values, [[-0.1], [step2], [step2 - 0.1 * 0.091 / 0.271]]))
    }

    @Test("Adam's weight decay is coupled (added to the gradient), AdamW's decoupled")
    func decay() throws {
        // AdamW with a zero gradient only shrinks: θ·(1 − ηλ)ᵗ.
        let adamW = try trajectory(
            try Adam.adamW(learningRate: 0.1, weightDecay: 0.5), start: [1], gradients: [[0], [0], [0]])
        #expect(close(adamW, [[0.95], [0.9025], [0.857375]]))

        // Adam sees g = λθ: the first step moves η·sign; the second from the moment definitions.
        let adam = try trajectory(try Adam(learningRate: 0.1, weightDecay: 0.5), start: [1], gradients: [[0], [0]])
        let (g1, g2) = (0.5, 0.5 * 0.9)
        let m = 0.9 * (0.1 * g1) + 0.1 * g2
        let v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2
        let step2 = 0.9 - 0.1 * (m / (1 - 0.81)) / ((v / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
        #expect(close(adam, [[0.9], [step2]], tolerance: 1e-5))
    }

    // MARK: - Laws shared by all optimizers

    private static func optimizers() throws -> [any Optimizer] {
        [
            try SGD(learningRate: 0.1), try SGD(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
            try Adam(learningRate: 0.1, weightDecay: 0.01), try Adam.adamW(learningRate: 0.1),
        ]
    }

    @Test("masked entries stay exactly zero through optimizer steps")
    func masks() throws {
        for optimizer in try Self.optimizers() {
            let p = try parameter([1, 2, 3, 4])
            try p.setMask(Tensor(shape: [4], scalars: [1, 0, 1, 0]))
            for _ in 0..<3 {
                // A backward pass fills the masked entries of the gradient too.
                p.gradient = try Tensor(shape: [4], scalars: [1, -1, 1, -1])
                optimizer.step([p])
                #expect(p.value.scalars[1] == 0 && p.value.scalars[3] == 0)
            }
            #expect(p.value.scalars[0] < 1 && p.value.scalars[2] < 3)
            // Removing the mask: the pruned entries restart from 0 without stale momentum.
            try p.setMask(nil)
            p.gradient = Tensor(zeros: [4])
            let before = p.value.scalars
            optimizer.step([p])
            #expect(abs(p.value.scalars[1]) <= 1e-3 * max(1, abs(before[0])))
        }
    }

    @Test("frozen parameters and running statistics are not updated")
    func frozen() throws {
        for optimizer in try Self.optimizers() {
            let frozen = try parameter([1, -2])
            frozen.isTrainable = false
            let statistic = try parameter([0.5, 3], kind: .runningStatistic)
            let trained = try parameter([1, 1])
            for p in [frozen, statistic, trained] { p.gradient = Tensor(repeating: 1, shape: [2]) }
            optimizer.step([frozen, statistic, trained])
            #expect(frozen.value.scalars.map(\.bitPattern) == [Float(1), -2].map(\.bitPattern))
            #expect(statistic.value.scalars.map(\.bitPattern) == [Float(0.5), 3].map(\.bitPattern))
            #expect(trained.value.scalars[0] < 1)
        }
    }

    @Test("the learning rate can be changed between steps")
    func learningRate() throws {
        let optimizer = try SGD(learningRate: 0.1)
        let p = try parameter([1])
        p.gradient = Tensor(repeating: 1, shape: [1])
        optimizer.learningRate = 0
        optimizer.step([p])
        #expect(p.value.scalars == [1])
        optimizer.learningRate = 0.5
        optimizer.step([p])
        #expect(p.value.scalars == [0.5])
    }

    @Test("weight decay can exempt kinds; by default it applies to all trainable kinds")
    func exemptKinds() throws {
        for exempt in [[], [Parameter.Kind.bias, .normalization]] as [Set<Parameter.Kind>] {
            let optimizer = try SGD(learningRate: 0.1, weightDecay: 0.5, weightDecayExemptKinds: exempt)
            let (weight, bias) = (try parameter([1]), try parameter([1], kind: .bias))
            optimizer.step([weight, bias])
            #expect(weight.value.scalars == [0.95])
            #expect(bias.value.scalars == [exempt.isEmpty ? 0.95 : 1])
        }
        let adamW = try Adam(
            learningRate: 0.1, weightDecay: 0.5, decoupled: true, weightDecayExemptKinds: [.normalization])
        let gamma = try parameter([1], kind: .normalization)
        adamW.step([gamma])
        #expect(gamma.value.scalars == [1])
    }

    @Test("invalid hyperparameters throw")
    func validation() {
        #expect(throws: NNError.self) { try SGD(learningRate: -1) }
        #expect(throws: NNError.self) { try SGD(learningRate: .nan) }
        #expect(throws: NNError.self) { try SGD(learningRate: 0.1, momentum: 1) }
        #expect(throws: NNError.self) { try SGD(learningRate: 0.1, nesterov: true) }
        #expect(throws: NNError.self) { try SGD(learningRate: 0.1, weightDecay: -0.1) }
        #expect(throws: NNError.self) { try Adam(beta1: 1) }
        #expect(throws: NNError.self) { try Adam(beta2: -0.1) }
        #expect(throws: NNError.self) { try Adam(epsilon: 0) }
        #expect(throws: NNError.self) { try Adam.adamW(weightDecay: -1) }
    }
}

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    @Test("constant")
    func constant() {
        #expect(ConstantSchedule().learningRate(base: 0.3, step: 999, totalSteps: 10, stepsPerEpoch: 1) == 0.3)
    }

    @Test(
        "step decay multiplies by γ every `epochs` epochs",
        arguments: [(0, 1.0), (19, 1.0), (20, 0.1), (39, 0.1), (45, 0.01)])
    func step(step: Int, factor: Double) throws {
        let schedule = try StepSchedule(epochs: 2, gamma: 0.1)
        let rate = schedule.learningRate(base: 0.5, step: step, totalSteps: 100, stepsPerEpoch: 10)
        #expect(closeEnough(Double(rate), 0.5 * factor, relative: 1e-6))
    }

    @Test(
        "multi-step decay multiplies by γ at each milestone",
        arguments: [(9, 1.0), (10, 0.1), (29, 0.1), (30, 0.01), (99, 0.01)])
    func multiStep(step: Int, factor: Double) throws {
        let schedule = try MultiStepSchedule(milestones: [1, 3], gamma: 0.1)
        let rate = schedule.learningRate(base: 0.5, step: step, totalSteps: 100, stepsPerEpoch: 10)
        #expect(closeEnough(Double(rate), 0.5 * factor, relative: 1e-6))
    }

    @Test("cosine: linear warm-up, then min + (base − min)(1 + cos πp)/2")
    func cosine() throws {
        let schedule = try CosineSchedule(minimum: 0.01, warmupSteps: 10)
        func rate(_ step: Int) -> Double {
            Double(schedule.learningRate(base: 0.1, step: step, totalSteps: 110, stepsPerEpoch: 7))
        }
        #expect(closeEnough(rate(0), 0.01, relative: 1e-6))
        #expect(closeEnough(rate(4), 0.05, relative: 1e-6))
        #expect(closeEnough(rate(9), 0.1, relative: 1e-6))
        #expect(closeEnough(rate(10), 0.1, relative: 1e-6))
        #expect(closeEnough(rate(35), 0.01 + 0.09 * (1 + cos(Double.pi / 4)) / 2, relative: 1e-6))
        #expect(closeEnough(rate(60), 0.055, relative: 1e-6))
        #expect(closeEnough(rate(110), 0.01, relative: 1e-6))
        #expect(closeEnough(rate(500), 0.01, relative: 1e-6))
        let noWarmup = try CosineSchedule()
        #expect(noWarmup.learningRate(base: 0.2, step: 0, totalSteps: 50, stepsPerEpoch: 1) == 0.2)
        #expect(
            closeEnough(
                Double(noWarmup.learningRate(base: 0.2, step: 25, totalSteps: 50, stepsPerEpoch: 1)), 0.1,
                relative: 1e-6))
    }

    @Test("invalid schedules throw")
    func validation() {
        #expect(throws: NNError.self) { try StepSchedule(epochs: 0, gamma: 0.1) }
        #expect(throws: NNError.self) { try StepSchedule(epochs: 1, gamma: -1) }
        #expect(throws: NNError.self) { try MultiStepSchedule(milestones: [3, 2], gamma: 0.1) }
        #expect(throws: NNError.self) { try CosineSchedule(minimum: -1) }
        #expect(throws: NNError.self) { try CosineSchedule(warmupSteps: -1) }
    }
}
