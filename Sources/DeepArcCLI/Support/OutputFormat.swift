public import ArgumentParser

/// How a command reports its result on stdout.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Human-readable text.
    case text
    /// One JSON document (for scripts).
    case json
}
