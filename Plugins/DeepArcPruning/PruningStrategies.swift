public import DeepArcCore

/// The compressors of this target: ``LAMPCompressor`` (`lamp`), ``GlobalMagnitudeCompressor``
/// (`global`), ``UniformPlusCompressor`` (`uniform-plus`), ``ERKCompressor`` (`erk`) and
/// ``UniformCompressor`` (`uniform`).
///
/// Shared behaviour:
/// - `amount` is checked by `Compressor.validateAmount(_:)`: 0 ≤ a < 1. `amount == 0` prunes nothing
///   under every method.
/// - Weights are widened to binary64 before any arithmetic; counts use `R(x)`, ties to even; only
///   unmasked entries are counted, ranked or scored, and counts never exceed them, so masks only shrink.
/// - Non-finite weights and empty tensors never reach a compressor: `PrunableTensor` refuses them,
///   naming the tensor. A tensor whose entries are all masked (u_l = 0) is valid and gets 0; see each
///   method for how it takes part (ERK's ratio rules, Uniform+'s last-layer minimum).
/// - `ignore` and `maxSparsity` (``PruningOptions``) work the same way for every method.
///
/// ```swift
/// let registry = try StrategyRegistry().installing(PruningStrategies.self)
/// let lamp = try registry.compressors.make("lamp", options: ["ties": "official"])
/// ```
public enum PruningStrategies: StrategyPack {
    /// Registers the five compressors.
    /// - Parameter registry: the registry to add them to.
    /// - Throws: `DeepArcError.duplicateStrategy(kind:name:)` when one of the names is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(LAMPCompressor.self)
        try registry.register(GlobalMagnitudeCompressor.self)
        try registry.register(UniformPlusCompressor.self)
        try registry.register(ERKCompressor.self)
        try registry.register(UniformCompressor.self)
    }
}
