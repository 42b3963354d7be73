import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("IDX reader")
struct IDXTests {
    static let bytes = Data((0..<12).map { UInt8($0 * 20) })  // 3 × 2 × 2 unsigned bytes
    static var ubyteFile: Data { makeIDX(type: 0x08, dimensions: [3, 2, 2], payload: bytes) }

    static func gzip(_ data: Data) throws -> Data { try Gzip.compress(data) }

    @Test(arguments: [false, true])
    func roundTripsUnsignedBytes(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let file = IDXTests.ubyteFile
        try directory.write(compressed ? IDXTests.gzip(file) : file, to: "images.idx")
        let array = try IDXArray.read(from: directory.file("images.idx"))
        #expect(array.elementType == .uint8)
        #expect(array.shape == [3, 2, 2])
        #expect(try array.integers() == (0..<12).map { $0 * 20 })
        let tensor = array.tensor(dividingBy: 2)
        #expect(tensor.shape == [3, 2, 2])
        #expect(tensor.scalars == (0..<12).map { Float($0 * 10) })
        let firstTwo = array.tensor(limit: 2)
        #expect(firstTwo.shape == [2, 2, 2])
        #expect(firstTwo.scalars == (0..<8).map { Float($0 * 20) })
    }

    @Test func readsBigEndianWideTypes() throws {
        var ints = Data()
        for value: Int32 in [1, -2, 70_000] { ints.appendBE(value) }
        let int32 = try IDXArray(decoding: makeIDX(type: 0x0C, dimensions: [3], payload: ints), source: "t")
        #expect(try int32.integers() == [1, -2, 70_000])
        var floats = Data()
        for value: Float in [0.25, -3.5] { floats.appendBE(value.bitPattern) }
        let float32 = try IDXArray(decoding: makeIDX(type: 0x0D, dimensions: [1, 2], payload: floats), source: "t")
        #expect(float32.tensor().scalars == [0.25, -3.5])
        #expect(errorKind { try float32.integers() } == "invalidContents")
        var shorts = Data()
        for value: Int16 in [-300, 5] { shorts.appendBE(value) }
        let int16 = try IDXArray(decoding: makeIDX(type: 0x0B, dimensions: [2], payload: shorts), source: "t")
        #expect(try int16.integers() == [-300, 5])
    }

    @Test(arguments: [false, true])
    func truncatedFilesAreTruncated(compressed: Bool) throws {
        let file = IDXTests.ubyteFile
        // Cut inside the magic, inside the dimensions, and inside the payload.
        for cut in [2, 9, file.count - 1] {
            let data = compressed ? try IDXTests.gzip(file.prefix(cut)) : file.prefix(cut)
            #expect(errorKind { try IDXArray(decoding: data, source: "t") } == "truncated", "cut at \(cut)")
        }
        // A gzip stream itself cut short.
        let packed = try IDXTests.gzip(file)
        #expect(errorKind { try IDXArray(decoding: packed.prefix(packed.count - 4), source: "t") } == "truncated")
    }

    @Test func wrongMagicIsBadMagic() {
        var file = IDXTests.ubyteFile
        file[0] = 1
        #expect(errorKind { try IDXArray(decoding: file, source: "t") } == "badMagic")
        #expect(errorKind { try IDXArray(decoding: Data("PK\u{03}\u{04}junk".utf8), source: "t") } == "badMagic")
    }

    @Test func unknownTypeAndRankZeroAreRejected() {
        #expect(
            errorKind { try IDXArray(decoding: makeIDX(type: 0x07, dimensions: [1], payload: Data([0])), source: "t") }
                == "unsupported")
        #expect(
            errorKind { try IDXArray(decoding: makeIDX(type: 0x08, dimensions: [], payload: Data([0])), source: "t") }
                == "invalidHeader")
    }

    @Test(arguments: [false, true])
    func overflowingDimensionsAreInvalidHeaders(compressed: Bool) throws {
        // (2^32 - 1)^3 bytes overflows a 64-bit count.
        let file = makeIDX(type: 0x08, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: Data([1, 2]))
        let data = compressed ? try IDXTests.gzip(file) : file
        let error = thrownError { try IDXArray(decoding: data, source: "huge.idx") }
        #expect(kind(error) == "invalidHeader")
        #expect(error?.description.contains("huge.idx") == true)
        // Float64 elements (8 bytes): 2^31 × 2^31 × 8 = 2^65 bytes overflows only through the element size.
        let wide = makeIDX(type: 0x0E, dimensions: [0x8000_0000, 0x8000_0000], payload: Data())
        #expect(errorKind { try IDXArray(decoding: wide, source: "t") } == "invalidHeader")
    }

    @Test(arguments: [false, true])
    func headerPromisingMoreThanTheFileHoldsIsTruncated(compressed: Bool) throws {
        // Claims ~140 TB: must be detected from the real size, never allocated.
        let lying = makeIDX(type: 0x08, dimensions: [0x7FFF_FFFF, 0xFFFF], payload: Data(repeating: 7, count: 100))
        let data = compressed ? try IDXTests.gzip(lying) : lying
        let error = thrownError { try IDXArray(decoding: data, source: "lying.idx") }
        #expect(kind(error) == "truncated")
        #expect(error?.description.contains("lying.idx") == true)
        let modest = makeIDX(type: 0x08, dimensions: [1000, 28, 28], payload: Data(repeating: 7, count: 10))
        #expect(
            errorKind { try IDXArray(decoding: compressed ? try IDXTests.gzip(modest) : modest, source: "t") }
                == "truncated")
    }

    @Test(arguments: [false, true])
    func trailingBytesAreRejected(compressed: Bool) throws {
        let file = IDXTests.ubyteFile + Data([0xAB])
        let data = compressed ? try IDXTests.gzip(file) : file
        #expect(errorKind { try IDXArray(decoding: data, source: "t") } == "trailingBytes")
    }

    @Test func missingFileIsFileAccess() {
        #expect(errorKind { try IDXArray.read(from: "/nonexistent/deeparc/file.idx") } == "fileAccess")
    }
}

@Suite("IDX arrays built in code")
struct IDXArrayInitTests {
    @Test func initializerChecksShapeAndPayload() throws {
        #expect(errorKind { try IDXArray(elementType: .uint8, shape: [], payload: Data([1])) } == "invalidArgument")
        #expect(
            errorKind { try IDXArray(elementType: .uint8, shape: [2], payload: Data([1, 2, 3])) } == "invalidArgument")
        #expect(errorKind { try IDXArray(elementType: .int16, shape: [-1], payload: Data()) } == "invalidArgument")
        let array = try IDXArray(elementType: .int16, shape: [2], payload: Data([0x01, 0x00, 0xFF, 0xFE]))
        #expect(try array.integers() == [256, -2])
    }
}
