/// The strategies of one kind, by identifier: each a factory that turns decoded options into a
/// strategy (`any SimilarityMetric`, `any Partitioner`, …).
///
/// ```swift
/// var partitioners = Registry<any Partitioner>(kind: .partitioner)
/// try partitioners.register(GreedyPartitioner.self)
/// let greedy = try partitioners.make(StrategyReference(name: "greedy", options: ["threshold": 0.95]))
/// ```
public struct Registry<Product: Sendable>: Sendable {
    /// Builds a strategy from its raw options (`nil` for the defaults).
    public typealias Factory = @Sendable (ConfigValue?) throws -> Product

    /// One registered strategy.
    public struct Entry: Sendable {
        /// Its description (identifier, summary, default options).
        public var description: StrategyDescription
        /// Its factory.
        public var factory: Factory
    }

    /// The kind of strategy this registry holds.
    public let kind: StrategyKind
    private var entries: [String: Entry] = [:]

    /// An empty registry.
    public init(kind: StrategyKind) {
        self.kind = kind
    }

    // MARK: - Registering

    /// Registers a factory under `identifier`.
    /// - Parameters:
    ///   - identifier: the registry name; see ``StrategyIdentifier/validate(_:kind:)``.
    ///   - summary: one line saying what the strategy does.
    ///   - defaultOptions: the options `factory(nil)` uses, shown by `deeparc strategies`.
    ///   - factory: builds the strategy from raw options.
    /// - Throws: ``DeepArcError/invalidIdentifier(kind:name:reason:)`` for a malformed identifier,
    ///   ``DeepArcError/duplicateStrategy(kind:name:)`` when it is already registered.
    public mutating func register(
        _ identifier: String, summary: String, defaultOptions: ConfigValue = .object([:]),
        factory: @escaping Factory
    ) throws(DeepArcError) {
        try StrategyIdentifier.validate(identifier, kind: kind)
        guard entries[identifier] == nil else {
            throw .duplicateStrategy(kind: kind.description, name: identifier)
        }
        let description = StrategyDescription(
            kind: kind, identifier: identifier, summary: summary, defaultOptions: defaultOptions)
        entries[identifier] = Entry(description: description, factory: factory)
    }

    /// Registers a strategy type under its ``Strategy/identifier``; `wrap` turns an instance into the
    /// registry's product (the kind-specific `register(_:)` overloads pass `{ $0 }`).
    /// - Throws: as ``register(_:summary:defaultOptions:factory:)``, and
    ///   ``DeepArcError/invalidOption(strategy:option:reason:)`` when the strategy's options do not
    ///   decode from `{}`.
    public mutating func register<S: Strategy>(_ type: S.Type, as wrap: @escaping @Sendable (S) -> Product) throws {
        let defaults = try S.defaultOptionsValue()
        let factory: Factory = { raw in wrap(try S.make(options: raw)) }
        try register(S.identifier, summary: S.summary, defaultOptions: defaults, factory: factory)
    }

    // MARK: - Looking up

    /// The registered identifiers, sorted.
    public var identifiers: [String] { entries.keys.sorted() }

    /// Whether `identifier` is registered.
    public func contains(_ identifier: String) -> Bool { entries[identifier] != nil }

    /// The descriptions of the registered strategies, sorted by identifier.
    public var descriptions: [StrategyDescription] {
        identifiers.compactMap { entries[$0]?.description }
    }

    /// The description of `identifier`.
    /// - Throws: ``DeepArcError/unknownStrategy(kind:name:available:)`` listing the registered identifiers.
    public func description(of identifier: String) throws(DeepArcError) -> StrategyDescription {
        guard let entry = entries[identifier] else {
            throw .unknownStrategy(kind: kind.description, name: identifier, available: identifiers)
        }
        return entry.description
    }

    /// Builds the strategy `identifier` with raw options (`nil` for the defaults).
    /// - Throws: ``DeepArcError/unknownStrategy(kind:name:available:)`` listing the registered
    ///   identifiers; ``DeepArcError/invalidOption(strategy:option:reason:)`` for options the strategy
    ///   rejects (including unknown option names).
    public func make(_ identifier: String, options: ConfigValue? = nil) throws -> Product {
        guard let entry = entries[identifier] else {
            throw DeepArcError.unknownStrategy(kind: kind.description, name: identifier, available: identifiers)
        }
        return try entry.factory(options)
    }

    /// Builds the strategy a configuration names.
    /// - Throws: as ``make(_:options:)``.
    public func make(_ reference: StrategyReference) throws -> Product {
        try make(reference.name, options: reference.options)
    }
}
