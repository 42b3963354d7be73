extension Augmentation {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case padding, horizontalFlip
    }

    /// Any key, to find the ones a configuration should not have.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes a possibly partial description (`{padding: 2}`); a missing field takes its default
    /// (padding 0, no flip).
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for an unknown key or a negative padding.
    public init(from decoder: any Decoder) throws {
        let known = CodingKeys.allCases.map(\.rawValue)
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { !known.contains($0) }.sorted()
        if let first = unknown.first {
            throw DataError.invalidArgument(
                operation: "augmentation", reason: "unknown key '\(first)'; valid keys: \(known.joined(separator: ", "))")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let padding = try container.decodeIfPresent(Int.self, forKey: .padding) ?? 0
        guard padding >= 0 else {
            throw DataError.invalidArgument(operation: "augmentation", reason: "padding \(padding) is negative")
        }
        self.init(padding: padding, horizontalFlip: try container.decodeIfPresent(Bool.self, forKey: .horizontalFlip) ?? false)
    }

    /// Encodes both fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(padding, forKey: .padding)
        try container.encode(horizontalFlip, forKey: .horizontalFlip)
    }
}
