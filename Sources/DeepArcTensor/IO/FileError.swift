/// A file that cannot be read or written, or whose contents are not what its format requires.
/// The message names the file and what is wrong.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's path as the user gave it.
    public var path: String
    /// What is wrong, e.g. "truncated: header says 784 bytes, 12 remain".
    public var reason: String

    /// Creates an error for `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
