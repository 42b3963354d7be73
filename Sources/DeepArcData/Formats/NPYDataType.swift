/// The element type of a NumPy array, as named by a `.npy` header's `descr` (`'<f4'`, `'|u1'`, …).
///
/// Values are always held little-endian in memory; a big-endian file is byte-swapped on reading.
public struct NPYDataType: Sendable, Hashable, CustomStringConvertible {
    /// The family of an element type.
    public enum Kind: Sendable, Hashable {
        /// IEEE 754 floating point (`f`).
        case float
        /// Two's-complement signed integer (`i`).
        case signedInteger
        /// Unsigned integer (`u`).
        case unsignedInteger
        /// NumPy's one-byte boolean (`b`).
        case boolean
    }

    /// The family.
    public let kind: Kind
    /// The size of one element in bytes.
    public let byteCount: Int

    /// `'<f4'`: 32-bit float.
    public static let float32 = NPYDataType(kind: .float, byteCount: 4)
    /// `'<f8'`: 64-bit float.
    public static let float64 = NPYDataType(kind: .float, byteCount: 8)
    /// `'|i1'`: 8-bit signed integer.
    public static let int8 = NPYDataType(kind: .signedInteger, byteCount: 1)
    /// `'<i2'`: 16-bit signed integer.
    public static let int16 = NPYDataType(kind: .signedInteger, byteCount: 2)
    /// `'<i4'`: 32-bit signed integer.
    public static let int32 = NPYDataType(kind: .signedInteger, byteCount: 4)
    /// `'<i8'`: 64-bit signed integer.
    public static let int64 = NPYDataType(kind: .signedInteger, byteCount: 8)
    /// `'|u1'`: 8-bit unsigned integer.
    public static let uint8 = NPYDataType(kind: .unsignedInteger, byteCount: 1)
    /// `'<u2'`: 16-bit unsigned integer.
    public static let uint16 = NPYDataType(kind: .unsignedInteger, byteCount: 2)
    /// `'<u4'`: 32-bit unsigned integer.
    public static let uint32 = NPYDataType(kind: .unsignedInteger, byteCount: 4)
    /// `'<u8'`: 64-bit unsigned integer.
    public static let uint64 = NPYDataType(kind: .unsignedInteger, byteCount: 8)
    /// `'|b1'`: boolean.
    public static let bool = NPYDataType(kind: .boolean, byteCount: 1)

    /// Every supported element type.
    public static let allSupported: [NPYDataType] = [
        .float32, .float64, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .bool,
    ]

    private init(kind: Kind, byteCount: Int) {
        self.kind = kind
        self.byteCount = byteCount
    }

    /// The little-endian `descr` string NumPy writes for this type (`'<f4'`, `'|u1'`).
    public var description: String {
        let letter: String
        switch kind {
        case .float: letter = "f"
        case .signedInteger: letter = "i"
        case .unsignedInteger: letter = "u"
        case .boolean: letter = "b"
        }
        return (byteCount == 1 ? "|" : "<") + letter + String(byteCount)
    }

    /// Parses a `descr` string such as `'<f4'`, `'>i8'`, `'|b1'` or `'u1'`.
    /// - Returns: the type and whether the stored bytes are big-endian, or nil when the string is not
    ///   one of the supported types.
    static func parse(_ descr: String) -> (type: NPYDataType, bigEndian: Bool)? {
        var characters = Substring(descr)
        var bigEndian = false
        if let first = characters.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            characters = characters.dropFirst()
        }
        guard let letter = characters.first, let size = Int(characters.dropFirst()) else { return nil }
        let kind: Kind
        switch letter {
        case "f": kind = .float
        case "i": kind = .signedInteger
        case "u": kind = .unsignedInteger
        case "b": kind = .boolean
        default: return nil
        }
        let candidate = NPYDataType(kind: kind, byteCount: size)
        guard allSupported.contains(candidate) else { return nil }
        return (candidate, bigEndian && size > 1)
    }
}
