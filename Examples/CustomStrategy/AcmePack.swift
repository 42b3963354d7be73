public import DeepArcCore

/// Everything the (fictional) Acme library adds to DeepArc: one similarity metric.
///
/// An application installs it next to the built-in strategies:
///
/// ```swift
/// let registry = try StrategyRegistry.builtIn.installing(AcmePack.self)
/// let metric = try registry.similarityMetrics.make("acme.cosine")
/// ```
public enum AcmePack: StrategyPack {
    /// Registers ``AcmeCosine`` as `acme.cosine`.
    /// - Parameter registry: the registry to add it to.
    /// - Throws: `DeepArcError.duplicateStrategy(kind:name:)` when `acme.cosine` is already registered.
    public static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(AcmeCosine.self)
    }
}
