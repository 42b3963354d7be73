/// A magnitude-pruning allocator: prunable weight tensors with their current masks plus an amount a →
/// how many more weights to prune in each tensor (`specs/pruning.md`; LAMP, Global, Uniform+, ERK).
///
/// The tensors come in model order with the classifier last (§1). "First" and "last" layer rules, for
/// example Uniform+ keeping a conv stem dense, depend on that order. `amount` is the fraction of the
/// currently *unmasked* weights to remove in this call, in [0, 1). For a dense model it is the target
/// sparsity; iterative pruning calls the compressor repeatedly (the official schedule uses a = 0.2).
/// Counts become masks through ``MagnitudePruning`` (the §2.2 magnitude order), shared by every
/// compressor: ``prune(_:amount:)`` does both steps.
///
/// Laws (for every conformer):
/// 1. One count per tensor, in order, with 0 ≤ p_l ≤ u_l (the tensor's unmasked weights).
/// 2. Deterministic: the same tensors, masks and amount give the same counts. All arithmetic is
///    binary64 in the order the spec writes it; rounding is ties-to-even (§2.1).
/// 3. Masks only shrink: masked entries are never counted, scored or restored (§2.3).
/// 4. `amount` outside [0, 1), NaN included, throws ``DeepArcError/invalidPruning(tensor:reason:)``
///    (``validateAmount(_:)`` does this). An unreachable target also throws; the compressor never
///    returns a silent partial result.
/// 5. `amount == 0` prunes nothing.
///
/// ```swift
/// let compressor = try registry.compressors.make("lamp")
/// let tensors = try model.prunableTensors()            // [PrunableTensor], classifier last
/// let counts = try compressor.pruneCounts(for: tensors, amount: 0.2)
/// let pruned = try compressor.prune(tensors, amount: 0.2)  // the same counts, applied as masks
/// ```
public protocol Compressor: Strategy {
    /// How many more weights to prune in each tensor to remove the fraction `amount` of the unmasked
    /// weights.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, classifier last, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1).
    /// - Returns: one count per tensor, 0 ≤ count ≤ its unmasked weights.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` for an invalid amount, an empty tensor
    ///   list, or an unreachable target.
    func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int]
}

extension Compressor {
    /// Prunes `tensors`: ``pruneCounts(for:amount:)``, then masks by magnitude order
    /// (``MagnitudePruning/applying(_:to:)``).
    /// - Returns: the tensors with their new masks.
    /// - Throws: as ``pruneCounts(for:amount:)``, and ``DeepArcError/invalidPruning(tensor:reason:)`` when
    ///   a count is out of range.
    public func prune(_ tensors: [PrunableTensor], amount: Double) throws -> [PrunableTensor] {
        let counts = try pruneCounts(for: tensors, amount: amount)
        return try MagnitudePruning.applying(counts, to: tensors)
    }

    /// Checks that `amount` lies in [0, 1).
    /// - Returns: `amount` unchanged.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` naming the strategy and the value.
    @discardableResult
    public static func validateAmount(_ amount: Double) throws(DeepArcError) -> Double {
        guard amount >= 0, amount < 1 else {
            throw .invalidPruning(
                tensor: nil, reason: "\(identifier): amount must satisfy 0 ≤ amount < 1; got \(amount)")
        }
        return amount
    }
}
