public import DeepArcCore
public import DeepArcTensor
import Foundation

/// A minimal, careful reader of 2-D floating-point `.npy` files, for test fixtures such as the shared
/// similarity matrix. (The full NPY/NPZ reader lives in DeepArcData, which Core and this kit must not
/// depend on.)
///
/// It accepts format versions 1.0, 2.0 and 3.0, little-endian `float32` (`<f4`) or `float64` (`<f8`),
/// C or Fortran order, and a 2-D shape. Every header field is checked against the file's real size
/// before anything is allocated.
public struct NPYMatrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The entries in row-major order, widened to `Double`.
    public let values: [Double]

    /// Reads the matrix in the file at `path`.
    /// - Throws: `FileError` naming the file when it cannot be read, is not an NPY file, has an
    ///   unsupported dtype, is not 2-D, or its data length does not match its header.
    public init(contentsOf path: String) throws(FileError) {
        let data = try FileIO.read(path)
        try self.init(bytes: [UInt8](data), path: path)
    }

    /// Parses NPY bytes; `path` only names the source in errors.
    /// - Throws: `FileError` as ``init(contentsOf:)``.
    public init(bytes: [UInt8], path: String) throws(FileError) {
        func fail(_ reason: String) -> FileError { FileError(path: path, reason: reason) }

        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not an NPY file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated NPY preamble") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported NPY format version \(major).\(bytes[7])")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw fail("truncated: header says \(headerLength) bytes, \(bytes.count - headerStart) remain")
        }
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)

        guard let descr = Self.quotedValue(of: "descr", in: header) else { throw fail("header has no 'descr'") }
        let itemSize: Int
        switch descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        default: throw fail("unsupported dtype '\(descr)'; expected '<f4' or '<f8'")
        }
        guard let fortran = Self.rawValue(of: "fortran_order", in: header) else {
            throw fail("header has no 'fortran_order'")
        }
        let fortranOrder: Bool
        switch fortran {
        case "True": fortranOrder = true
        case "False": fortranOrder = false
        default: throw fail("'fortran_order' is '\(fortran)', not True or False")
        }
        guard let shapeText = Self.tupleValue(of: "shape", in: header) else { throw fail("header has no 'shape'") }
        let dimensions = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard dimensions.count == 2, let rows = Int(dimensions[0]), let columns = Int(dimensions[1]), rows >= 0,
            columns >= 0
        else {
            throw fail("shape (\(shapeText)) is not a 2-D shape")
        }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        let (byteCount, overflow2) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, !overflow2, byteCount == bytes.count - dataStart else {
            throw fail(
                "data is \(bytes.count - dataStart) bytes but shape (\(rows), \(columns)) of \(descr) needs \(overflow || overflow2 ? "too many" : "\(byteCount)")"
            )
        }

        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { raw in
            values.withUnsafeMutableBufferPointer { out in
                for index in 0..<count {
                    let offset = dataStart + index * itemSize
                    var bits: UInt64 = 0
                    for byte in 0..<itemSize { bits |= UInt64(raw[offset + byte]) << (8 * UInt64(byte)) }
                    let value =
                        itemSize == 4
                        ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
                    // Fortran order stores column after column.
                    let target = fortranOrder ? (index % rows) * columns + index / rows : index
                    out[target] = value
                }
            }
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The matrix as a `SimilarityMatrix`.
    /// - Throws: `DeepArcError/invalidMatrix(reason:)` when it is not square, symmetric and finite.
    public func similarityMatrix(symmetryTolerance: Double = 1e-6) throws(DeepArcError) -> SimilarityMatrix {
        guard rows == columns else { throw .invalidMatrix(reason: "\(rows) × \(columns) is not square") }
        return try SimilarityMatrix(count: rows, values: values, symmetryTolerance: symmetryTolerance)
    }

    // MARK: - Header parsing

    /// The text after `'key':`, skipping spaces.
    private static func afterKey(_ key: String, in header: String) -> Substring? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        return header[range.upperBound...].drop(while: { $0 == " " })
    }

    private static func quotedValue(of key: String, in header: String) -> String? {
        guard let rest = afterKey(key, in: header), let quote = rest.first, quote == "'" || quote == "\"" else {
            return nil
        }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { return nil }
        return String(body[..<end])
    }

    private static func rawValue(of key: String, in header: String) -> String? {
        guard let rest = afterKey(key, in: header) else { return nil }
        let value = rest.prefix(while: { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    private static func tupleValue(of key: String, in header: String) -> String? {
        guard let rest = afterKey(key, in: header), rest.first == "(", let end = rest.firstIndex(of: ")") else {
            return nil
        }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }
}
