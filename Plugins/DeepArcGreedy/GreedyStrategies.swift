public import DeepArcCore

/// The strategies of this target: ``GreedyPartitioner`` (`greedy`).
public enum GreedyStrategies: StrategyPack {
    /// Registers ``GreedyPartitioner``.
    /// - Throws: `DeepArcError/duplicateStrategy(kind:name:)` when `greedy` is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(GreedyPartitioner.self)
    }
}
