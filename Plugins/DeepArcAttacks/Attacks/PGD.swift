public import DeepArcCore
public import DeepArcNN
public import DeepArcTensor

/// Projected gradient descent under an L∞ budget (Madry et al., 2018): from x (or a uniform random
/// start in the ε-ball around it), repeat x ← Π(x + α · sign(∇ₓ CE(f(x), y))), where Π projects onto
/// the intersection of the L∞ ball of radius ε around the clean image with [0, 1]. Identifier `pgd`.
///
/// Every step is taken (no early stop: the attack maximises the loss within the ball). The random
/// start draws one uniform value in [−ε, ε) per pixel from the generator, sample by sample in batch
/// order, so a seed fixes the result.
///
/// ```swift
/// let pgd = try PGD(options: .init(epsilon: 0.1, stepSize: 0.01, steps: 20))
/// var generator = SeededGenerator(seed: 7)
/// let adversarial = try pgd.perturb(images, labels: labels, model: model, generator: &generator)
/// ```
public struct PGD: AdversarialAttack {
    /// The options: `{epsilon: 0.1, stepSize: 0.01, steps: 20, randomStart: true}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The L∞ radius ε, in (0, 1] (default 0.1).
        public var epsilon: Double
        /// The step size α > 0 (default 0.01).
        public var stepSize: Double
        /// The number of steps, 1…100 000 (default 20).
        public var steps: Int
        /// Whether to start from a uniform random point of the ε-ball (default true).
        public var randomStart: Bool

        /// Creates options; every field has its default.
        /// - Parameters:
        ///   - epsilon: the L∞ radius ε (default 0.1).
        ///   - stepSize: the step size α (default 0.01).
        ///   - steps: the number of steps (default 20).
        ///   - randomStart: whether to start at a random point of the ball (default true).
        public init(epsilon: Double = 0.1, stepSize: Double = 0.01, steps: Int = 20, randomStart: Bool = true) {
            self.epsilon = epsilon
            self.stepSize = stepSize
            self.steps = steps
            self.randomStart = randomStart
        }

        private enum CodingKeys: String, CodingKey {
            case epsilon, stepSize, steps, randomStart
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            epsilon = try container.decodeIfPresent(Double.self, forKey: .epsilon) ?? defaults.epsilon
            stepSize = try container.decodeIfPresent(Double.self, forKey: .stepSize) ?? defaults.stepSize
            steps = try container.decodeIfPresent(Int.self, forKey: .steps) ?? defaults.steps
            randomStart = try container.decodeIfPresent(Bool.self, forKey: .randomStart) ?? defaults.randomStart
        }
    }

    /// `pgd`.
    public static let identifier = "pgd"
    /// One line for `deeparc strategies`.
    public static let summary =
        "projected gradient descent in the L∞ ball of radius epsilon, optionally from a random start"

    /// The options in effect.
    public let options: Options

    /// Creates the attack.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `epsilon` (0 < ε ≤ 1),
    ///   `stepSize` (finite, > 0) or `steps` (1…100 000).
    public init(options: Options) throws {
        try OptionCheck.number(options.epsilon, "epsilon", of: Self.identifier, above: 0, atMost: 1)
        try OptionCheck.number(options.stepSize, "stepSize", of: Self.identifier, above: 0)
        try OptionCheck.integer(options.steps, "steps", of: Self.identifier, in: 1...100_000)
        self.options = options
    }

    /// Runs the projected iterations (see the type's documentation).
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` for images or labels that do not fit
    ///   the model; the model's errors.
    public func perturb(
        _ images: Tensor, labels: [Int], model: Model, generator: inout SeededGenerator
    ) throws -> Tensor {
        try AttackInput.check(images, labels: labels, model: model, attack: Self.identifier)
        guard !labels.isEmpty else { return images }
        let epsilon = PixelOps.radius(options.epsilon)
        let stepSize = Float(options.stepSize)
        var adversarial = images
        if options.randomStart {
            adversarial.withUnsafeMutableBufferPointer { values in
                for index in 0..<values.count { values[index] += (2 * generator.nextUniform() - 1) * epsilon }
            }
            PixelOps.project(&adversarial, around: images, radius: epsilon)
        }
        let gradients = try InferenceGradientModel(model)
        for _ in 0..<options.steps {
            let gradient = try gradients.lossGradient(adversarial, labels: labels).gradient
            PixelOps.addSignStep(&adversarial, gradient: gradient, step: stepSize)
            PixelOps.project(&adversarial, around: images, radius: epsilon)
        }
        return adversarial
    }
}
