/// What went wrong in DeepArc's core: strategies, their inputs and configuration.
/// Messages name the layer, option, strategy or file and what is wrong.
public enum DeepArcError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Layer activations that cannot be compared (layer index, or nil for the whole set).
    case invalidActivations(layer: Int?, reason: String)
    /// A similarity matrix that is not square, not symmetric, empty or contains infinities.
    case invalidMatrix(reason: String)
    /// A strategy option with a value the strategy cannot use.
    case invalidOption(strategy: String, option: String, reason: String)
    /// A strategy name the registry does not know.
    case unknownStrategy(kind: String, name: String, available: [String])
    /// A strategy name registered twice.
    case duplicateStrategy(kind: String, name: String)
    /// A configuration that cannot be decoded or used.
    case invalidConfiguration(reason: String)
    /// A partition of layers into modules that is empty, not consecutive or does not cover every layer.
    case invalidPartition(reason: String)
    /// A strategy identifier that breaks the naming rules (lowercase, digits, `.`, `-`, `_`).
    case invalidIdentifier(kind: String, name: String, reason: String)
    /// Prunable tensors, masks, counts or amounts a compressor cannot use (tensor name, or nil for
    /// the whole set).
    case invalidPruning(tensor: String?, reason: String)

    public var description: String {
        switch self {
        case .invalidActivations(let layer, let reason):
            if let layer { return "activations of layer \(layer): \(reason)" }
            return "activations: \(reason)"
        case .invalidMatrix(let reason):
            return "similarity matrix: \(reason)"
        case .invalidOption(let strategy, let option, let reason):
            return "\(strategy): option '\(option)': \(reason)"
        case .unknownStrategy(let kind, let name, let available):
            return "unknown \(kind) '\(name)'; available: \(available.joined(separator: ", "))"
        case .duplicateStrategy(let kind, let name):
            return "\(kind) '\(name)' is registered twice"
        case .invalidConfiguration(let reason):
            return "configuration: \(reason)"
        case .invalidPartition(let reason):
            return "partition: \(reason)"
        case .invalidIdentifier(let kind, let name, let reason):
            return "\(kind) identifier '\(name)': \(reason)"
        case .invalidPruning(let tensor, let reason):
            if let tensor { return "pruning tensor '\(tensor)': \(reason)" }
            return "pruning: \(reason)"
        }
    }
}
