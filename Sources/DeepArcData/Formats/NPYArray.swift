public import DeepArcTensor
public import Foundation

/// A NumPy array read from or written to the `.npy` format (versions 1.0, 2.0 and 3.0).
///
/// The elements are held in C (row-major) order, little-endian, whatever the file used: a
/// big-endian file is byte-swapped and a `fortran_order: True` file is transposed on reading.
/// The header dictionary is parsed by a small, total parser; element counts are checked for
/// overflow and against the real data length before anything is allocated.
///
/// ```swift
/// let matrix = try NPYArray.read(from: "similarity.npy")
/// let tensor = try matrix.tensor()               // Float values, matrix.shape
/// try NPYArray(tensor: tensor).write(to: "copy.npy")
/// ```
public struct NPYArray: Sendable, Equatable {
    /// The element type.
    public let dataType: NPYDataType
    /// The dimensions, outermost first (`[]` for a 0-d array holding one element).
    public let shape: [Int]
    /// The elements in C order, little-endian: `count * dataType.byteCount` bytes.
    public let data: Data

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The six bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// The longest header accepted (NumPy itself refuses headers over 10 000 bytes by default).
    static let maximumHeaderLength = 1 << 20

    // MARK: - Creating

    /// Creates an array from raw little-endian C-order element bytes.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` when a dimension is negative, the
    ///   count overflows or `data` has the wrong length.
    public init(dataType: NPYDataType, shape: [Int], data: Data) throws(DataError) {
        let operation = "NPYArray(dataType:shape:data:)"
        guard let bytes = NPYArray.byteCount(shape, dataType) else {
            throw .invalidArgument(operation: operation, reason: "shape \(shape) is negative or too large")
        }
        guard data.count == bytes else {
            throw .invalidArgument(
                operation: operation, reason: "shape \(shape) of \(dataType) needs \(bytes) bytes, got \(data.count)")
        }
        self.dataType = dataType
        self.shape = shape
        self.data = Data(data)
    }

    /// A `'<f4'` array holding the tensor's values and shape.
    public init(tensor: Tensor) {
        dataType = .float32
        shape = tensor.shape
        var bytes = Data(count: tensor.count * 4)
        tensor.withUnsafeBufferPointer { buffer in
            bytes.withUnsafeMutableBytes { raw in
                for (index, value) in buffer.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * index, as: UInt32.self)
                }
            }
        }
        data = bytes
    }

    /// An `'<i8'` array holding `integers` with the given shape (one dimension by default).
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` when the shape does not match the count.
    public init(integers: [Int], shape: [Int]? = nil) throws(DataError) {
        let shape = shape ?? [integers.count]
        guard NPYArray.byteCount(shape, .int64) == integers.count * 8 else {
            throw .invalidArgument(
                operation: "NPYArray(integers:shape:)", reason: "shape \(shape) does not hold \(integers.count) values")
        }
        dataType = .int64
        self.shape = shape
        var bytes = Data(count: integers.count * 8)
        integers.withUnsafeBufferPointer { buffer in
            bytes.withUnsafeMutableBytes { raw in
                for (index, value) in buffer.enumerated() {
                    raw.storeBytes(of: Int64(value).littleEndian, toByteOffset: 8 * index, as: Int64.self)
                }
            }
        }
        data = bytes
    }

    // MARK: - Reading

    /// Reads the `.npy` file at `path`.
    /// - Throws: ``DataError/fileAccess(_:)`` when the file cannot be read, otherwise the errors of
    ///   ``init(decoding:source:)``.
    public static func read(from path: String) throws(DataError) -> NPYArray {
        let bytes: Data
        do { bytes = try FileIO.read(path) } catch { throw .fileAccess(error) }
        return try NPYArray(decoding: bytes, source: path)
    }

    /// Decodes the bytes of a `.npy` file.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - source: the file (or archive member) name for error messages.
    /// - Throws: ``DataError/badMagic(path:expected:found:)`` without the `\x93NUMPY` magic,
    ///   ``DataError/unsupported(path:reason:)`` for an unknown version or element type,
    ///   ``DataError/invalidHeader(path:reason:)`` for a header that does not parse or lacks a key,
    ///   ``DataError/truncated(path:reason:)`` and ``DataError/trailingBytes(path:expected:)`` when
    ///   the data is shorter or longer than the shape requires.
    public init(decoding bytes: Data, source: String) throws(DataError) {
        let prefix = bytes.prefix(6)
        guard prefix.count == 6 || !NPYArray.magic.starts(with: prefix) else {
            throw .truncated(path: source, reason: "the .npy magic needs 6 bytes, the data has \(bytes.count)")
        }
        guard prefix.elementsEqual(NPYArray.magic) else {
            throw .badMagic(path: source, expected: "93 4e 55 4d 50 59 (\\x93NUMPY)", found: bytes.hexPrefix(6))
        }
        guard bytes.count >= 10, let major = bytes.bytes(at: 6, count: 1)?.first,
            let minor = bytes.bytes(at: 7, count: 1)?.first
        else {
            throw .truncated(path: source, reason: "the .npy preamble needs 10 bytes, the data has \(bytes.count)")
        }
        guard (1...3).contains(major), minor == 0 else {
            throw .unsupported(path: source, reason: ".npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let headerStart = major == 1 ? 10 : 12
        let headerLength: Int
        if major == 1 {
            headerLength = Int(bytes.littleEndian(UInt16.self, at: 8) ?? 0)
        } else {
            guard let length = bytes.littleEndian(UInt32.self, at: 8) else {
                throw .truncated(
                    path: source, reason: "the .npy \(major).0 preamble needs 12 bytes, the data has \(bytes.count)")
            }
            headerLength = Int(length)
        }
        guard headerLength <= NPYArray.maximumHeaderLength else {
            throw .invalidHeader(
                path: source, reason: "header length \(headerLength) exceeds \(NPYArray.maximumHeaderLength) bytes")
        }
        guard let headerBytes = bytes.bytes(at: headerStart, count: headerLength) else {
            throw .truncated(
                path: source,
                reason:
                    "the header needs \(headerLength) bytes, only \(max(0, bytes.count - headerStart)) follow the preamble"
            )
        }
        let header = try NPYArray.parseHeader([UInt8](headerBytes), ascii: major < 3, source: source)
        guard let payloadSize = NPYArray.byteCount(header.shape, header.type) else {
            throw .invalidHeader(
                path: source, reason: "shape \(header.shape) multiplies out to more elements than can be addressed")
        }
        let available = bytes.count - headerStart - headerLength
        if available < payloadSize {
            throw .truncated(
                path: source,
                reason:
                    "shape \(header.shape) of \(header.type) needs \(payloadSize) data bytes, the file holds \(available)"
            )
        }
        if available > payloadSize { throw .trailingBytes(path: source, expected: payloadSize) }
        var payload = bytes.bytes(at: headerStart + headerLength, count: payloadSize) ?? Data()
        if header.bigEndian { NPYArray.swapBytes(&payload, width: header.type.byteCount) }
        if header.fortranOrder, header.shape.count > 1, payloadSize > 0 {
            payload = NPYArray.fortranToC(payload, shape: header.shape, width: header.type.byteCount)
        }
        dataType = header.type
        shape = header.shape
        data = payload
    }

    // MARK: - Converting

    /// The elements converted to `Float` (booleans become 0 and 1; wide integers and doubles are rounded).
    public func floats() -> [Float] {
        let total = count
        let type = dataType
        return [Float](unsafeUninitializedCapacity: total) { out, initialized in
            data.withUnsafeBytes { raw in
                switch (type.kind, type.byteCount) {
                case (.float, 4):
                    for index in 0..<total {
                        out[index] = Float(
                            bitPattern: UInt32(
                                littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                    }
                case (.unsignedInteger, 1):
                    for index in 0..<total { out[index] = Float(raw[index]) }
                case (.boolean, _):
                    for index in 0..<total { out[index] = raw[index] == 0 ? 0 : 1 }
                default:
                    for index in 0..<total { out[index] = Float(NPYArray.double(raw, type, index)) }
                }
            }
            initialized = total
        }
    }

    /// The elements as a `Float` tensor of this array's shape.
    /// - Throws: ``DataError/invalidContents(path:reason:)`` (naming `source`) when the shape is not
    ///   a valid tensor shape.
    public func tensor(source: String = "array") throws(DataError) -> Tensor {
        do {
            return try Tensor(shape: shape, scalars: floats())
        } catch {
            throw .invalidContents(path: source, reason: error.description)
        }
    }

    /// The elements as integers (for labels and indices).
    /// - Throws: ``DataError/invalidContents(path:reason:)`` (naming `source`) for a floating-point
    ///   element that is not a finite whole number, or an unsigned value beyond `Int.max`.
    public func integers(source: String = "array") throws(DataError) -> [Int] {
        let total = count
        let type = dataType
        var result = [Int](repeating: 0, count: total)
        var bad: (index: Int, value: String)?
        data.withUnsafeBytes { raw in
            result.withUnsafeMutableBufferPointer { out in
                for index in 0..<total {
                    switch type.kind {
                    case .boolean:
                        out[index] = raw[index] == 0 ? 0 : 1
                    case .signedInteger:
                        out[index] = NPYArray.signed(raw, type.byteCount, index)
                    case .unsignedInteger:
                        let value = NPYArray.unsigned(raw, type.byteCount, index)
                        guard value <= UInt64(Int.max) else {
                            if bad == nil { bad = (index, String(value)) }
                            continue
                        }
                        out[index] = Int(value)
                    case .float:
                        let value = NPYArray.double(raw, type, index)
                        guard value.isFinite, value.rounded() == value, abs(value) < 9.0e15 else {
                            if bad == nil { bad = (index, String(value)) }
                            continue
                        }
                        out[index] = Int(value)
                    }
                }
            }
        }
        if let bad {
            throw .invalidContents(path: source, reason: "element \(bad.index) is \(bad.value), not an integer label")
        }
        return result
    }

    // MARK: - Writing

    /// The `.npy` bytes of this array: format 1.0 (2.0 only if the header would exceed 65 535 bytes),
    /// little-endian `descr`, C order, header padded with spaces so the data starts at a multiple of 64.
    public func encoded() -> Data {
        let dimensions = shape.map(String.init)
        let shapeText = shape.count == 1 ? "(\(dimensions[0]),)" : "(" + dimensions.joined(separator: ", ") + ")"
        let dictionary = "{'descr': '\(dataType)', 'fortran_order': False, 'shape': \(shapeText), }"
        var preamble = 10
        var unpadded = dictionary.utf8.count + 1
        if (preamble + unpadded + 63) / 64 * 64 - preamble > Int(UInt16.max) { preamble = 12 }
        let total = (preamble + unpadded + 63) / 64 * 64
        unpadded = total - preamble
        var result = Data(NPYArray.magic)
        result.append(contentsOf: [preamble == 10 ? 1 : 2, 0])
        if preamble == 10 {
            result.appendLittleEndian(UInt16(unpadded))
        } else {
            result.appendLittleEndian(UInt32(unpadded))
        }
        result.append(contentsOf: Array(dictionary.utf8))
        result.append(contentsOf: [UInt8](repeating: 0x20, count: unpadded - dictionary.utf8.count - 1))
        result.append(0x0A)
        result.append(data)
        return result
    }

    /// Writes the ``encoded()`` bytes to `path` atomically (temporary file, then rename).
    /// - Throws: ``DataError/fileAccess(_:)`` when the file cannot be written.
    public func write(to path: String) throws(DataError) {
        do { try FileIO.writeAtomically(encoded(), to: path) } catch { throw .fileAccess(error) }
    }

    // MARK: - Private

    private struct Header {
        var type: NPYDataType
        var bigEndian: Bool
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// The size in bytes of `shape` elements of `type`, or nil for a negative dimension or overflow.
    static func byteCount(_ shape: [Int], _ type: NPYDataType) -> Int? {
        var product = type.byteCount
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    private static func parseHeader(_ bytes: [UInt8], ascii: Bool, source: String) throws(DataError) -> Header {
        if ascii, let index = bytes.firstIndex(where: { $0 >= 0x80 }) {
            throw .invalidHeader(
                path: source, reason: "non-ASCII byte 0x\(String(bytes[index], radix: 16)) in a version 1/2 header")
        }
        let literal: PythonLiteral
        do { literal = try PythonLiteral.parse(bytes) } catch {
            throw .invalidHeader(path: source, reason: "header dictionary does not parse: \(error.description)")
        }
        guard case .dictionary(let pairs) = literal else {
            throw .invalidHeader(path: source, reason: "header is not a dictionary")
        }
        let known: Set<String> = ["descr", "fortran_order", "shape"]
        for pair in pairs {
            guard case .string(let key) = pair.key, known.contains(key) else {
                throw .invalidHeader(path: source, reason: "unexpected header key \(pair.key.text)")
            }
        }
        guard let descr = literal["descr"], let order = literal["fortran_order"], let shapeValue = literal["shape"]
        else {
            let missing = known.sorted().filter { literal[$0] == nil }
            throw .invalidHeader(path: source, reason: "header lacks \(missing.joined(separator: ", "))")
        }
        guard case .string(let descrText) = descr else {
            throw .unsupported(path: source, reason: "structured dtype \(descr.text) (only plain numeric dtypes)")
        }
        guard let (type, bigEndian) = NPYDataType.parse(descrText) else {
            let supported = NPYDataType.allSupported.map(\.description).joined(separator: ", ")
            throw .unsupported(
                path: source, reason: "dtype '\(descrText)' (supported: \(supported) and their big-endian forms)")
        }
        guard case .boolean(let fortranOrder) = order else {
            throw .invalidHeader(path: source, reason: "fortran_order is \(order.text), not True or False")
        }
        let items: [PythonLiteral]
        switch shapeValue {
        case .tuple(let values), .list(let values): items = values
        case .integer: items = [shapeValue]
        default: throw .invalidHeader(path: source, reason: "shape is \(shapeValue.text), not a tuple of integers")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let dimension) = item, dimension >= 0 else {
                throw .invalidHeader(path: source, reason: "shape entry \(item.text) is not a non-negative integer")
            }
            shape.append(dimension)
        }
        return Header(type: type, bigEndian: bigEndian, fortranOrder: fortranOrder, shape: shape)
    }

    private static func swapBytes(_ payload: inout Data, width: Int) {
        payload.withUnsafeMutableBytes { raw in
            let elements = raw.count / width
            for element in 0..<elements {
                let base = element * width
                for offset in 0..<(width / 2) { raw.swapAt(base + offset, base + width - 1 - offset) }
            }
        }
    }

    /// Reorders a Fortran-order (column-major) payload into C order.
    private static func fortranToC(_ payload: Data, shape: [Int], width: Int) -> Data {
        let rank = shape.count
        var strides = [Int](repeating: width, count: rank)  // Fortran byte strides
        for axis in 1..<rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var result = Data(count: payload.count)
        payload.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                var index = [Int](repeating: 0, count: rank)
                var offset = 0
                let elements = payload.count / width
                for element in 0..<elements {
                    (to + element * width).copyMemory(from: from + offset, byteCount: width)
                    // Advance the C-order multi-index (last axis fastest), tracking the Fortran offset.
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < shape[axis] { break }
                        offset -= strides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }

    private static func signed(_ raw: UnsafeRawBufferPointer, _ width: Int, _ index: Int) -> Int {
        switch width {
        case 1: return Int(Int8(bitPattern: raw[index]))
        case 2: return Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self)))
        case 4: return Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))
        default: return Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self)))
        }
    }

    private static func unsigned(_ raw: UnsafeRawBufferPointer, _ width: Int, _ index: Int) -> UInt64 {
        switch width {
        case 1: return UInt64(raw[index])
        case 2: return UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
        default: return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))
        }
    }

    private static func double(_ raw: UnsafeRawBufferPointer, _ type: NPYDataType, _ index: Int) -> Double {
        switch type.kind {
        case .float:
            if type.byteCount == 4 {
                return Double(
                    Float(
                        bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                )
            }
            return Double(
                bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self)))
        case .signedInteger: return Double(signed(raw, type.byteCount, index))
        case .unsignedInteger: return Double(unsigned(raw, type.byteCount, index))
        case .boolean: return raw[index] == 0 ? 0 : 1
        }
    }
}

extension PythonLiteral {
    /// A short rendering for error messages.
    var text: String {
        switch self {
        case .string(let value): return "'\(value)'"
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return "(" + items.map(\.text).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .dictionary(let pairs):
            return "{" + pairs.map { "\($0.key.text): \($0.value.text)" }.joined(separator: ", ") + "}"
        }
    }
}
