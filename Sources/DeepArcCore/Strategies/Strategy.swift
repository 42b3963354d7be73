/// A named, configurable algorithm that DeepArc can look up in a ``StrategyRegistry``.
///
/// Laws:
/// 1. ``identifier`` is lowercase, may contain digits, `.`, `-` and `_`, and is unique within its
///    kind; third parties namespace theirs (`acme.cosine`).
/// 2. `Options` decodes from a *partial* configuration: every field has a default, so `{}` decodes
///    to the defaults (write `init(from:)` with `decodeIfPresent(…) ?? default`: synthesised
///    `Decodable` ignores property defaults).
/// 3. `init(options:)` validates the options and throws ``DeepArcError/invalidOption(strategy:option:reason:)``
///    naming the offending field.
public protocol Strategy: Sendable {
    /// The strategy's configuration; every field has a default.
    associatedtype Options: Codable & Sendable = NoOptions
    /// The registry name, e.g. `cka.linear`.
    static var identifier: String { get }
    /// One line saying what the strategy does (shown by `deeparc strategies`).
    static var summary: String { get }
    /// The options in effect.
    var options: Options { get }
    /// Creates the strategy, validating `options`.
    init(options: Options) throws
}

/// The options type of a strategy that takes none; decodes from `{}` or nothing.
public struct NoOptions: Codable, Sendable, Equatable {
    /// Creates the empty options.
    public init() {}
}
