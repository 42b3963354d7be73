import Foundation
import Testing

/// What one run of the `deeparc` executable produced.
struct CommandResult {
    /// The exit status.
    var status: Int32
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String

    /// The non-empty lines of stderr.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// stdout parsed as a JSON object.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(
            value as? [String: Any], "stdout is not a JSON object: \(stdout)", sourceLocation: sourceLocation)
    }
}

/// Runs the built `deeparc` executable, which SwiftPM builds into the same directory as the test
/// bundle (the test target depends on the `deeparc` product).
enum CLI {
    /// The executable, or nil when it cannot be found.
    static let executable: URL? = {
        var directories: [URL] = []
        if let url = Bundle.main.executableURL { directories.append(url.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        let build = packageRoot.appendingPathComponent(".build")
        directories.append(build.appendingPathComponent("debug"))
        directories.append(build.appendingPathComponent("release"))
        for directory in directories {
            let candidate = directory.appendingPathComponent("deeparc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// The folder holding `Package.swift` (found from this source file).
    static let packageRoot: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()

    /// The shared fixture `../shared/fixtures/<name>` beside the repository.
    static func sharedFixture(_ name: String) -> String {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/\(name)").path
    }

    /// Runs `deeparc arguments…` to completion, capturing stdout and stderr (through files, so a large
    /// output cannot fill a pipe and block the child).
    static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let executable = try #require(
            executable, "the deeparc executable was not found", sourceLocation: sourceLocation)
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
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

/// A fresh directory under the system's temporary directory; call ``remove()`` (in a `defer`) when done.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("deeparc-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the directory, sorted.
    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// Deletes the directory and everything in it.
    func remove() { try? FileManager.default.removeItem(at: url) }
}
