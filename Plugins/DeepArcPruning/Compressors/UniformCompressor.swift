public import DeepArcCore

/// Uniform magnitude pruning (`specs/pruning.md` §7): every layer loses `R(a × u_l)` of its unmasked
/// weights. Identifier `uniform` (the official code's `unif`; not part of DeepArc Table II).
///
/// Layer rules (``PruningOptions``): ignored tensors get 0; a `maxSparsity` cap clamps the capped
/// tensor's count and the excess is not redistributed.
public struct UniformCompressor: Compressor {
    /// `uniform`.
    public static let identifier = "uniform"
    /// One line for `deeparc strategies`.
    public static let summary = "Uniform magnitude pruning: every layer loses R(a·u_l) of its unmasked weights"

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

    /// The per-tensor prune counts `R(amount × u_l)`, clamped by the caps.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1).
    /// - Returns: one count per tensor (0 for ignored tensors).
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an invalid amount or an empty list;
    ///   `DeepArcError.invalidOption(strategy:option:reason:)` for an unknown tensor name in the options.
    public func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let layers = try PrunableLayerSet(strategy: Self.identifier, tensors: tensors, rules: options)
        let counts = layers.unmasked.map { roundedCount(amount * Double($0)) }
        return layers.scatter(layers.clampedToAllowance(counts))
    }
}
