import DeepArcTestKit

/// The `deeparc` executable SwiftPM built for this package.
enum Deeparc {
    /// Runs `deeparc` (see ``ExecutableRunner``).
    static let runner = ExecutableRunner(named: "deeparc", packageContaining: #filePath)
}
