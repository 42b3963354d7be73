/// What went wrong while restructuring a model: a request that names units the model does not
/// have, a removal that cannot be sewn, a modularization of another model, bad options or data.
/// Messages name the units, option or data and what is wrong.
public enum RestructuringError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A unit index outside the model.
    case unitOutOfRange(unit: Int, unitCount: Int)
    /// A request to remove the classifier head (the last unit), which nothing can replace.
    case removesHead(unit: Int, name: String)
    /// A request that removes or duplicates nothing (the reason says why).
    case nothingToDo(reason: String)
    /// More units requested than the semantic architecture offers.
    case tooFewUnits(operation: String, requested: Int, available: Int)
    /// A removed span whose input and output shapes no adapter can join.
    case cannotSew(units: String, reason: String)
    /// A modularization that does not describe the model it is applied to.
    case modularizationMismatch(reason: String)
    /// An option outside its valid range.
    case invalidOption(option: String, reason: String)
    /// Samples that cannot be used (wrong shape, none, non-finite activations).
    case invalidSamples(reason: String)

    public var description: String {
        switch self {
        case .unitOutOfRange(let unit, let unitCount):
            return "unit \(unit) is out of range: the model has units 0...\(unitCount - 1)"
        case .removesHead(let unit, let name):
            return "cannot remove unit \(unit) (\(name)): it is the classifier head"
        case .nothingToDo(let reason):
            return "nothing to restructure: \(reason)"
        case .tooFewUnits(let operation, let requested, let available):
            let kind = operation == "duplicate" ? "shape-preserving intra-module" : "intra-module"
            return "cannot \(operation) \(requested) unit(s): the semantic architecture offers only \(available) \(kind) unit(s)"
        case .cannotSew(let units, let reason):
            return "the removal of \(units) cannot be sewn: \(reason)"
        case .modularizationMismatch(let reason):
            return "the modularization does not belong to this model: \(reason)"
        case .invalidOption(let option, let reason):
            return "restructuring option '\(option)': \(reason)"
        case .invalidSamples(let reason):
            return "restructuring samples: \(reason)"
        }
    }
}
