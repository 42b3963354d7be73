public import DeepArcCore

/// Global magnitude pruning (`specs/pruning.md` §3): remove the `R(a × U)` smallest-magnitude unmasked
/// weights of the whole model. Identifier `global` (the official code's `glob`).
///
/// The unmasked entries of all layers are ranked by ascending (|w|, layer index, flat index); the first
/// `P = R(a × U)` are pruned, so the total is exact and a layer can be emptied completely. Masked
/// entries are never counted or ranked.
///
/// Layer rules (``PruningOptions``): ignored tensors leave the ranking; a `maxSparsity` cap skips the
/// capped tensor's entries once its allowance is used up and keeps walking down the ranking, so
/// exactly P weights are still pruned, or the call throws when the caps make P unreachable.
///
/// ```swift
/// let global = try GlobalMagnitudeCompressor(options: .init(ignore: ["linear.weight"]))
/// let counts = try global.pruneCounts(for: tensors, amount: 0.9)
/// ```
public struct GlobalMagnitudeCompressor: Compressor {
    /// `global`.
    public static let identifier = "global"
    /// One line for `deeparc strategies`.
    public static let summary = "Global magnitude pruning: remove the R(a·U) smallest |w| of the whole model"

    /// The options in effect: the layer rules.
    public let options: PruningOptions

    /// Creates the compressor.
    /// - Parameter options: the layer rules.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a cap outside [0, 1] or an
    ///   empty tensor name.
    public init(options: PruningOptions) throws {
        try options.validate(strategy: Self.identifier)
        self.options = options
    }

    /// The per-tensor prune counts of global magnitude pruning.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1).
    /// - Returns: one count per tensor (0 for ignored tensors); they add up to `R(amount × U)`.
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an invalid amount, an empty list, or
    ///   caps that leave fewer than `R(amount × U)` prunable weights;
    ///   `DeepArcError.invalidOption(strategy:option:reason:)` for an unknown tensor name in the options.
    public func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let layers = try PrunableLayerSet(strategy: Self.identifier, tensors: tensors, rules: options)
        let zero = [Int](repeating: 0, count: layers.count)
        guard amount > 0 else { return layers.scatter(zero) }
        let target = roundedCount(amount * Double(layers.totalUnmasked))
        guard target > 0 else { return layers.scatter(zero) }
        let magnitudes = (0..<layers.count).map { layers.sortedMagnitudes($0) }
        let ranking = RankedSelection(keys: magnitudes, limits: layers.allowance)
        guard target <= ranking.available else {
            throw layers.unreachable(
                amount: amount,
                "it prunes \(target) of \(layers.totalUnmasked) unmasked weights, but the maxSparsity caps allow "
                    + "only \(ranking.available)")
        }
        return layers.scatter(ranking.counts(smallest: target))
    }
}
