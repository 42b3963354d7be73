extension KeyedDecodingContainer {
    /// Decodes an option whose value must name one case of `Choice` (e.g. `criterion: link`);
    /// `nil` when the key is absent, so the caller can fall back to its default.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `strategy`, the key
    ///   and the valid values when the name is not a case; a `DecodingError` for a non-string value.
    public func decodeChoiceIfPresent<Choice: RawRepresentable & CaseIterable>(
        _ type: Choice.Type, forKey key: Key, strategy: String
    ) throws -> Choice? where Choice.RawValue == String {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let choice = Choice(rawValue: name) else {
            throw DeepArcError.invalidOption(
                strategy: strategy, option: key.stringValue,
                reason: "'\(name)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
