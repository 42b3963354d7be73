public import DeepArcCore

/// The strategies of this target: ``DPPartitioner`` (`dp`).
public enum DPStrategies: StrategyPack {
    /// Registers ``DPPartitioner``.
    /// - Throws: `DeepArcError/duplicateStrategy(kind:name:)` when `dp` is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(DPPartitioner.self)
    }
}
