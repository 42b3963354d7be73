/// Every strategy DeepArc can look up by name: one ``Registry`` per kind.
///
/// The registry starts empty; the application installs packs (the umbrella module's built-in pack,
/// third parties' packs):
///
/// ```swift
/// var registry = StrategyRegistry()
/// try registry.register(GreedyPartitioner.self)
/// let partitioner = try registry.partitioners.make(configuration.partitioner)
/// ```
public struct StrategyRegistry: Sendable {
    /// Similarity metrics by identifier.
    public var similarityMetrics = Registry<any SimilarityMetric>(kind: .similarity)
    /// Partitioners by identifier.
    public var partitioners = Registry<any Partitioner>(kind: .partitioner)
    /// Deviation measures by identifier.
    public var deviationMeasures = Registry<any DeviationMeasure>(kind: .deviation)
    /// Compressors by identifier.
    public var compressors = Registry<any Compressor>(kind: .compressor)
    /// Adversarial attacks by identifier.
    public var attacks = Registry<any AdversarialAttack>(kind: .attack)

    /// An empty registry.
    public init() {}

    // MARK: - Registering

    /// Registers a similarity metric under its identifier.
    /// - Throws: ``DeepArcError/duplicateStrategy(kind:name:)``, ``DeepArcError/invalidIdentifier(kind:name:reason:)``,
    ///   or ``DeepArcError/invalidOption(strategy:option:reason:)`` when its options do not decode from `{}`.
    public mutating func register<M: SimilarityMetric>(_ type: M.Type) throws {
        try similarityMetrics.register(type, as: { $0 })
    }

    /// Registers a partitioner under its identifier.
    /// - Throws: as the similarity-metric overload of `register(_:)`.
    public mutating func register<P: Partitioner>(_ type: P.Type) throws {
        try partitioners.register(type, as: { $0 })
    }

    /// Registers a deviation measure under its identifier.
    /// - Throws: as the similarity-metric overload of `register(_:)`.
    public mutating func register<D: DeviationMeasure>(_ type: D.Type) throws {
        try deviationMeasures.register(type, as: { $0 })
    }

    /// Registers a compressor under its identifier.
    /// - Throws: as the similarity-metric overload of `register(_:)`.
    public mutating func register<C: Compressor>(_ type: C.Type) throws {
        try compressors.register(type, as: { $0 })
    }

    /// Registers an adversarial attack under its identifier.
    /// - Throws: as the similarity-metric overload of `register(_:)`.
    public mutating func register<A: AdversarialAttack>(_ type: A.Type) throws {
        try attacks.register(type, as: { $0 })
    }

    /// Installs a pack's strategies.
    /// - Throws: whatever the pack's registration throws (a duplicate name, a malformed identifier).
    public mutating func install(_ pack: any StrategyPack.Type) throws {
        try pack.register(into: &self)
    }

    /// A copy of this registry with a pack's strategies installed:
    /// `try StrategyRegistry.builtIn.installing(AcmePack.self)`.
    /// - Throws: as ``install(_:)``.
    public func installing(_ pack: any StrategyPack.Type) throws -> StrategyRegistry {
        var copy = self
        try copy.install(pack)
        return copy
    }

    // MARK: - Listing

    /// Every registered strategy, grouped by kind (similarity, partitioner, deviation, compressor,
    /// attack), each group sorted by identifier: what `deeparc strategies` prints.
    public var descriptions: [StrategyDescription] {
        similarityMetrics.descriptions + partitioners.descriptions + deviationMeasures.descriptions
            + compressors.descriptions + attacks.descriptions
    }

    /// The registered identifiers of one kind, sorted.
    public func identifiers(of kind: StrategyKind) -> [String] {
        switch kind {
        case .similarity: return similarityMetrics.identifiers
        case .partitioner: return partitioners.identifiers
        case .deviation: return deviationMeasures.identifiers
        case .compressor: return compressors.identifiers
        case .attack: return attacks.identifiers
        }
    }
}
