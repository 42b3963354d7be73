/// A set of strategies a library offers, installed into a ``StrategyRegistry`` by the application.
///
/// Swift cannot discover conformances at run time, so every strategy target exports a pack and the
/// executable decides which packs to install:
///
/// ```swift
/// enum AcmePack: StrategyPack {
///     static func register(into registry: inout StrategyRegistry) throws {
///         try registry.register(AcmeCosine.self)      // identifier "acme.cosine"
///     }
/// }
/// let registry = try StrategyRegistry().installing(AcmePack.self)
/// ```
public protocol StrategyPack {
    /// Registers the pack's strategies.
    /// - Throws: ``DeepArcError/duplicateStrategy(kind:name:)`` when a name is already taken,
    ///   ``DeepArcError/invalidIdentifier(kind:name:reason:)`` for a malformed name.
    static func register(into registry: inout StrategyRegistry) throws
}
