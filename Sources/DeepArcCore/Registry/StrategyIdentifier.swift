/// The naming rules for strategy identifiers.
public enum StrategyIdentifier {
    /// The longest identifier accepted.
    public static let maximumLength = 64

    /// Checks that `name` is a valid identifier: 1 to 64 characters, lowercase ASCII letters, digits,
    /// `.`, `-` and `_`, starting with a letter; dots separate non-empty segments (`cka.linear`,
    /// `acme.cosine`), so no leading, trailing or doubled dot.
    /// - Throws: ``DeepArcError/invalidIdentifier(kind:name:reason:)`` saying which rule `name` breaks.
    public static func validate(_ name: String, kind: StrategyKind) throws(DeepArcError) {
        func fail(_ reason: String) -> DeepArcError {
            .invalidIdentifier(kind: kind.description, name: name, reason: reason)
        }
        guard !name.isEmpty else { throw fail("is empty") }
        guard name.utf8.count <= maximumLength else { throw fail("is longer than \(maximumLength) characters") }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", ".", "-", "_": continue
            case "A"..."Z": throw fail("contains the uppercase letter '\(scalar)'; identifiers are lowercase")
            default: throw fail("contains '\(scalar)'; only a-z, 0-9, '.', '-' and '_' are allowed")
            }
        }
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw fail("must start with a lowercase letter")
        }
        for segment in name.split(separator: ".", omittingEmptySubsequences: false) where segment.isEmpty {
            throw fail("has an empty segment between dots")
        }
    }
}
