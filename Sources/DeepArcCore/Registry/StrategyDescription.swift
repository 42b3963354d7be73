/// What `deeparc strategies` lists about one registered strategy.
public struct StrategyDescription: Sendable, Hashable, Codable {
    /// The strategy's kind.
    public var kind: StrategyKind
    /// The registry name, e.g. `greedy`.
    public var identifier: String
    /// One line saying what it does.
    public var summary: String
    /// The default options, e.g. `{"criterion": "mean", "threshold": 0.99}` (`{}` for none).
    public var defaultOptions: ConfigValue

    /// Creates a description.
    public init(kind: StrategyKind, identifier: String, summary: String, defaultOptions: ConfigValue) {
        self.kind = kind
        self.identifier = identifier
        self.summary = summary
        self.defaultOptions = defaultOptions
    }
}
