import Foundation

// MARK: - Reading fixed-width integers

extension Data {
    /// The little-endian integer at `offset` bytes past `startIndex`, or nil when it does not fit.
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// The big-endian integer at `offset` bytes past `startIndex`, or nil when it does not fit.
    func bigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
        return withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// The bytes `offset ..< offset + length` as a new `Data` whose indices start at 0, or nil when
    /// the range does not fit.
    func bytes(at offset: Int, count length: Int) -> Data? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        return Data(self[(startIndex + offset)..<(startIndex + offset + length)])
    }

    /// Calls `body` with the raw bytes, passing a typed error through.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DataError) -> R) throws(DataError) -> R {
        var result: Result<R, DataError>?
        withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            do throws(DataError) { result = .success(try body(raw)) } catch { result = .failure(error) }
        }
        switch result {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: preconditionFailure("withUnsafeBytes did not call its body")
        }
    }

    /// A short hexadecimal rendering of the first `limit` bytes, for error messages.
    func hexPrefix(_ limit: Int) -> String {
        let shown = prefix(limit).map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return shown.isEmpty ? "(empty)" : shown.joined(separator: " ")
    }
}

// MARK: - Writing fixed-width integers

extension Data {
    /// Appends `value` in little-endian byte order.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
