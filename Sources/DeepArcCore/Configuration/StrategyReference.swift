/// A strategy named in a configuration, with its options: `{name: greedy, options: {threshold: 0.99}}`.
///
/// It also decodes from a bare name (`partitioner: dp`), meaning default options.
public struct StrategyReference: Sendable, Hashable, Codable {
    /// The strategy's registry identifier, e.g. `cka.linear`.
    public var name: String
    /// The strategy's options, or nil for its defaults.
    public var options: ConfigValue?

    /// Creates a reference.
    public init(name: String, options: ConfigValue? = nil) {
        self.name = name
        self.options = options
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, options
    }

    /// Decodes `{name: …, options: {…}}` or a bare name.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for a key other than `name` and `options`,
    ///   or a `DecodingError` when `name` is missing or not a string.
    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self.init(name: name)
            return
        }
        try ConfigurationKey.rejectUnknownKeys(
            in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "a strategy reference")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let options = try container.decodeIfPresent(ConfigValue.self, forKey: .options)
        self.init(name: name, options: options.flatMap { $0 == .null ? nil : $0 })
    }

    /// Encodes `{name: …, options: {…}}` (options left out when nil).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(options, forKey: .options)
    }
}
