public import DeepArcCore
public import DeepArcNN
public import DeepArcTensor

/// The fast gradient sign method (Goodfellow, Shlens and Szegedy, 2015): one L∞ step of size ε
/// along the sign of each sample's cross-entropy gradient, x′ = clip(x + ε · sign(∇ₓ CE(f(x), y)), 0, 1).
/// Identifier `fgsm`.
///
/// Deterministic and random-free: the generator is not used. The gradient is that of the model in
/// inference mode (``InferenceGradientModel``); a zero gradient component leaves its pixel unchanged.
///
/// ```swift
/// let fgsm = try FGSM(options: .init(epsilon: 0.1))
/// let adversarial = try fgsm.perturb(images, labels: labels, model: model, generator: &generator)
/// ```
public struct FGSM: AdversarialAttack {
    /// The options: `{epsilon: 0.1}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The L∞ radius ε, in (0, 1] (pixel values are in [0, 1]; default 0.1).
        public var epsilon: Double

        /// Creates options; every field has its default.
        /// - Parameter epsilon: the L∞ radius ε (default 0.1).
        public init(epsilon: Double = 0.1) {
            self.epsilon = epsilon
        }

        private enum CodingKeys: String, CodingKey {
            case epsilon
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            epsilon = try container.decodeIfPresent(Double.self, forKey: .epsilon) ?? Options().epsilon
        }
    }

    /// `fgsm`.
    public static let identifier = "fgsm"
    /// One line for `deeparc strategies`.
    public static let summary = "fast gradient sign method: one L∞ step of size epsilon along the loss gradient's sign"

    /// The options in effect.
    public let options: Options

    /// Creates the attack.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `epsilon` unless 0 < ε ≤ 1.
    public init(options: Options) throws {
        try OptionCheck.number(options.epsilon, "epsilon", of: Self.identifier, above: 0, atMost: 1)
        self.options = options
    }

    /// One signed-gradient step of size ε, clipped to [0, 1] (see the type's documentation).
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` for images or labels that do not fit
    ///   the model; the model's errors.
    public func perturb(
        _ images: Tensor, labels: [Int], model: Model, generator: inout SeededGenerator
    ) throws -> Tensor {
        try AttackInput.check(images, labels: labels, model: model, attack: Self.identifier)
        guard !labels.isEmpty else { return images }
        let gradients = try InferenceGradientModel(model)
        let gradient = try gradients.lossGradient(images, labels: labels).gradient
        var adversarial = images
        let epsilon = PixelOps.radius(options.epsilon)
        PixelOps.addSignStep(&adversarial, gradient: gradient, step: epsilon)
        PixelOps.project(&adversarial, around: images, radius: epsilon)
        return adversarial
    }
}
