// MARK: - Decoding options from configuration

extension Strategy {
    /// The default options: `Options` decoded from an empty configuration `{}`.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` when `Options` does not decode
    ///   from `{}`, which breaks law 2 of ``Strategy``.
    public static func defaultOptions() throws -> Options {
        do {
            return try ConfigValue.object([:]).decode(Options.self)
        } catch {
            throw optionError(error, fallbackReason: "the options do not decode from {} (every field needs a default)")
        }
    }

    /// The names of the options: the keys the default options encode to, sorted.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` when the defaults cannot be made.
    public static func optionNames() throws -> [String] {
        let defaults = try ConfigValue(encoding: defaultOptions())
        return defaults.objectKeys ?? []
    }

    /// Decodes `Options` from a configuration value, rejecting unknown keys.
    ///
    /// `nil` and `{}` give the defaults; a partial object fills the missing fields with defaults.
    /// A key that the options do not have (a misspelling such as `threshhold`) is an error naming it
    /// and the valid keys. Unknown keys are checked at the top level of the options only.
    /// The valid keys are those the default options encode to, so `Options` must encode every field.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming the offending option.
    public static func decodeOptions(from raw: ConfigValue?) throws -> Options {
        let raw = raw ?? .object([:])
        if case .null = raw { return try defaultOptions() }
        guard let givenKeys = raw.objectKeys else {
            throw DeepArcError.invalidOption(
                strategy: identifier, option: "options",
                reason: "must be a map of option names to values, got a \(raw.kindName)")
        }
        var validKeys = Set(try optionNames())
        let decoded: Options
        do {
            decoded = try raw.decode(Options.self)
        } catch {
            throw optionError(error, fallbackReason: "cannot be decoded")
        }
        if !Set(givenKeys).isSubset(of: validKeys) {
            // Fields the defaults leave out (optional ones) count when the given options encode them.
            validKeys.formUnion((try? ConfigValue(encoding: decoded))?.objectKeys ?? [])
        }
        if let unknown = givenKeys.first(where: { !validKeys.contains($0) }) {
            let valid =
                validKeys.isEmpty ? "none (this strategy takes no options)" : validKeys.sorted().joined(separator: ", ")
            throw DeepArcError.invalidOption(
                strategy: identifier, option: unknown, reason: "unknown option; valid options: \(valid)")
        }
        return decoded
    }

    /// Creates the strategy from a configuration value: ``decodeOptions(from:)`` then `init(options:)`.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for options that do not decode or
    ///   that `init(options:)` rejects.
    public static func make(options raw: ConfigValue?) throws -> Self {
        try Self(options: decodeOptions(from: raw))
    }

    /// The default options as a configuration value (what `deeparc strategies` shows).
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` when the defaults cannot be made
    ///   or encoded.
    public static func defaultOptionsValue() throws -> ConfigValue {
        do {
            return try ConfigValue(encoding: defaultOptions())
        } catch let error as DeepArcError {
            throw error
        } catch {
            throw DeepArcError.invalidOption(
                strategy: identifier, option: "options", reason: "the defaults cannot be encoded (\(error))")
        }
    }

    /// Turns an error from decoding `Options` into ``DeepArcError/invalidOption(strategy:option:reason:)``
    /// naming the option; a ``DeepArcError`` passes through unchanged.
    private static func optionError(_ error: any Error, fallbackReason: String) -> DeepArcError {
        if let error = error as? DeepArcError { return error }
        guard let error = error as? DecodingError else {
            return .invalidOption(strategy: identifier, option: "options", reason: "\(fallbackReason) (\(error))")
        }
        func path(_ keys: [any CodingKey]) -> String {
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "options" : names.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return .invalidOption(
                strategy: identifier, option: path(context.codingPath), reason: "expected a value of type \(type)")
        case .valueNotFound(let type, let context):
            return .invalidOption(
                strategy: identifier, option: path(context.codingPath), reason: "missing a value of type \(type)")
        case .keyNotFound(let key, let context):
            return .invalidOption(strategy: identifier, option: path(context.codingPath + [key]), reason: "is required")
        case .dataCorrupted(let context):
            return .invalidOption(
                strategy: identifier, option: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .invalidOption(strategy: identifier, option: "options", reason: "\(fallbackReason) (\(error))")
        }
    }
}
