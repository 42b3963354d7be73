import DeepArcTensor
public import Foundation

/// A NumPy `.npz` archive: named arrays in a ZIP file, kept in ARCHIVE ORDER.
///
/// The order of the members is meaningful to DeepArc (for activations and weights, archive
/// order = layer order), so ``entries`` preserves the central directory's order and names drop
/// their `.npy` suffix, as `numpy.load` does. Reads archives written by `numpy.savez` (stored)
/// and `numpy.savez_compressed` (deflate), including their Zip64 extra fields; every member's
/// CRC-32 is checked. Writes stored members, atomically.
///
/// ```swift
/// let archive = try NPZArchive.read(from: "activations.npz")
/// for entry in archive.entries { print(entry.name, entry.array.shape) }
/// let out = try NPZArchive(entries: [.init(name: "x", array: NPYArray(tensor: images))])
/// try out.write(to: "x.npz")
/// ```
public struct NPZArchive: Sendable, Equatable {
    /// One named array of an archive.
    public struct Entry: Sendable, Equatable {
        /// The array's name, without the `.npy` suffix of its archive member.
        public var name: String
        /// The array.
        public var array: NPYArray

        /// Creates an entry.
        public init(name: String, array: NPYArray) {
            self.name = name
            self.array = array
        }
    }

    /// The arrays in archive order.
    public private(set) var entries: [Entry]

    /// The array names in archive order.
    public var names: [String] { entries.map(\.name) }

    // MARK: - Creating

    /// Creates an archive holding `entries` in the given order.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for an empty or duplicate name.
    public init(entries: [Entry]) throws(DataError) {
        var seen = Set<String>()
        for entry in entries {
            guard !entry.name.isEmpty else {
                throw .invalidArgument(operation: "NPZArchive(entries:)", reason: "an array has an empty name")
            }
            guard seen.insert(entry.name).inserted else {
                throw .invalidArgument(
                    operation: "NPZArchive(entries:)", reason: "two arrays are named '\(entry.name)'")
            }
        }
        self.entries = entries
    }

    /// Reads the `.npz` file at `path`.
    /// - Throws: ``DataError/fileAccess(_:)`` when the file cannot be read, otherwise the errors of
    ///   ``init(decoding:source:)``.
    public static func read(from path: String) throws(DataError) -> NPZArchive {
        let bytes: Data
        do { bytes = try FileIO.read(path) } catch { throw .fileAccess(error) }
        return try NPZArchive(decoding: bytes, source: path)
    }

    /// Decodes the bytes of an `.npz` archive.
    /// - Parameters:
    ///   - bytes: the whole archive.
    ///   - source: the file name for error messages.
    /// - Throws: ``DataError/badMagic(path:expected:found:)`` for a file that is not a ZIP archive,
    ///   ``DataError/truncated(path:reason:)`` for one cut short, ``DataError/checksumMismatch(path:member:expected:actual:)``
    ///   for a member whose CRC-32 is wrong, ``DataError/unsupported(path:reason:)`` for members that
    ///   are not `.npy` arrays or use other compression, ``DataError/invalidContents(path:reason:)``
    ///   for duplicate names, and the errors of ``NPYArray/init(decoding:source:)`` for each member.
    public init(decoding bytes: Data, source: String) throws(DataError) {
        let archive = try ZipArchive(data: bytes, source: source)
        var entries: [Entry] = []
        var seen = Set<String>()
        for member in archive.members {
            if member.name.hasSuffix("/"), member.uncompressedSize == 0 { continue }  // a directory entry
            guard member.name.hasSuffix(".npy") else {
                throw .unsupported(path: source, reason: "member '\(member.name)' is not a .npy array")
            }
            let name = String(member.name.dropLast(4))
            guard seen.insert(name).inserted else {
                throw .invalidContents(path: source, reason: "the archive holds two arrays named '\(name)'")
            }
            let contents = try archive.contents(of: member)
            let array = try NPYArray(decoding: contents, source: "\(source) (member '\(member.name)')")
            entries.append(Entry(name: name, array: array))
        }
        self.entries = entries
    }

    // MARK: - Looking up

    /// The array named `name`, or nil.
    public subscript(name: String) -> NPYArray? {
        entries.first { $0.name == name }?.array
    }

    /// The array named `name`.
    /// - Throws: ``DataError/missingArray(path:name:available:)`` (naming `source`) when there is none.
    public func array(named name: String, source: String = "archive") throws(DataError) -> NPYArray {
        guard let array = self[name] else { throw .missingArray(path: source, name: name, available: names) }
        return array
    }

    /// Appends an array at the end (the last position in archive order).
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for an empty or duplicate name.
    public mutating func append(_ array: NPYArray, named name: String) throws(DataError) {
        try self = NPZArchive(entries: entries + [Entry(name: name, array: array)])
    }

    // MARK: - Writing

    /// The bytes of a ZIP archive holding each array as a stored (uncompressed) `NAME.npy` member,
    /// in order, with correct CRC-32s.
    /// - Throws: ``DataError/unsupported(path:reason:)`` for an archive over 4 GiB.
    public func encoded() throws(DataError) -> Data {
        let members = entries.map { ZipArchive.NewMember(name: $0.name + ".npy", contents: $0.array.encoded()) }
        return try ZipArchive.encode(members, source: "archive")
    }

    /// Writes the archive to `path` atomically (temporary file, then rename).
    /// - Throws: ``DataError/fileAccess(_:)`` when the file cannot be written.
    public func write(to path: String) throws(DataError) {
        let members = entries.map { ZipArchive.NewMember(name: $0.name + ".npy", contents: $0.array.encoded()) }
        let bytes = try ZipArchive.encode(members, source: path)
        do { try FileIO.writeAtomically(bytes, to: path) } catch { throw .fileAccess(error) }
    }
}
