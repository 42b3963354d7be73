import DeepArcCore

/// The layer rules every compressor of this target accepts: `{ignore: [], maxSparsity: {}}`.
///
/// Both options name prunable tensors by their `PrunableTensor.name` (for example
/// `units.3.conv1.weight`). A name that matches no tensor is an error, so a misspelling never passes
/// silently; a name shared by several tensors applies to all of them.
///
/// **`ignore`**: tensors that are never pruned. They are removed from the prunable list *before*
/// allocation and their counts are 0: they add nothing to the unmasked total U, to Global's and
/// LAMP's rankings, to ERK's Σ e_l, and they are not the "first" or "last" layer of Uniform+ (the
/// first and last layers of Uniform+ are the first and last *remaining* tensors). Their weights do
/// not count towards the amount either: `amount` is a fraction of the unmasked weights of the
/// remaining tensors.
///
/// **`maxSparsity`**: a map from tensor name to the largest sparsity that tensor may reach,
/// in [0, 1]. A capped tensor keeps at least `R((1 − c) × n_l)` of its *original* `n_l` weights (the
/// rule Uniform+ uses for its last layer, rounded ties-to-even), so it may be pruned by at most
/// `max(0, u_l − R((1 − c) × n_l))` more weights this call; a tensor that is already sparser than its
/// cap is not pruned (masks never grow). Caps are applied after the method's own allocation:
/// - `global` and `lamp` (one global budget) walk further down their global ranking, skipping entries
///   of tensors whose cap is used up, so the budget is still met exactly. When the caps leave too few
///   prunable weights the call throws: the target is unreachable.
/// - `uniform`, `uniform-plus` and `erk` (per-layer allocations) clamp each count to its cap and do
///   not redistribute; the total pruned then falls short of the method's plan.
public struct PruningOptions: Sendable, Equatable, Codable {
    /// Tensor names that are never pruned (default none).
    public var ignore: [String]
    /// Tensor name → largest sparsity it may reach, in [0, 1] (default none).
    public var maxSparsity: [String: Double]

    /// Creates layer rules; every field has its default.
    /// - Parameters:
    ///   - ignore: tensor names that are never pruned.
    ///   - maxSparsity: per-tensor sparsity caps in [0, 1].
    public init(ignore: [String] = [], maxSparsity: [String: Double] = [:]) {
        self.ignore = ignore
        self.maxSparsity = maxSparsity
    }

    private enum CodingKeys: String, CodingKey {
        case ignore, maxSparsity
    }

    /// Decodes a partial configuration: a missing field takes its default.
    /// - Parameter decoder: the decoder to read from.
    /// - Throws: a `DecodingError` for a value of the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ignore = try container.decodeIfPresent([String].self, forKey: .ignore) ?? []
        maxSparsity = try container.decodeIfPresent([String: Double].self, forKey: .maxSparsity) ?? [:]
    }

    /// Checks the values on their own (whether the names exist is checked against the tensors).
    /// - Parameter strategy: the identifier named in errors.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for an empty name or a cap that
    ///   is not a number in [0, 1].
    func validate(strategy: String) throws(DeepArcError) {
        if ignore.contains(where: \.isEmpty) {
            throw .invalidOption(strategy: strategy, option: "ignore", reason: "contains an empty tensor name")
        }
        for (name, cap) in maxSparsity.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty else {
                throw .invalidOption(strategy: strategy, option: "maxSparsity", reason: "contains an empty tensor name")
            }
            guard cap >= 0, cap <= 1 else {
                throw .invalidOption(
                    strategy: strategy, option: "maxSparsity.\(name)", reason: "must satisfy 0 ≤ cap ≤ 1; got \(cap)")
            }
        }
    }
}
