public import DeepArcTensor
public import Foundation

/// An array read from an IDX file (the format of MNIST and Fashion-MNIST), raw or gzip-compressed.
///
/// An IDX file is a 4-byte magic `00 00 TYPE RANK`, `RANK` big-endian `UInt32` dimensions, then
/// the elements in row-major order, big-endian. Reading validates the magic and element type,
/// guards the element count against overflow, and checks that the payload holds exactly the
/// promised number of bytes — before allocating anything of the promised size: a raw file's
/// length is compared with the header first, and a gzip stream is inflated with a cap of the
/// promised size + 1.
///
/// ```swift
/// let labels = try IDXArray.read(from: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
/// labels.shape          // [10000]
/// try labels.integers() // [9, 2, 1, …]
/// ```
public struct IDXArray: Sendable, Equatable {
    /// The element types of the IDX format.
    public enum ElementType: UInt8, Sendable, CaseIterable {
        /// Unsigned byte (`0x08`).
        case uint8 = 0x08
        /// Signed byte (`0x09`).
        case int8 = 0x09
        /// Big-endian 16-bit signed integer (`0x0B`).
        case int16 = 0x0B
        /// Big-endian 32-bit signed integer (`0x0C`).
        case int32 = 0x0C
        /// Big-endian IEEE 754 single precision (`0x0D`).
        case float32 = 0x0D
        /// Big-endian IEEE 754 double precision (`0x0E`).
        case float64 = 0x0E

        /// The size of one element in bytes.
        public var byteCount: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// The type of every element.
    public let elementType: ElementType
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The elements as stored: row-major, big-endian, `count * elementType.byteCount` bytes.
    public let payload: Data

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    // MARK: - Creating

    /// Creates an array from its parts.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` when a dimension is negative, the
    ///   count overflows, the shape is empty (rank 0), or `payload` does not hold exactly `count` elements.
    public init(elementType: ElementType, shape: [Int], payload: Data) throws(DataError) {
        let operation = "IDXArray(elementType:shape:payload:)"
        guard !shape.isEmpty else {
            throw .invalidArgument(operation: operation, reason: "IDX arrays have rank 1 or more")
        }
        guard let bytes = IDXArray.payloadSize(shape, elementType) else {
            throw .invalidArgument(operation: operation, reason: "shape \(shape) is negative or too large")
        }
        guard payload.count == bytes else {
            throw .invalidArgument(
                operation: operation, reason: "shape \(shape) needs \(bytes) payload bytes, got \(payload.count)")
        }
        self.elementType = elementType
        self.shape = shape
        self.payload = Data(payload)
    }

    /// Reads the IDX file at `path`; a file starting with the gzip magic `1f 8b` is decompressed.
    /// - Throws: ``DataError/fileAccess(_:)`` when the file cannot be read, otherwise the errors of
    ///   ``init(decoding:source:)``.
    public static func read(from path: String) throws(DataError) -> IDXArray {
        let data: Data
        do { data = try FileIO.read(path) } catch { throw .fileAccess(error) }
        return try IDXArray(decoding: data, source: path)
    }

    /// Decodes IDX bytes, raw or gzip-compressed (detected by the `1f 8b` magic).
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: the file name for error messages.
    /// - Throws: ``DataError/badMagic(path:expected:found:)`` when the first two bytes are not zero,
    ///   ``DataError/unsupported(path:reason:)`` for an unknown element type,
    ///   ``DataError/invalidHeader(path:reason:)`` for rank 0 or dimensions whose product overflows,
    ///   ``DataError/truncated(path:reason:)`` when the header or payload is cut short,
    ///   ``DataError/trailingBytes(path:expected:)`` when more bytes follow the promised payload, and
    ///   ``DataError/corruptCompression(path:reason:)`` for a damaged gzip stream.
    public init(decoding data: Data, source: String) throws(DataError) {
        if Gzip.isGzip(data) {
            let inflater = try Inflater(data, format: .gzip, source: source)
            self = try IDXArray.decode(source: source) { (count: Int) throws(DataError) -> Data in
                try inflater.read(upTo: count)
            }
        } else {
            var offset = 0
            let total = data.count
            self = try IDXArray.decode(source: source, remaining: total) { (count: Int) -> Data in
                let piece = min(count, total - offset)
                defer { offset += piece }
                return data.bytes(at: offset, count: piece) ?? Data()
            }
        }
    }

    // MARK: - Converting

    /// The elements converted to `Float` and divided by `divisor`, as a tensor of shape
    /// `[min(limit, shape[0])] + shape[1...]` (the first `limit` items only, when given).
    /// - Parameters:
    ///   - divisor: every value is divided by it (255 maps bytes to [0, 1], correctly rounded).
    ///   - limit: the most items of the outermost dimension to convert, or nil for all.
    public func tensor(dividingBy divisor: Float = 1, limit: Int? = nil) -> Tensor {
        var newShape = shape
        let items = max(0, min(limit ?? shape[0], shape[0]))
        newShape[0] = items
        let perItem = shape.dropFirst().reduce(1, *)
        let elements = items * perItem
        let type = elementType
        return Tensor(shape: newShape) { out in
            payload.withUnsafeBytes { raw in
                guard let target = out.baseAddress else { return }
                IDXArray.convert(raw, type, count: elements, divisor: divisor, into: target)
            }
        }
    }

    /// The elements as integers.
    /// - Throws: ``DataError/invalidContents(path:reason:)`` (naming `source`) for a floating-point
    ///   element that is not a finite whole number.
    public func integers(source: String = "IDX array") throws(DataError) -> [Int] {
        let type = elementType
        let total = count
        var result = [Int](repeating: 0, count: total)
        var bad: (index: Int, value: Double)?
        payload.withUnsafeBytes { raw in
            result.withUnsafeMutableBufferPointer { out in
                for index in 0..<total {
                    switch type {
                    case .uint8: out[index] = Int(raw[index])
                    case .int8: out[index] = Int(Int8(bitPattern: raw[index]))
                    case .int16:
                        out[index] = Int(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self)))
                    case .int32:
                        out[index] = Int(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))
                    case .float32, .float64:
                        let value = IDXArray.double(raw, type, index)
                        guard value.isFinite, value.rounded() == value, abs(value) < 9.0e15 else {
                            if bad == nil { bad = (index, value) }
                            continue
                        }
                        out[index] = Int(value)
                    }
                }
            }
        }
        if let bad {
            throw .invalidContents(path: source, reason: "element \(bad.index) is \(bad.value), not an integer")
        }
        return result
    }

    // MARK: - Private

    /// The payload size in bytes of `shape`, or nil when a dimension is negative or it overflows.
    static func payloadSize(_ shape: [Int], _ type: ElementType) -> Int? {
        var product = type.byteCount
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    /// Parses header and payload from a byte source that returns exactly the bytes asked for unless
    /// the data ends. `remaining` is the raw byte count when known (uncompressed input), so that
    /// truncation messages can be exact.
    private static func decode(
        source: String, remaining: Int? = nil, next: (Int) throws(DataError) -> Data
    ) throws(DataError) -> IDXArray {
        let magic = try next(4)
        guard magic.count == 4 else {
            throw .truncated(path: source, reason: "the IDX header needs 4 bytes, the file has \(magic.count)")
        }
        let typeByte = magic[magic.startIndex + 2]
        let rank = Int(magic[magic.startIndex + 3])
        guard magic[magic.startIndex] == 0, magic[magic.startIndex + 1] == 0 else {
            throw .badMagic(path: source, expected: "00 00 <type> <rank> (IDX)", found: magic.hexPrefix(4))
        }
        guard let type = ElementType(rawValue: typeByte) else {
            let supported = ElementType.allCases.map { "0x" + String($0.rawValue, radix: 16) }.joined(separator: ", ")
            throw .unsupported(
                path: source, reason: "IDX element type 0x\(String(typeByte, radix: 16)) (supported: \(supported))")
        }
        guard rank >= 1 else { throw .invalidHeader(path: source, reason: "IDX rank is 0") }
        let dimensionBytes = try next(4 * rank)
        guard dimensionBytes.count == 4 * rank else {
            throw .truncated(
                path: source,
                reason:
                    "the IDX header of rank \(rank) needs \(4 + 4 * rank) bytes, the data has \(4 + dimensionBytes.count)"
            )
        }
        var shape: [Int] = []
        shape.reserveCapacity(rank)
        for axis in 0..<rank {
            shape.append(Int(dimensionBytes.bigEndian(UInt32.self, at: 4 * axis) ?? 0))
        }
        guard let promised = payloadSize(shape, type) else {
            throw .invalidHeader(
                path: source, reason: "dimensions \(shape) multiply out to more elements than can be addressed")
        }
        let headerSize = 4 + 4 * rank
        if let remaining {
            // Raw input: compare with the real length before reading anything of the promised size.
            let available = remaining - headerSize
            if available < promised {
                throw .truncated(
                    path: source,
                    reason: "dimensions \(shape) promise \(promised) payload bytes, the file holds \(available)")
            }
            if available > promised { throw .trailingBytes(path: source, expected: promised) }
        }
        let cap = promised == Int.max ? promised : promised + 1
        let payload = try next(cap)
        if payload.count < promised {
            throw .truncated(
                path: source,
                reason: "dimensions \(shape) promise \(promised) payload bytes, the data holds \(payload.count)")
        }
        if payload.count > promised { throw .trailingBytes(path: source, expected: promised) }
        return IDXArray(checkedType: type, shape: shape, payload: payload)
    }

    private init(checkedType: ElementType, shape: [Int], payload: Data) {
        self.elementType = checkedType
        self.shape = shape
        self.payload = payload
    }

    private static func double(_ raw: UnsafeRawBufferPointer, _ type: ElementType, _ index: Int) -> Double {
        switch type {
        case .uint8: return Double(raw[index])
        case .int8: return Double(Int8(bitPattern: raw[index]))
        case .int16: return Double(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self)))
        case .int32: return Double(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))
        case .float32:
            let bits = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
            return Double(Float(bitPattern: bits))
        case .float64:
            let bits = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))
            return Double(bitPattern: bits)
        }
    }

    private static func convert(
        _ raw: UnsafeRawBufferPointer, _ type: ElementType, count: Int, divisor: Float,
        into target: UnsafeMutablePointer<Float>
    ) {
        switch type {
        case .uint8:
            let bytes = raw.bindMemory(to: UInt8.self)
            for index in 0..<count { target[index] = Float(bytes[index]) / divisor }
        case .float32:
            for index in 0..<count {
                let bits = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
                target[index] = Float(bitPattern: bits) / divisor
            }
        default:
            for index in 0..<count { target[index] = Float(double(raw, type, index)) / divisor }
        }
    }
}
