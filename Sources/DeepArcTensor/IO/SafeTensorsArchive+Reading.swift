public import Foundation

// MARK: - Reading

extension SafeTensorsArchive {
    /// The largest header accepted, in bytes (the limit of the reference implementation).
    public static let maximumHeaderLength = 100_000_000

    /// Reads the safetensors file at `path`.
    /// - Throws: ``FileError`` naming `path` when the file cannot be read or is not a valid
    ///   safetensors file (see ``init(bytes:path:)`` for what is checked).
    public init(contentsOf path: String) throws(FileError) {
        let bytes = try FileIO.read(path)
        try self.init(bytes: bytes, path: path)
    }

    /// Decodes the bytes of a safetensors file; `path` is only used in error messages.
    ///
    /// Entries come back ordered by their data offsets (the order their data is laid out in the
    /// file); zero-length tensors sharing an offset keep their header order. Every element type
    /// of ``SafeTensorsDType`` is converted to `Float` (see there for the lossy cases).
    ///
    /// - Throws: ``FileError`` naming `path` (and the tensor, where there is one) when: the file is
    ///   shorter than 8 bytes; the header length exceeds the file or
    ///   ``maximumHeaderLength``; the header is not UTF-8 JSON or not an object; an entry lacks
    ///   `dtype`, `shape` or `data_offsets` or has them with the wrong types; the dtype is unknown;
    ///   a dimension is negative or the element count overflows; `data_offsets` is not
    ///   `[begin, end]` with begin ≤ end inside the data buffer; the byte length is not the element
    ///   count times the element size; tensors overlap or leave bytes of the buffer uncovered; a
    ///   name occurs twice; `__metadata__` is not an object of strings.
    ///   Nothing proportional to a header value is allocated before that value has been checked
    ///   against the size of `bytes`.
    public init(bytes: Data, path: String) throws(FileError) {
        let total = bytes.count
        func fail(_ reason: String) -> FileError { FileError(path: path, reason: reason) }

        // MARK: Header length
        guard total >= 8 else {
            throw fail("file is \(total) bytes, shorter than the 8-byte header length that starts a safetensors file")
        }
        let declared = bytes.withUnsafeBytes { raw in UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) }
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw fail(
                "header length \(declared) bytes is larger than the \(Self.maximumHeaderLength)-byte limit "
                    + "(corrupt or not a safetensors file)")
        }
        let headerLength = Int(declared)
        guard headerLength <= total - 8 else {
            throw fail(
                "header length \(headerLength) bytes is larger than the \(total - 8) bytes that follow it "
                    + "(file truncated or not a safetensors file)")
        }
        let dataStart = 8 + headerLength
        let bufferLength = total - dataStart

        // MARK: Header JSON
        let headerBytes = bytes.withUnsafeBytes { raw in [UInt8](raw[8..<dataStart]) }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("header is not valid UTF-8")
        }
        let root: SafeTensorsJSON
        do {
            root = try SafeTensorsJSON.parse(headerBytes)
        } catch {
            throw fail("header is not valid JSON: \(error.message) at header byte \(error.offset)")
        }
        guard case .object(let members) = root else {
            throw fail("header is \(root.kindDescription), not a JSON object")
        }

        var metadata: [String: String]?
        var pending: [PendingEntry] = []
        var seenNames = Set<String>()
        for (key, value) in members {
            if key == Self.metadataKey {
                guard metadata == nil else { throw fail("header has more than one \"\(Self.metadataKey)\" entry") }
                metadata = try Self.decodeMetadata(value, fail: fail)
                continue
            }
            guard seenNames.insert(key).inserted else { throw fail("duplicate tensor name \"\(key)\" in the header") }
            var entry = try Self.decodeEntry(
                value, name: key, bufferLength: bufferLength, fail: { fail("tensor \"\(key)\": \($0)") })
            entry.headerIndex = pending.count
            pending.append(entry)
        }

        // MARK: Layout: the tensors must tile the data buffer exactly.
        pending.sort { ($0.begin, $0.end, $0.headerIndex) < ($1.begin, $1.end, $1.headerIndex) }
        var cursor = 0
        var previous: PendingEntry?
        for entry in pending {
            if entry.begin < cursor, let previous {
                throw fail(
                    "tensor \"\(entry.name)\": data_offsets [\(entry.begin), \(entry.end)] overlap tensor "
                        + "\"\(previous.name)\" at [\(previous.begin), \(previous.end)]")
            }
            if entry.begin > cursor {
                throw fail(
                    "tensor \"\(entry.name)\": data_offsets [\(entry.begin), \(entry.end)] leave a hole: bytes "
                        + "\(cursor)..<\(entry.begin) of the data buffer belong to no tensor")
            }
            cursor = entry.end
            previous = entry
        }
        guard cursor == bufferLength else {
            throw fail(
                "bytes \(cursor)..<\(bufferLength) at the end of the \(bufferLength)-byte data buffer belong to no "
                    + "tensor (the buffer must be fully covered)")
        }

        // MARK: Conversion (sizes are now known to fit inside `bytes`).
        var archive = SafeTensorsArchive(metadata: metadata ?? [:])
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            for entry in pending {
                let tensor = Tensor(shape: entry.shape) { out in
                    guard let target = out.baseAddress else { return }
                    entry.dtype.convert(base + dataStart + entry.begin, count: entry.count, into: target)
                }
                archive.appendValidated(Entry(name: entry.name, tensor: tensor, storedType: entry.dtype))
            }
        }
        self = archive
    }

    // MARK: - Header pieces

    /// A header entry that passed its own checks; its data is converted once the layout is known.
    private struct PendingEntry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var count: Int
        var begin: Int
        var end: Int
        var headerIndex = 0
    }

    private static func decodeMetadata(
        _ value: SafeTensorsJSON, fail: (String) -> FileError
    ) throws(FileError) -> [String: String] {
        guard case .object(let members) = value else {
            throw fail("\"\(metadataKey)\" is \(value.kindDescription), not an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else {
                throw fail("\"\(metadataKey)\" value for key \"\(key)\" is \(value.kindDescription), not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw fail("\"\(metadataKey)\" has the key \"\(key)\" more than once")
            }
        }
        return metadata
    }

    private static func decodeEntry(
        _ value: SafeTensorsJSON, name: String, bufferLength: Int, fail: (String) -> FileError
    ) throws(FileError) -> PendingEntry {
        guard case .object(let fields) = value else {
            throw fail("entry is \(value.kindDescription), not an object with dtype, shape and data_offsets")
        }
        func field(_ key: String) throws(FileError) -> SafeTensorsJSON {
            let matches = fields.filter { $0.key == key }
            guard let match = matches.first else { throw fail("missing field \"\(key)\"") }
            guard matches.count == 1 else { throw fail("field \"\(key)\" occurs more than once") }
            return match.value
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw fail("field \"dtype\" is \(dtypeValue.kindDescription), not a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown or unsupported dtype \"\(dtypeName)\" (supported: \(known))")
        }

        let shapeValue = try field("shape")
        guard case .array(let dimensions) = shapeValue else {
            throw fail("field \"shape\" is \(shapeValue.kindDescription), not an array of integers")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        for (axis, dimension) in dimensions.enumerated() {
            shape.append(try nonNegativeInteger(dimension, what: "shape[\(axis)]", fail: fail))
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(shape) has an element count that overflows") }
            count = product
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue else {
            throw fail("field \"data_offsets\" is \(offsetsValue.kindDescription), not [begin, end]")
        }
        guard offsets.count == 2 else {
            throw fail("field \"data_offsets\" has \(offsets.count) elements, not [begin, end]")
        }
        let begin = try nonNegativeInteger(offsets[0], what: "data_offsets begin", fail: fail)
        let end = try nonNegativeInteger(offsets[1], what: "data_offsets end", fail: fail)
        guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] have begin greater than end") }
        guard end <= bufferLength else {
            throw fail(
                "data_offsets [\(begin), \(end)] extend past the end of the \(bufferLength)-byte data buffer "
                    + "(file truncated?)")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, needed == end - begin else {
            throw fail(
                "data_offsets [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) of \(dtype) needs "
                    + (overflow ? "more than Int.max bytes" : "\(needed) bytes"))
        }
        return PendingEntry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end)
    }

    /// A JSON integer ≥ 0 that fits in `Int`; anything else is an error naming `what`.
    private static func nonNegativeInteger(
        _ value: SafeTensorsJSON, what: String, fail: (String) -> FileError
    ) throws(FileError) -> Int {
        guard case .number(let text) = value else {
            throw fail("\(what) is \(value.kindDescription), not a non-negative integer")
        }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) else {
            throw fail("\(what) is \(text), not an integer")
        }
        guard !text.hasPrefix("-") || digits.allSatisfy({ $0 == "0" }) else {
            throw fail("\(what) is negative (\(text))")
        }
        guard let integer = Int(digits) else { throw fail("\(what) is \(text), which overflows a 64-bit integer") }
        return integer
    }
}

extension SafeTensorsArchive {
    /// Appends an entry whose name is known to be new and not reserved (used by the reader).
    fileprivate mutating func appendValidated(_ entry: Entry) {
        do {
            try append(entry)
        } catch {
            preconditionFailure("SafeTensorsArchive reader produced an invalid entry: \(error)")
        }
    }
}
