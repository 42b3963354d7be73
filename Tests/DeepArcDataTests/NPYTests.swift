import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("NPY reader and writer")
struct NPYTests {
    @Test func writerProducesAlignedVersionOneFiles() throws {
        let tensor = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, -0.5])
        let bytes = NPYArray(tensor: tensor).encoded()
        #expect(Array(bytes.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        // 1.0 as little-endian IEEE 754 single: 00 00 80 3f.
        #expect(Array(bytes[(10 + headerLength)..<(14 + headerLength)]) == [0x00, 0x00, 0x80, 0x3F])
        #expect(bytes.count == 10 + headerLength + 24)
    }

    @Test func roundTripsFloatsAndIntegers() throws {
        let directory = try TemporaryDirectory()
        let tensor = try Tensor(shape: [2, 2, 2], scalars: [0, 1, -1, 2.5, 1e-7, 3e8, -0.0, 7])
        try NPYArray(tensor: tensor).write(to: directory.file("t.npy"))
        let read = try NPYArray.read(from: directory.file("t.npy"))
        #expect(read.dataType == .float32)
        #expect(try read.tensor() == tensor)
        let labels = try NPYArray(integers: [5, -3, 1 << 40], shape: [3])
        let decoded = try NPYArray(decoding: labels.encoded(), source: "t")
        #expect(decoded.dataType == .int64)
        #expect(try decoded.integers() == [5, -3, 1 << 40])
        let scalar = try NPYArray(decoding: NPYArray(tensor: Tensor(scalar: 4)).encoded(), source: "t")
        #expect(scalar.shape == [])
        #expect(scalar.floats() == [4])
        #expect(errorKind { try NPYArray(integers: [1, 2], shape: [3]) } == "invalidArgument")
    }

    @Test func readsEveryRequiredDataTypeFromHandBuiltFiles() throws {
        let f8 = makeNPY(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
            payload: littleEndianBytes([(1.5).bitPattern, (-2.0).bitPattern] as [UInt64]))
        #expect(try NPYArray(decoding: f8, source: "t").floats() == [1.5, -2])
        let u1 = makeNPY(
            header: "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", payload: Data([0, 128, 255]))
        let bytes = try NPYArray(decoding: u1, source: "t")
        #expect(bytes.dataType == .uint8)
        #expect(try bytes.integers() == [0, 128, 255])
        #expect(bytes.floats() == [0, 128, 255])
        let i4 = makeNPY(
            header: "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 1), }",
            payload: littleEndianBytes([Int32(-7), 9]))
        #expect(try NPYArray(decoding: i4, source: "t").integers() == [-7, 9])
        let i8 = makeNPY(
            header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", payload: littleEndianBytes([Int64(-1)])
        )
        #expect(try NPYArray(decoding: i8, source: "t").integers() == [-1])
        let b1 = makeNPY(header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", payload: Data([1, 0, 1]))
        let bools = try NPYArray(decoding: b1, source: "t")
        #expect(bools.dataType == .bool)
        #expect(try bools.integers() == [1, 0, 1])
        #expect(bools.floats() == [1, 0, 1])
        // Big-endian and key order / spacing variations.
        var big = Data()
        for value: Int32 in [1, -2] { big.appendBE(value) }
        let be = makeNPY(header: "{\"shape\":(2,),\"fortran_order\":False,\"descr\":\">i4\"}", payload: big)
        #expect(try NPYArray(decoding: be, source: "t").integers() == [1, -2])
    }

    @Test func readsFormatVersionsTwoAndThree() throws {
        for major: UInt8 in [2, 3] {
            let file = makeNPY(
                header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                payload: float32Bytes([3, 4]), major: major)
            #expect(try NPYArray(decoding: file, source: "t").floats() == [3, 4])
        }
        let version4 = makeNPY(
            header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", payload: float32Bytes([1]), major: 4)
        #expect(errorKind { try NPYArray(decoding: version4, source: "t") } == "unsupported")
    }

    @Test func fortranOrderIsTransposedToCOrder() throws {
        // [[0, 1, 2], [10, 11, 12]] stored column by column.
        let matrix = makeNPY(
            header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
            payload: float32Bytes([0, 10, 1, 11, 2, 12]))
        let read = try NPYArray(decoding: matrix, source: "t")
        #expect(read.shape == [2, 3])
        #expect(read.floats() == [0, 1, 2, 10, 11, 12])
        // Rank 3: element (i, j, k) = 100 i + 10 j + k sits at Fortran offset i + 2 j + 6 k.
        var fortran = [Int32](repeating: 0, count: 24)
        for i in 0..<2 {
            for j in 0..<3 { for k in 0..<4 { fortran[i + 2 * j + 6 * k] = Int32(100 * i + 10 * j + k) } }
        }
        let cube = makeNPY(
            header: "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", payload: littleEndianBytes(fortran)
        )
        var expected: [Int] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected.append(100 * i + 10 * j + k) } } }
        #expect(try NPYArray(decoding: cube, source: "t").integers() == expected)
    }

    @Test func readsNumpyFixtures() throws {
        let fortran = try NPYArray.read(from: fixture("fortran_f8.npy"))
        #expect(fortran.dataType == .float64)
        #expect(fortran.shape == [2, 3])
        #expect(fortran.floats() == [0, 1, 2, 10, 11, 12])
        let big = try NPYArray.read(from: fixture("big_endian_i4.npy"))
        #expect(big.dataType == .int32)
        #expect(try big.integers() == [1, -2, 300_000])
    }

    @Test(arguments: ["<c8", "|O", "<f2", "<U5", "xyz", "<f", "|V8"])
    func unsupportedDataTypesAreRejected(descr: String) {
        let file = makeNPY(
            header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", payload: Data(count: 8))
        #expect(errorKind { try NPYArray(decoding: file, source: "t") } == "unsupported")
    }

    @Test func structuredDataTypesAreRejected() {
        let file = makeNPY(
            header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", payload: Data(count: 4))
        #expect(errorKind { try NPYArray(decoding: file, source: "t") } == "unsupported")
    }

    @Test(arguments: [
        "", "{", "}", "[]", "{'descr': '<f4'}", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) }}", "{'descr' '<f4'}", "{'descr': '<f4", "{1: 2}",
        String(repeating: "(", count: 5000), "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
    ])
    func malformedHeadersAreInvalidHeaders(header: String) {
        let file = makeNPY(header: header, payload: Data(count: 4))
        #expect(
            errorKind { try NPYArray(decoding: file, source: "t") } == "invalidHeader", "header \(header.prefix(60))")
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SeededGenerator(seed: 11)
        let alphabet = Array("{}()[]',:\" TrueFalse0123456789-<f4descrshape".utf8)
        for _ in 0..<500 {
            let length = Int(generator.next() % 80)
            let header = String(
                decoding: (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] },
                as: UTF8.self)
            let kind = errorKind {
                try NPYArray(decoding: makeNPY(header: header, payload: Data(count: 8)), source: "t")
            }
            #expect(kind != "no error" || header.contains("descr"))
            #expect(!kind.hasPrefix("not a DataError"))
        }
        for _ in 0..<200 {
            let length = Int(generator.next() % 64)
            var bytes = Data([0x93]) + Data("NUMPY".utf8)
            bytes.append(contentsOf: (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            #expect(!errorKind { try NPYArray(decoding: bytes, source: "t") }.hasPrefix("not a DataError"))
        }
    }

    @Test func dataLengthIsChecked() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        #expect(
            errorKind { try NPYArray(decoding: makeNPY(header: header, payload: float32Bytes([1, 2])), source: "t") }
                == "truncated")
        #expect(
            errorKind {
                try NPYArray(decoding: makeNPY(header: header, payload: float32Bytes([1, 2, 3, 4])), source: "t")
            } == "trailingBytes")
        var shortHeader = makeNPY(header: header, payload: Data())
        shortHeader = shortHeader.prefix(20)
        #expect(errorKind { try NPYArray(decoding: shortHeader, source: "t") } == "truncated")
        #expect(errorKind { try NPYArray(decoding: Data([0x93, 0x4E]), source: "t") } == "truncated")
        #expect(errorKind { try NPYArray(decoding: Data("not numpy at all".utf8), source: "t") } == "badMagic")
    }

    @Test func nonIntegerLabelsAreRejected() throws {
        let array = NPYArray(tensor: try Tensor(shape: [2], scalars: [1, 1.5]))
        let error = thrownError { try array.integers(source: "labels.npy") }
        #expect(kind(error) == "invalidContents")
        #expect(error?.description.contains("labels.npy") == true)
        #expect(try NPYArray(tensor: try Tensor(shape: [2], scalars: [3, 0])).integers() == [3, 0])
    }
}
