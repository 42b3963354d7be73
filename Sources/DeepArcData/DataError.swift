public import DeepArcTensor

/// What went wrong while reading, writing or preparing data.
///
/// Every case names the file (or dataset, or operation) and says what is wrong, so that
/// `String(describing:)` is a complete one-line message for a user.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file that cannot be opened, read or written.
    case fileAccess(FileError)
    /// A file that does not start with the bytes its format requires.
    case badMagic(path: String, expected: String, found: String)
    /// A file or stream that ends before what its header promises is complete; `reason` says what
    /// was cut off and how many bytes are missing.
    case truncated(path: String, reason: String)
    /// A file or stream holding more bytes than its header promises (`expected`).
    case trailingBytes(path: String, expected: Int)
    /// A header that cannot be parsed or that describes something impossible
    /// (negative or overflowing dimensions, a bad length field, …).
    case invalidHeader(path: String, reason: String)
    /// A well-formed file using a feature or element type that is not supported.
    case unsupported(path: String, reason: String)
    /// A compressed stream that zlib rejects, or that decompresses to more than allowed.
    case corruptCompression(path: String, reason: String)
    /// A stored CRC-32 that does not match the data (`member` names the archive member, if any).
    case checksumMismatch(path: String, member: String, expected: UInt32, actual: UInt32)
    /// An archive that lacks a required array.
    case missingArray(path: String, name: String, available: [String])
    /// Arrays or values whose shapes or contents do not fit together (image and label counts,
    /// labels outside the class range, a non-integer label, …).
    case invalidContents(path: String, reason: String)
    /// A dataset name that matches none of the accepted forms.
    case unknownDataset(name: String, validForms: [String])
    /// A dataset that cannot be loaded as configured (missing directory, bad option value, …).
    case invalidDataset(name: String, reason: String)
    /// An argument to a data operation that is out of range (a batch size of 0, an index past
    /// the end, a non-positive standard deviation, …).
    case invalidArgument(operation: String, reason: String)

    public var description: String {
        switch self {
        case .fileAccess(let error):
            return error.description
        case .badMagic(let path, let expected, let found):
            return "\(path): not a valid file: expected magic \(expected), found \(found)"
        case .truncated(let path, let reason):
            return "\(path): truncated: \(reason)"
        case .trailingBytes(let path, let expected):
            return "\(path): holds more data than the \(expected) bytes its header promises (trailing bytes)"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid header: \(reason)"
        case .unsupported(let path, let reason):
            return "\(path): unsupported: \(reason)"
        case .corruptCompression(let path, let reason):
            return "\(path): corrupt compressed data: \(reason)"
        case .checksumMismatch(let path, let member, let expected, let actual):
            let what = member.isEmpty ? "" : " of member '\(member)'"
            return "\(path): CRC-32 mismatch\(what): stored \(hex(expected)), computed \(hex(actual))"
        case .missingArray(let path, let name, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "\(path): no array named '\(name)' (arrays: \(list))"
        case .invalidContents(let path, let reason):
            return "\(path): \(reason)"
        case .unknownDataset(let name, let validForms):
            return "unknown dataset '\(name)'; valid forms: \(validForms.joined(separator: ", "))"
        case .invalidDataset(let name, let reason):
            return "dataset '\(name)': \(reason)"
        case .invalidArgument(let operation, let reason):
            return "\(operation): \(reason)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
