public import Foundation

/// A fresh directory under the system's temporary directory; call ``remove()`` (in a `defer`) when done.
///
/// ```swift
/// let scratch = try TemporaryDirectory()
/// defer { scratch.remove() }
/// let out = scratch.path("model.safetensors")
/// ```
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates the directory, named `<prefix>-<UUID>`.
    /// - Throws: the file system's error when it cannot be created.
    public init(prefix: String = "deeparc-tests") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the directory, sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
