public import Foundation
public import Testing

/// Finds an executable that SwiftPM built (the `deeparc` tool, or an extension's own) and runs it to
/// completion, for tests that exercise a command line end to end.
///
/// SwiftPM builds executables into the same folder as the test bundle when the test target depends
/// on the product; otherwise the package's `.build/debug` and `.build/release` folders are searched.
///
/// ```swift
/// let runner = ExecutableRunner(named: "deeparc", packageContaining: #filePath)
/// let result = try runner.run(["strategies", "--format", "json"])
/// #expect(result.status == 0)
/// ```
public struct ExecutableRunner: Sendable {
    /// The executable, or nil when it was not found.
    public let executable: URL?
    /// The folder holding the `Package.swift` above the file the runner was made from.
    public let packageRoot: URL

    /// Locates the executable `name`.
    /// - Parameter file: a source file of the package (pass `#filePath`); the package root is the
    ///   nearest folder above it with a `Package.swift`.
    public init(named name: String, packageContaining file: String) {
        var root = URL(fileURLWithPath: file).deletingLastPathComponent()
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root = root.deletingLastPathComponent()
        }
        if root.path == "/" { root = URL(fileURLWithPath: file).deletingLastPathComponent() }
        packageRoot = root
        var directories: [URL] = []
        if let url = Bundle.main.executableURL { directories.append(url.deletingLastPathComponent()) }
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        directories += ["debug", "release"].map { root.appendingPathComponent(".build/\($0)") }
        executable = directories.map { $0.appendingPathComponent(name) }.first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
    }

    /// Runs the executable with `arguments` to completion, with stdin empty, capturing stdout and
    /// stderr through files (so a large output cannot fill a pipe and block the child).
    /// - Throws: records an issue and throws when the executable was not found; the file system's
    ///   or `Process`'s error when it cannot be started.
    public func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let executable = try #require(
            executable, "the executable was not found (build it first)", sourceLocation: sourceLocation)
        let scratch = try TemporaryDirectory(prefix: "deeparc-run")
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
}
