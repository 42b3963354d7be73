public import DeepArcTensor

/// What went wrong in the network engine: layers, models, training and checkpoints.
/// Messages name the layer, unit or file and what is wrong.
public enum NNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An input or gradient whose shape does not fit the layer.
    case shapeMismatch(layer: String, expected: String, actual: [Int])
    /// `backward` was called without a cached training-mode `forward`.
    case backwardWithoutForward(layer: String)
    /// A layer description with impossible values (zero channels, a kernel larger than the input…).
    case invalidConfiguration(layer: String, reason: String)
    /// An optimizer, schedule or loss setting outside its valid range.
    case invalidHyperparameter(component: String, reason: String)
    /// A keep-mask that does not fit its parameter.
    case invalidMask(reason: String)
    /// An architecture name no builder knows.
    case unknownArchitecture(String, available: [String])
    /// A model operation that names a unit the model does not have, or that cannot be carried out.
    case invalidUnit(String)
    /// The loss became NaN or infinite during training.
    case nonFiniteLoss(epoch: Int, step: Int)
    /// A checkpoint that cannot be read or does not match its model.
    case checkpoint(file: String, reason: String)
    /// A tensor operation failed inside a layer.
    case tensor(layer: String, Tensor.Error)

    public var description: String {
        switch self {
        case .shapeMismatch(let layer, let expected, let actual):
            return "layer \(layer): expected input of shape \(expected), got \(actual)"
        case .backwardWithoutForward(let layer):
            return "layer \(layer): backward called without a training-mode forward pass"
        case .invalidConfiguration(let layer, let reason):
            return "layer \(layer): \(reason)"
        case .invalidHyperparameter(let component, let reason):
            return "\(component): \(reason)"
        case .invalidMask(let reason):
            return "invalid mask: \(reason)"
        case .unknownArchitecture(let name, let available):
            return "unknown architecture '\(name)'; available: \(available.joined(separator: ", "))"
        case .invalidUnit(let reason):
            return reason
        case .nonFiniteLoss(let epoch, let step):
            return "training diverged: the loss is NaN or infinite at epoch \(epoch), step \(step)"
        case .checkpoint(let file, let reason):
            return "checkpoint \(file): \(reason)"
        case .tensor(let layer, let error):
            return "layer \(layer): \(error)"
        }
    }
}
