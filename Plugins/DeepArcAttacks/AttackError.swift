/// What went wrong in an adversarial attack: inputs that do not fit the model, or a model that
/// cannot be differentiated. Messages name the attack, the sample or shape, and what is wrong.
/// (Invalid *options* throw `DeepArcError.invalidOption(strategy:option:reason:)` instead.)
public enum AttackError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Images or labels that the attack cannot use (wrong shape, non-finite values, values outside
    /// [0, 1], labels out of range, a count of labels that differs from the batch).
    case invalidInput(attack: String, reason: String)
    /// A model whose structure the attack cannot differentiate in inference mode.
    case unsupportedModel(reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let attack, let reason):
            return "\(attack): \(reason)"
        case .unsupportedModel(let reason):
            return "attack: cannot differentiate the model: \(reason)"
        }
    }
}
