public import DeepArcCore

/// The strategies of this target: ``ExplicitDeviation`` (`explicit`) and ``GaussianDeviation``
/// (`gaussian`).
public enum DeviationStrategies: StrategyPack {
    /// Registers ``ExplicitDeviation`` and ``GaussianDeviation``.
    /// - Throws: `DeepArcError.duplicateStrategy(kind:name:)` when either name is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(ExplicitDeviation.self)
        try registry.register(GaussianDeviation.self)
    }
}
