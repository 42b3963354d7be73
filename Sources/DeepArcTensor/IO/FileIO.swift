public import Foundation

/// Whole-file reading and atomic writing, with errors that name the file.
public enum FileIO {
    /// The bytes of the file at `path`.
    /// - Throws: ``FileError`` when the file does not exist or cannot be read.
    public static func read(_ path: String) throws(FileError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw FileError(path: path, reason: "is a directory, not a file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw FileError(path: path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Writes `data` to `path` atomically: a temporary file in the same directory is written
    /// completely, then renamed over `path`, so readers never see a half-written file and a failed
    /// write leaves any previous file intact.
    /// - Throws: ``FileError`` when the directory does not exist or is not writable.
    public static func writeAtomically(_ data: Data, to path: String) throws(FileError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw FileError(path: path, reason: "directory \(directory.path) does not exist")
        }
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        )
        do {
            try data.write(to: temporary, options: [])
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FileError(path: path, reason: "cannot be written (\(error.localizedDescription))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FileError(path: path, reason: "cannot be replaced (\(reason))")
        }
    }
}
