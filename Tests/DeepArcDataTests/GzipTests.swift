import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("Gzip and CRC-32")
struct GzipTests {
    /// A raw deflate stream holding `bytes` in one final stored block (RFC 1951 §3.2.4), built by hand.
    static func storedDeflate(_ bytes: [UInt8]) -> Data {
        var data = Data([0x01])  // BFINAL = 1, BTYPE = 00
        data.appendLE(UInt16(bytes.count))
        data.appendLE(~UInt16(bytes.count))
        data.append(contentsOf: bytes)
        return data
    }

    /// A gzip member (RFC 1952) around a stored block, with the given CRC-32.
    static func gzipMember(_ bytes: [UInt8], crc: UInt32) -> Data {
        var data = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
        data.append(storedDeflate(bytes))
        data.appendLE(crc)
        data.appendLE(UInt32(bytes.count))
        return data
    }

    static let hello = Array("hello".utf8)
    static let helloCRC: UInt32 = 0x3610_A686

    @Test func crc32MatchesTheStandardCheckValues() {
        #expect(Gzip.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(Gzip.crc32(Data(GzipTests.hello)) == GzipTests.helloCRC)
        #expect(Gzip.crc32(Data()) == 0)
        let whole = Data("123456789".utf8)
        #expect(Gzip.crc32(whole.suffix(5), initial: Gzip.crc32(whole.prefix(4))) == 0xCBF4_3926)
    }

    @Test func inflatesHandBuiltStreams() throws {
        let raw = try Gzip.decompress(
            GzipTests.storedDeflate(GzipTests.hello), format: .rawDeflate, maximumSize: 100, source: "t")
        #expect(Array(raw) == GzipTests.hello)
        let gz = GzipTests.gzipMember(GzipTests.hello, crc: GzipTests.helloCRC)
        #expect(Gzip.isGzip(gz))
        #expect(Array(try Gzip.decompress(gz, maximumSize: 5, source: "t")) == GzipTests.hello)
    }

    @Test func concatenatedGzipMembersAreJoined() throws {
        let bytes = Array("ab".utf8)
        let member = GzipTests.gzipMember(bytes, crc: Gzip.crc32(Data(bytes)))
        let out = try Gzip.decompress(
            member + GzipTests.gzipMember(GzipTests.hello, crc: GzipTests.helloCRC), maximumSize: 100, source: "t")
        #expect(Array(out) == bytes + GzipTests.hello)
    }

    @Test(arguments: Gzip.Format.allCases)
    func roundTripsEveryFormat(format: Gzip.Format) throws {
        var generator = SeededGenerator(seed: 3)
        // Compressible but not trivial: small alphabet.
        let input = Data((0..<50_000).map { _ in UInt8(generator.next() % 7) })
        let packed = try Gzip.compress(input, format: format, level: 6)
        #expect(packed.count < input.count)
        #expect(try Gzip.decompress(packed, format: format, maximumSize: input.count, source: "t") == input)
        let empty = try Gzip.compress(Data(), format: format)
        #expect(try Gzip.decompress(empty, format: format, maximumSize: 0, source: "t").isEmpty)
    }

    @Test func badCRCIsCorrupt() {
        let gz = GzipTests.gzipMember(GzipTests.hello, crc: GzipTests.helloCRC ^ 1)
        #expect(errorKind { try Gzip.decompress(gz, maximumSize: 100, source: "t") } == "corruptCompression")
    }

    @Test func truncatedStreamIsTruncated() throws {
        let packed = try Gzip.compress(Data(repeating: 42, count: 10_000))
        for cut in [3, 12, packed.count / 2, packed.count - 1] {
            let kind = errorKind { try Gzip.decompress(packed.prefix(cut), maximumSize: 20_000, source: "t") }
            #expect(kind == "truncated", "cut at \(cut): \(kind)")
        }
    }

    @Test func garbageAndOversizeAreRejected() throws {
        let notDeflate = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(
            errorKind { try Gzip.decompress(notDeflate, format: .rawDeflate, maximumSize: 10, source: "t") }
                == "corruptCompression")
        let gz = GzipTests.gzipMember(GzipTests.hello, crc: GzipTests.helloCRC)
        #expect(errorKind { try Gzip.decompress(gz, maximumSize: 4, source: "t") } == "corruptCompression")
        #expect(
            errorKind { try Gzip.decompress(gz + Data([1, 2, 3]), maximumSize: 100, source: "t") }
                == "corruptCompression")
        let error = thrownError { try Gzip.decompress(gz, maximumSize: 4, source: "weights.gz") }
        #expect(error?.description.contains("weights.gz") == true)
    }

    @Test func compressionLevelIsValidated() {
        #expect(errorKind { try Gzip.compress(Data([1]), level: 10) } == "invalidArgument")
    }
}
