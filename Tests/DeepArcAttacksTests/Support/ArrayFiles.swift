import Foundation
import Testing

/// A minimal, independent reader and writer of `.npz` archives (stored ZIP members holding `.npy`
/// version 1.0 arrays), so the command-line tests check the file format without our own loader.
enum ArrayFiles {
    /// One array: NumPy's type string (`<f4`, `<i8`), its shape and its raw little-endian bytes.
    struct Array: Equatable {
        var descr: String
        var shape: [Int]
        var data: Data

        /// The values of a `<f4` array.
        var floats: [Float] {
            stride(from: 0, to: data.count, by: 4).map { offset in
                Float(bitPattern: data.subdata(in: offset..<(offset + 4)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
            }
        }

        /// The values of a `<i8` array.
        var integers: [Int] {
            stride(from: 0, to: data.count, by: 8).map { offset in
                Int(data.subdata(in: offset..<(offset + 8)).withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
            }
        }

        static func float32(_ values: [Float], shape: [Int]) -> Array {
            var data = Data()
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            return Array(descr: "<f4", shape: shape, data: data)
        }

        static func int64(_ values: [Int]) -> Array {
            var data = Data()
            for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) } }
            return Array(descr: "<i8", shape: [values.count], data: data)
        }
    }

    // MARK: - Writing

    /// Writes `arrays` (name, array) as an `.npz` file of stored members.
    static func write(_ arrays: [(String, Array)], to path: String) throws {
        var archive = Data()
        var directory = Data()
        for (name, array) in arrays {
            let contents = npy(array)
            let fileName = Data((name + ".npy").utf8)
            let crc = crc32(contents)
            let offset = UInt32(archive.count)
            append(&archive, UInt32(0x0403_4b50), UInt16(20), UInt16(0), UInt16(0), UInt16(0), UInt16(0x21), crc)
            append(&archive, UInt32(contents.count), UInt32(contents.count), UInt16(fileName.count), UInt16(0))
            archive.append(fileName)
            archive.append(contents)
            append(&directory, UInt32(0x0201_4b50), UInt16(20), UInt16(20), UInt16(0), UInt16(0), UInt16(0))
            append(&directory, UInt16(0x21), crc, UInt32(contents.count), UInt32(contents.count))
            append(&directory, UInt16(fileName.count), UInt16(0), UInt16(0), UInt16(0), UInt16(0), UInt32(0), offset)
            directory.append(fileName)
        }
        let directoryOffset = UInt32(archive.count)
        archive.append(directory)
        append(&archive, UInt32(0x0605_4b50), UInt16(0), UInt16(0), UInt16(arrays.count), UInt16(arrays.count))
        append(&archive, UInt32(directory.count), directoryOffset, UInt16(0))
        try archive.write(to: URL(fileURLWithPath: path))
    }

    private static func npy(_ array: Array) -> Data {
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(array.descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Swift.Array("NUMPY".utf8) + [1, 0])
        append(&data, UInt16(header.utf8.count))
        data.append(Data(header.utf8))
        data.append(array.data)
        return data
    }

    private static func append(_ data: inout Data, _ values: any FixedWidthInteger...) {
        for value in values {
            switch value {
            case let v as UInt16: withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
            case let v as UInt32: withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
            default: Issue.record("unsupported integer width")
            }
        }
    }

    private static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: - Reading

    /// The arrays of an `.npz` file of stored members, in archive order.
    static func read(_ path: String) throws -> [(name: String, array: Array)] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        var result: [(String, Array)] = []
        var offset = 0
        while offset + 30 <= bytes.count, u32(offset) == 0x0403_4b50 {
            try #require(u16(offset + 8) == 0, "member compressed")
            let size = u32(offset + 18)
            let nameLength = u16(offset + 26)
            let extraLength = u16(offset + 28)
            let name = String(decoding: bytes[(offset + 30)..<(offset + 30 + nameLength)], as: UTF8.self)
            let start = offset + 30 + nameLength + extraLength
            let member = bytes.subdata(in: start..<(start + size))
            try #require(member.prefix(6) == Data([0x93] + Swift.Array("NUMPY".utf8)), "\(name) is not .npy")
            let headerLength = Int(member[8]) | Int(member[9]) << 8
            let header = String(decoding: member[10..<(10 + headerLength)], as: UTF8.self)
            let descr = try #require(header.firstMatch(of: /'descr': '([^']*)'/)?.1)
            let shapeText = try #require(header.firstMatch(of: /'shape': \(([^)]*)\)/)?.1)
            let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            result.append(
                (String(name.dropLast(4)), Array(descr: String(descr), shape: shape, data: member.subdata(in: (10 + headerLength)..<member.count))))
            offset = start + size
        }
        return result
    }
}
