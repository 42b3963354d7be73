/// What ``Restructurer`` does to a model, read against its semantic architecture.
///
/// Unit indices are the model's (`Model.units`), not the similarity matrix's layers.
public enum RestructuringOperation: Sendable, Equatable {
    /// Removes intra-module units (every unit of a multi-layer module but its first, the
    /// interface): all of them (`nil`) or the first `count` in Algorithm 2's order
    /// (``ModularizationResult/removalOrderUnits``).
    case removeIntraModule(count: Int?)
    /// Removes exactly the given units, whatever their role: interface units for the paper's
    /// inter-module comparison, or any hand-picked set. The head (last unit) cannot be removed.
    case removeUnits([Int])
    /// Adds `count` units by repeating intra-module units once each, in Algorithm 2's order
    /// (``SemanticArchitecture/duplicationOrder``), skipping units whose output shape differs from
    /// their input shape. Each copy follows its original and carries the same weights.
    case duplicateIntraModule(count: Int)

    /// A short name for reports: `remove-intra-module`, `remove-units` or `duplicate-intra-module`.
    public var name: String {
        switch self {
        case .removeIntraModule: return "remove-intra-module"
        case .removeUnits: return "remove-units"
        case .duplicateIntraModule: return "duplicate-intra-module"
        }
    }
}
