public import DeepArcCore

/// Uniform+ (`specs/pruning.md` §5; Gale et al.'s heuristic as the official LAMP code implements it):
/// uniform pruning, except that a first convolution stays dense and the last layer keeps at least 20%
/// of its original size. Identifier `uniform-plus` (the official code's `unifplus`).
///
/// With `P = R(a × U)`: the pool is layers 2…L when the first layer is 4-D (a conv, which then gets
/// 0), else all layers. The pool shares `f = P / Σ_pool u_l`; if the last layer's planned survivors
/// `q = R((1 − f) × u_L)` fall below `m = R(0.2 × n_L)` (its *original* size n_L), it is pruned to m
/// (`p_L = u_L − m`, or 0 when it already has m or fewer) and the other pool layers share the rest:
/// `f' = (P − p_L) / Σ_middle u_l`. Each layer is rounded on its own, `p_l = R(f × u_l)`, so the total
/// may miss P by up to about half the number of layers (the official code does the same).
///
/// A fraction f or f' above 1, or a rest to prune with no middle layers, means the amount is
/// unreachable: the call throws and names the target; it never returns a partial result.
///
/// Layer rules (``PruningOptions``): ignored tensors are removed first, so "first" and "last" mean the
/// first and last tensors that are not ignored. Caps clamp each count after allocation (no
/// redistribution). An all-masked tensor (u_l = 0) simply gets 0.
public struct UniformPlusCompressor: Compressor {
    /// `uniform-plus`.
    public static let identifier = "uniform-plus"
    /// One line for `deeparc strategies`.
    public static let summary =
        "Uniform+: uniform pruning with a dense first conv and the last layer kept at ≥ 20% of its size"

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

    /// The per-tensor prune counts of Uniform+.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, classifier last, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1).
    /// - Returns: one count per tensor (0 for ignored tensors and a first conv).
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an invalid amount, an empty list or an
    ///   unreachable target; `DeepArcError.invalidOption(strategy:option:reason:)` for an unknown tensor
    ///   name in the options.
    public func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let layers = try PrunableLayerSet(strategy: Self.identifier, tensors: tensors, rules: options)
        var counts = [Int](repeating: 0, count: layers.count)
        guard amount > 0, layers.count > 0 else { return layers.scatter(counts) }
        let unmasked = layers.unmasked
        let target = roundedCount(amount * Double(layers.totalUnmasked))
        guard target > 0 else { return layers.scatter(counts) }

        let firstIsConv = layers.tensor(0).shape.count == 4
        let pool = (firstIsConv ? 1 : 0)..<layers.count
        let poolUnmasked = pool.reduce(0) { $0 + unmasked[$1] }
        let poolName = firstIsConv ? "the layers after the dense first conv" : "the layers"
        let fraction = Double(target) / Double(poolUnmasked)
        guard fraction <= 1 else {
            throw layers.unreachable(
                amount: amount,
                "it prunes \(target) of \(layers.totalUnmasked) unmasked weights, but \(poolName) hold only "
                    + "\(poolUnmasked)")
        }
        let last = layers.count - 1
        let lastTensor = layers.tensor(last)
        let lastMinimum = roundedCount(0.2 * Double(lastTensor.count))
        let plannedLastSurvivors = roundedCount((1 - fraction) * Double(unmasked[last]))
        if plannedLastSurvivors >= lastMinimum {
            for layer in pool { counts[layer] = roundedCount(fraction * Double(unmasked[layer])) }
        } else {
            let lastPruned = max(unmasked[last] - lastMinimum, 0)
            counts[last] = lastPruned
            let middle = pool.lowerBound..<last
            let middleUnmasked = middle.reduce(0) { $0 + unmasked[$1] }
            let rest = target - lastPruned
            if rest > 0 {
                let middleFraction = Double(rest) / Double(middleUnmasked)
                guard middleFraction <= 1 else {
                    let middleName =
                        middle.isEmpty
                        ? "no other layers are prunable" : "the middle layers hold only \(middleUnmasked)"
                    throw layers.unreachable(
                        amount: amount,
                        "it prunes \(target) of \(layers.totalUnmasked) unmasked weights; the last layer "
                            + "'\(lastTensor.name)' keeps at least \(lastMinimum) (20% of \(lastTensor.count)) "
                            + "so gives \(lastPruned), and the remaining \(rest) cannot be pruned: \(middleName)")
                }
                for layer in middle { counts[layer] = roundedCount(middleFraction * Double(unmasked[layer])) }
            }
        }
        return layers.scatter(layers.clampedToAllowance(counts))
    }
}
