import CZlib
public import Foundation

/// gzip, zlib and raw-deflate compression helpers over the system zlib, and CRC-32.
///
/// Decompression always takes a hard cap on the output size (the size a header promises, or a
/// sane maximum) and grows its buffer only as real output arrives, so a lying header or a
/// "zip bomb" cannot make it allocate more than the cap.
///
/// ```swift
/// let packed = try Gzip.compress(Data("hello".utf8))
/// let plain = try Gzip.decompress(packed, maximumSize: 1 << 20, source: "greeting.gz")
/// ```
public enum Gzip {
    /// The container around a deflate stream.
    public enum Format: Sendable, Equatable, CaseIterable {
        /// RFC 1952 gzip: a header, the deflate stream, CRC-32 and length (checked on inflate).
        case gzip
        /// RFC 1950 zlib: a two-byte header, the deflate stream and an Adler-32 check.
        case zlib
        /// RFC 1951 raw deflate without any header or check (as stored in ZIP members).
        case rawDeflate

        /// zlib's `windowBits` argument selecting this container.
        var windowBits: Int32 {
            switch self {
            case .gzip: return 15 + 16
            case .zlib: return 15
            case .rawDeflate: return -15
            }
        }

        /// A short name for messages.
        var name: String {
            switch self {
            case .gzip: return "gzip"
            case .zlib: return "zlib"
            case .rawDeflate: return "deflate"
            }
        }
    }

    // MARK: - Detection

    /// True when `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data.littleEndian(UInt16.self, at: 0) == 0x8B1F
    }

    // MARK: - Decompression

    /// Decompresses a whole stream.
    ///
    /// Concatenated gzip members are decompressed one after another, as `gzip -d` does.
    /// - Parameters:
    ///   - data: the compressed bytes.
    ///   - format: the container (gzip by default).
    ///   - maximumSize: the most output bytes accepted; more is an error.
    ///   - source: the file name used in error messages.
    /// - Throws: ``DataError/truncated(path:reason:)`` for a stream cut short,
    ///   ``DataError/corruptCompression(path:reason:)`` for data zlib rejects (bad CRC included),
    ///   leftover bytes after the stream, or output larger than `maximumSize`.
    public static func decompress(
        _ data: Data, format: Format = .gzip, maximumSize: Int, source: String
    ) throws(DataError) -> Data {
        guard maximumSize >= 0 else {
            throw .invalidArgument(operation: "Gzip.decompress", reason: "maximumSize \(maximumSize) is negative")
        }
        let inflater = try Inflater(data, format: format, source: source)
        let cap = maximumSize == Int.max ? maximumSize : maximumSize + 1
        let output = try inflater.read(upTo: cap)
        guard output.count <= maximumSize else {
            throw .corruptCompression(
                path: source, reason: "decompresses to more than the allowed \(maximumSize) bytes")
        }
        return output
    }

    // MARK: - Compression

    /// Compresses `data`.
    /// - Parameters:
    ///   - data: the bytes to compress.
    ///   - format: the container (gzip by default).
    ///   - level: zlib's compression level, 0 (store) … 9 (smallest); 6 is zlib's default.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for a level outside 0…9 or when
    ///   zlib fails (out of memory).
    public static func compress(_ data: Data, format: Format = .gzip, level: Int = 6) throws(DataError) -> Data {
        guard (0...9).contains(level) else {
            throw .invalidArgument(operation: "Gzip.compress", reason: "level \(level) is outside 0...9")
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let status = deflateInit2_(
            stream, Int32(level), Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw .invalidArgument(operation: "Gzip.compress", reason: "zlib could not start (status \(status))")
        }
        defer { deflateEnd(stream) }

        var output = Data()
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var offset = 0
        var finished = false
        while !finished {
            let (produced, result): (Int, Int32) = data.withUnsafeBytes { raw in
                scratch.withUnsafeMutableBytes { out in
                    let remaining = raw.count - offset
                    let available = UInt32(min(remaining, Int(UInt32.max)))
                    if let base = raw.baseAddress, remaining > 0 {
                        stream.pointee.next_in = UnsafeMutablePointer(
                            mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
                        stream.pointee.avail_in = available
                    } else {
                        stream.pointee.next_in = nil
                        stream.pointee.avail_in = 0
                    }
                    stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = UInt32(out.count)
                    let isLast = remaining <= Int(UInt32.max)
                    let result = deflate(stream, isLast ? Z_FINISH : Z_NO_FLUSH)
                    offset += Int(stream.pointee.next_in == nil ? 0 : available - stream.pointee.avail_in)
                    stream.pointee.next_in = nil
                    stream.pointee.next_out = nil
                    return (out.count - Int(stream.pointee.avail_out), result)
                }
            }
            output.append(contentsOf: scratch[0..<produced])
            switch result {
            case Z_STREAM_END: finished = true
            case Z_OK, Z_BUF_ERROR: continue
            default:
                throw .invalidArgument(operation: "Gzip.compress", reason: "zlib failed (status \(result))")
            }
        }
        return output
    }

    // MARK: - CRC-32

    /// The CRC-32 (ISO-HDLC, as used by gzip and ZIP) of `data`, continuing from `initial`.
    ///
    /// `crc32(b, initial: crc32(a))` equals `crc32(a + b)`.
    public static func crc32(_ data: Data, initial: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { raw in
            var crc = UInt(initial)
            guard var pointer = raw.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return initial }
            var remaining = raw.count
            while remaining > 0 {
                let piece = min(remaining, 1 << 30)
                crc = CZlib.crc32(crc, pointer, UInt32(piece))
                pointer += piece
                remaining -= piece
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
