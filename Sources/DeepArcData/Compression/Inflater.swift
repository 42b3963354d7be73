import CZlib
import Foundation

/// Incremental zlib inflation of an in-memory compressed buffer, read in pieces.
///
/// ``read(upTo:)`` returns exactly the number of bytes asked for unless the stream ends first, so
/// a caller can read a header, validate it, and then read a payload with a hard cap (for example
/// the promised size + 1, to detect trailing data) without ever allocating what a lying header
/// claims. Memory grows only with what the stream really produces.
final class Inflater {
    private let input: Data
    private let format: Gzip.Format
    private let source: String
    private let stream: UnsafeMutablePointer<z_stream>
    private var consumed = 0
    private var scratch: [UInt8] = []
    /// True once the compressed stream has ended (and, for gzip, its CRC and length were verified).
    private(set) var isFinished = false

    /// Starts inflating `input`; `source` names the file in error messages.
    init(_ input: Data, format: Gzip.Format, source: String) throws(DataError) {
        self.input = input
        self.format = format
        self.source = source
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, format.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .corruptCompression(path: source, reason: "zlib could not start inflating (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The number of compressed bytes consumed so far.
    var consumedCount: Int { consumed }

    /// Inflates and returns the next `count` bytes, or fewer when the stream ends first.
    /// - Throws: ``DataError/truncated(path:reason:)`` when the input ends before the stream does,
    ///   ``DataError/corruptCompression(path:reason:)`` when zlib rejects the data (including a
    ///   bad gzip CRC or length) or the stream is followed by bytes that are not another gzip member.
    func read(upTo count: Int) throws(DataError) -> Data {
        precondition(count >= 0, "Inflater.read(upTo:) needs a non-negative count")
        var output = Data()
        // Reserve only what the input can plausibly produce: `count` may come from an untrusted
        // header. Beyond this the buffer grows geometrically with the real output.
        output.reserveCapacity(min(count, max(1 << 16, 4 * (input.count - consumed))))
        let chunk = min(max(count, 1), 1 << 18)
        if scratch.count < chunk { scratch = [UInt8](repeating: 0, count: chunk) }
        while output.count < count, !isFinished {
            let want = min(count - output.count, scratch.count)
            let (produced, status) = step(capacity: want)
            if produced > 0 { output.append(contentsOf: scratch[0..<produced]) }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                try streamEnded()
            case Z_BUF_ERROR:
                if consumed >= input.count {
                    throw .truncated(
                        path: source,
                        reason:
                            "the \(format.name) stream ends after \(input.count) compressed bytes, before its end marker"
                    )
                }
                throw .corruptCompression(path: source, reason: "zlib made no progress (buffer error)")
            case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                throw .corruptCompression(path: source, reason: zlibMessage(status))
            case Z_MEM_ERROR:
                throw .corruptCompression(path: source, reason: "zlib ran out of memory")
            default:
                throw .corruptCompression(path: source, reason: "unexpected zlib status \(status)")
            }
        }
        return output
    }

    // MARK: - Private

    /// One call to `inflate` with at most `capacity` bytes of output space.
    private func step(capacity: Int) -> (produced: Int, status: Int32) {
        let stream = self.stream
        let start = consumed
        let result: (Int, Int32, Int) = input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            scratch.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                let remaining = raw.count - start
                let available = UInt32(min(remaining, Int(UInt32.max)))
                if let base = raw.baseAddress, remaining > 0 {
                    stream.pointee.next_in = UnsafeMutablePointer(
                        mutating: (base + start).assumingMemoryBound(to: Bytef.self))
                } else {
                    stream.pointee.next_in = nil
                }
                stream.pointee.avail_in = remaining > 0 ? available : 0
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(capacity)
                let status = inflate(stream, Z_NO_FLUSH)
                let used = Int((remaining > 0 ? available : 0) - stream.pointee.avail_in)
                let produced = capacity - Int(stream.pointee.avail_out)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (produced, status, used)
            }
        }
        consumed += result.2
        return (result.0, result.1)
    }

    /// Handles the end of one compressed stream: a following gzip member is inflated next; any other
    /// leftover input is an error.
    private func streamEnded() throws(DataError) {
        let remaining = input.count - consumed
        guard remaining > 0 else {
            isFinished = true
            return
        }
        if format == .gzip, input.littleEndian(UInt16.self, at: consumed) == 0x8B1F {
            guard inflateReset(stream) == Z_OK else {
                throw .corruptCompression(path: source, reason: "zlib could not start the next gzip member")
            }
            return
        }
        throw .corruptCompression(
            path: source, reason: "\(remaining) unexpected bytes follow the end of the \(format.name) stream")
    }

    private func zlibMessage(_ status: Int32) -> String {
        if let message = stream.pointee.msg { return String(cString: message) }
        return "zlib status \(status)"
    }
}
