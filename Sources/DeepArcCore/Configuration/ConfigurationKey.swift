/// A coding key for any string, used to find keys a configuration type does not know.
struct ConfigurationKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }

    /// Throws when `decoder`'s keyed container holds a key outside `known`.
    /// - Parameter place: where the keys are, for the message (`top level`, `model`, …).
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming the unknown key and the valid ones.
    static func rejectUnknownKeys(in decoder: any Decoder, known: [String], place: String) throws {
        let container = try decoder.container(keyedBy: ConfigurationKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let others = unknown.count > 1 ? " (and \(unknown.dropFirst().map { "'\($0)'" }.joined(separator: ", ")))" : ""
        throw DeepArcError.invalidConfiguration(
            reason: "unknown key '\(first)'\(others) in \(place); valid keys: \(known.sorted().joined(separator: ", "))"
        )
    }
}
