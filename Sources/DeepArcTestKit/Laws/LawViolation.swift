import Testing

/// One broken law found by a law checker: which law, and what was observed.
public struct LawViolation: Sendable, Equatable, CustomStringConvertible {
    /// The law, e.g. `symmetry` or `nan-link`.
    public var law: String
    /// What was observed, with the values involved.
    public var detail: String

    /// Creates a violation.
    public init(law: String, detail: String) {
        self.law = law
        self.detail = detail
    }

    /// `law: detail`.
    public var description: String { "\(law): \(detail)" }
}

/// Collects violations and reports each as a Swift Testing issue at the caller's location.
struct LawRecorder {
    let strategy: String
    let sourceLocation: SourceLocation
    private(set) var violations: [LawViolation] = []

    init(strategy: String, sourceLocation: SourceLocation) {
        self.strategy = strategy
        self.sourceLocation = sourceLocation
    }

    mutating func fail(_ law: String, _ detail: String) {
        let violation = LawViolation(law: law, detail: detail)
        violations.append(violation)
        Issue.record(Comment(rawValue: "\(strategy) breaks law \(violation)"), sourceLocation: sourceLocation)
    }
}
