public import DeepArcCore
public import DeepArcNN
public import DeepArcTensor
import Foundation

/// The Carlini–Wagner L2 attack (Carlini and Wagner, 2017), untargeted. Identifier `cw`.
///
/// The adversarial image is written x′ = (tanh(w) + 1) / 2, so it always lies in [0, 1], and w is
/// optimised with Adam to minimise, per sample,
/// ‖x′ − x‖₂² + c · max(Z_y(x′) − max_{i≠y} Z_i(x′), −κ),
/// where Z are the logits, y the true label and κ the confidence. The gradient of the second term
/// flows through the model's input gradient (c·(e_y − e_j) injected at the logits, j the best other
/// class, while the term is not clamped) and through the tanh change of variables,
/// ∂x′/∂w = (1 − tanh²(w)) / 2. w starts at atanh((2x − 1)(1 − 10⁻⁶)) in every binary-search step,
/// with a fresh Adam state (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸).
///
/// c is searched per sample, as in the authors' code: it starts at `initialConstant`; after a step
/// in which the sample became adversarial, the upper bound drops to c and c bisects; otherwise the
/// lower bound rises to c and c bisects, or is multiplied by 10 while no upper bound is known. An
/// iterate counts as adversarial when max_{i≠y} Z_i − Z_y > κ (checked before each update), and the
/// output is, per sample, the adversarial iterate of smallest L2 distance over all steps, or the
/// clean image when none was found. Random-free: the generator is not used.
///
/// ```swift
/// let cw = try CarliniWagner(options: .init(confidence: 0, binarySearchSteps: 5, iterations: 100))
/// let adversarial = try cw.perturb(images, labels: labels, model: model, generator: &generator)
/// ```
public struct CarliniWagner: AdversarialAttack {
    /// The options: `{confidence: 0, initialConstant: 1, binarySearchSteps: 5, iterations: 100,
    /// learningRate: 0.01}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The confidence κ ≥ 0: how far past the boundary (in logits) an adversarial sample must be
        /// (default 0).
        public var confidence: Double
        /// The first value of the constant c > 0 (default 1).
        public var initialConstant: Double
        /// The number of binary-search steps on c, 1…100 (default 5).
        public var binarySearchSteps: Int
        /// The Adam iterations per binary-search step, 1…100 000 (default 100).
        public var iterations: Int
        /// Adam's learning rate on w, > 0 (default 0.01).
        public var learningRate: Double

        /// Creates options; every field has its default.
        /// - Parameters:
        ///   - confidence: κ (default 0).
        ///   - initialConstant: the first c (default 1).
        ///   - binarySearchSteps: the binary-search steps (default 5).
        ///   - iterations: Adam iterations per step (default 100).
        ///   - learningRate: Adam's learning rate (default 0.01).
        public init(
            confidence: Double = 0, initialConstant: Double = 1, binarySearchSteps: Int = 5, iterations: Int = 100,
            learningRate: Double = 0.01
        ) {
            self.confidence = confidence
            self.initialConstant = initialConstant
            self.binarySearchSteps = binarySearchSteps
            self.iterations = iterations
            self.learningRate = learningRate
        }

        private enum CodingKeys: String, CodingKey {
            case confidence, initialConstant, binarySearchSteps, iterations, learningRate
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            confidence = try container.decodeIfPresent(Double.self, forKey: .confidence) ?? defaults.confidence
            initialConstant =
                try container.decodeIfPresent(Double.self, forKey: .initialConstant) ?? defaults.initialConstant
            binarySearchSteps =
                try container.decodeIfPresent(Int.self, forKey: .binarySearchSteps) ?? defaults.binarySearchSteps
            iterations = try container.decodeIfPresent(Int.self, forKey: .iterations) ?? defaults.iterations
            learningRate = try container.decodeIfPresent(Double.self, forKey: .learningRate) ?? defaults.learningRate
        }
    }

    /// `cw`.
    public static let identifier = "cw"
    /// One line for `deeparc strategies`.
    public static let summary =
        "Carlini–Wagner L2: Adam in tanh space on ‖δ‖² + c·max(margin, −κ), binary search on c"

    /// The options in effect.
    public let options: Options

    /// Creates the attack.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `confidence` (finite,
    ///   ≥ 0), `initialConstant` (finite, > 0), `binarySearchSteps` (1…100), `iterations`
    ///   (1…100 000) or `learningRate` (finite, > 0).
    public init(options: Options) throws {
        let name = Self.identifier
        try OptionCheck.number(options.confidence, "confidence", of: name, above: 0, closedBelow: true)
        try OptionCheck.number(options.initialConstant, "initialConstant", of: name, above: 0)
        try OptionCheck.integer(options.binarySearchSteps, "binarySearchSteps", of: name, in: 1...100)
        try OptionCheck.integer(options.iterations, "iterations", of: name, in: 1...100_000)
        try OptionCheck.number(options.learningRate, "learningRate", of: name, above: 0)
        self.options = options
    }

    /// Runs the attack on every sample (see the type's documentation).
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` for images or labels that do not fit
    ///   the model; the model's errors.
    public func perturb(
        _ images: Tensor, labels: [Int], model: Model, generator: inout SeededGenerator
    ) throws -> Tensor {
        try AttackInput.check(images, labels: labels, model: model, attack: Self.identifier)
        let classes = model.classCount
        let count = labels.count
        guard count > 0, classes >= 2 else { return images }
        let width = images.itemCount
        let gradients = try InferenceGradientModel(model)
        let kappa = Float(options.confidence)
        let (beta1, beta2, adamEpsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let learningRate = Float(options.learningRate)
        let noUpperBound = 1e10

        let start = images.map { Float(atanh(Double((2 * $0 - 1) * (1 - 1e-6)))) }
        var best = images
        var bestDistance = [Float](repeating: .infinity, count: count)
        var constant = [Double](repeating: options.initialConstant, count: count)
        var lower = [Double](repeating: 0, count: count)
        var upper = [Double](repeating: noUpperBound, count: count)

        for _ in 0..<options.binarySearchSteps {
            var w = start
            var firstMoment = Tensor(zeros: images.shape)
            var secondMoment = Tensor(zeros: images.shape)
            var succeeded = [Bool](repeating: false, count: count)
            let weights = constant.map(Float.init)
            for iteration in 1...options.iterations {
                let candidate = w.map { (tanh($0) + 1) / 2 }
                let logits = try gradients.logits(candidate)
                // Distances, success bookkeeping and the logit gradient of the clamped margin term.
                var distances = [Float](repeating: 0, count: count)
                candidate.withUnsafeBufferPointer { x in
                    images.withUnsafeBufferPointer { clean in
                        for sample in 0..<count {
                            var squared: Float = 0
                            for index in (sample * width)..<((sample + 1) * width) {
                                let difference = x[index] - clean[index]
                                squared += difference * difference
                            }
                            distances[sample] = squared
                        }
                    }
                }
                var logitGradient = Tensor(zeros: [count, classes])
                var anyActive = false
                logits.withUnsafeBufferPointer { z in
                    logitGradient.withUnsafeMutableBufferPointer { g in
                        for sample in 0..<count {
                            let row = sample * classes
                            let label = labels[sample]
                            var other = label == 0 ? 1 : 0
                            for k in 0..<classes where k != label && z[row + k] > z[row + other] { other = k }
                            let margin = z[row + label] - z[row + other]
                            if margin < -kappa {
                                succeeded[sample] = true
                                if distances[sample] < bestDistance[sample] {
                                    bestDistance[sample] = distances[sample]
                                    copyRow(sample, from: candidate, into: &best, width: width)
                                }
                            }
                            if margin > -kappa {
                                g[row + label] = weights[sample]
                                g[row + other] = -weights[sample]
                                anyActive = true
                            }
                        }
                    }
                }
                // ∂/∂x′ = 2(x′ − x) + model gradient; then the tanh chain rule and an Adam step on w.
                let modelGradient =
                    anyActive ? try gradients.inputGradient(logitGradient: logitGradient) : Tensor(zeros: images.shape)
                let correction1 = 1 - pow(beta1, Float(iteration))
                let correction2 = 1 - pow(beta2, Float(iteration))
                w.withUnsafeMutableBufferPointer { w in
                    firstMoment.withUnsafeMutableBufferPointer { m in
                        secondMoment.withUnsafeMutableBufferPointer { v in
                            candidate.withUnsafeBufferPointer { x in
                                images.withUnsafeBufferPointer { clean in
                                    modelGradient.withUnsafeBufferPointer { dz in
                                        for index in 0..<w.count {
                                            let t = 2 * x[index] - 1  // tanh(w)
                                            let dx = 2 * (x[index] - clean[index]) + dz[index]
                                            let g = dx * (1 - t * t) / 2
                                            m[index] = beta1 * m[index] + (1 - beta1) * g
                                            v[index] = beta2 * v[index] + (1 - beta2) * g * g
                                            let mHat = m[index] / correction1
                                            let vHat = v[index] / correction2
                                            w[index] -= learningRate * mHat / (vHat.squareRoot() + adamEpsilon)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Binary search on c, per sample.
            for sample in 0..<count {
                if succeeded[sample] {
                    upper[sample] = min(upper[sample], constant[sample])
                    if upper[sample] < noUpperBound { constant[sample] = (lower[sample] + upper[sample]) / 2 }
                } else {
                    lower[sample] = max(lower[sample], constant[sample])
                    constant[sample] =
                        upper[sample] < noUpperBound ? (lower[sample] + upper[sample]) / 2 : constant[sample] * 10
                }
            }
        }
        PixelOps.clipToUnitBox(&best)
        return best
    }

    /// Copies row `sample` of `source` into `target` (both `[N, …]` with `width` values per row).
    private func copyRow(_ sample: Int, from source: Tensor, into target: inout Tensor, width: Int) {
        source.withUnsafeBufferPointer { from in
            target.withUnsafeMutableBufferPointer { to in
                guard let from = from.baseAddress, let to = to.baseAddress else { return }
                (to + sample * width).update(from: from + sample * width, count: width)
            }
        }
    }
}
