import DeepArcCore

/// A coding key for any string, to list the keys a configuration actually contains.
struct AnyOptionKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Shared checks for the metrics' `Options` decoders.
enum OptionKeys {
    /// Throws when the keyed configuration in `decoder` has a key outside `known`, so that a
    /// misspelt option is an error instead of a silently ignored setting.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming the unknown key.
    static func rejectUnknown(in decoder: any Decoder, known: [String], strategy: String) throws {
        let container = try decoder.container(keyedBy: AnyOptionKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw DeepArcError.invalidOption(
                strategy: strategy, option: key.stringValue,
                reason: "unknown option; \(strategy) knows \(known.joined(separator: ", "))")
        }
    }

    /// Throws unless `value` is a positive byte count.
    static func checkMemoryBudget(_ value: Int, strategy: String) throws(DeepArcError) {
        guard value > 0 else {
            throw .invalidOption(
                strategy: strategy, option: "memoryBudget", reason: "must be a positive number of bytes, got \(value)")
        }
    }

    /// Throws unless `value` is a relative tolerance in [0, 1).
    static func checkTolerance(_ value: Double, strategy: String) throws(DeepArcError) {
        guard value.isFinite, value >= 0, value < 1 else {
            throw .invalidOption(
                strategy: strategy, option: "degenerateTolerance", reason: "must be a number in [0, 1), got \(value)")
        }
    }
}
