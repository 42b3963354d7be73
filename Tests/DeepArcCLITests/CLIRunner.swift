import DeepArcTestKit
import Foundation
import Testing

/// Runs the built `deeparc` executable, which SwiftPM builds into the same directory as the test
/// bundle (the test target depends on the `deeparc` product).
enum CLI {
    /// The runner of the `deeparc` executable SwiftPM built for this package.
    static let runner = ExecutableRunner(named: "deeparc", packageContaining: #filePath)

    /// The executable, or nil when it cannot be found.
    static var executable: URL? { runner.executable }

    /// The folder holding `Package.swift`.
    static var packageRoot: URL { runner.packageRoot }

    /// The shared fixture `../shared/fixtures/<name>` beside the repository.
    static func sharedFixture(_ name: String) -> String {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/\(name)").path
    }

    /// Runs `deeparc arguments…` to completion, capturing stdout and stderr.
    static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        try runner.run(arguments, sourceLocation: sourceLocation)
    }

    /// Whether the registry the executable ships with has the similarity metric `identifier`
    /// (the CKA metrics arrive with the DeepArcCKA pack).
    static func hasSimilarityMetric(_ identifier: String) -> Bool {
        guard let result = try? run(["strategies", "--format", "json"]), result.status == 0,
            let object = try? result.jsonObject(), let metrics = object["similarity"] as? [[String: Any]]
        else { return false }
        return metrics.contains { ($0["identifier"] as? String) == identifier }
    }

    /// Checks the contract for a failure: non-zero exit, nothing on stdout, and on stderr (after any
    /// progress lines) exactly one line, the last, starting `error: ` and containing every fragment.
    static func expectFailure(
        _ result: CommandResult, mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, "exit status 0 for a failing command", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
        let errors = result.errorLines.filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(
            result.errorLines.last?.hasPrefix("error: ") == true, "stderr: \(result.stderr)",
            sourceLocation: sourceLocation)
        let line = errors.first ?? ""
        for fragment in fragments {
            #expect(line.contains(fragment), "'\(fragment)' missing from: \(line)", sourceLocation: sourceLocation)
        }
    }
}
