import DeepArcTensor
import Foundation
import Testing

// MARK: - Helpers

/// Builds the bytes of a safetensors file by the format's definition: the header length as 8
/// little-endian bytes, the header (padded with spaces to a multiple of 8 when `pad` is set),
/// then the data buffer.
private func safetensorsBytes(header: String, data: [UInt8] = [], pad: Bool = true) -> Data {
    var headerBytes = Array(header.utf8)
    while pad && headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
    return Data(littleEndian64(UInt64(headerBytes.count)) + headerBytes + data)
}

private func littleEndian64(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

/// The little-endian IEEE 754 single-precision bytes of `values`.
private func f32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt32($0))) } }
}

/// A header entry as JSON text.
private func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
        + "\"data_offsets\":[\(begin),\(end)]}"
}

/// A fresh empty directory, removed by the caller.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func contents(of directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

private let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

// MARK: - Round trips and layout

@Suite("SafeTensorsArchive round trip and layout")
struct SafeTensorsRoundTripTests {
    static func sampleArchive() throws -> SafeTensorsArchive {
        try SafeTensorsArchive(
            tensors: [
                ("units.0.weight", Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, -0.0, 1e-30])),
                ("units.0.bias", Tensor(shape: [3], scalars: [.infinity, -.infinity, .greatestFiniteMagnitude])),
                ("scalar", Tensor(scalar: 42)),
                ("empty", Tensor(zeros: [0, 4])),
                ("naïve \"quoted\"\n", Tensor(shape: [1, 1, 2], scalars: [.leastNonzeroMagnitude, 7])),
            ],
            metadata: ["architecture": "{\"units\": [1, 2]}", "ünïcode": "välue\t\u{1}", "": "empty key"])
    }

    @Test func roundTripInMemoryKeepsTensorsOrderAndMetadata() throws {
        let archive = try Self.sampleArchive()
        let decoded = try SafeTensorsArchive(bytes: archive.serialized(), path: "memory")
        #expect(decoded == archive)
        #expect(decoded.names == ["units.0.weight", "units.0.bias", "scalar", "empty", "naïve \"quoted\"\n"])
        #expect(decoded.metadata == archive.metadata)
        #expect(decoded["scalar"]?.shape == [])
        #expect(decoded["empty"]?.shape == [0, 4])
        #expect(decoded.entry(named: "units.0.bias")?.storedType == .f32)
        // -0.0 == 0.0 for Float equality: compare bits.
        #expect(
            decoded["units.0.weight"]?.scalars.map(\.bitPattern) == archive["units.0.weight"]?.scalars.map(\.bitPattern)
        )
    }

    @Test func roundTripKeepsNaNPayloadBits() throws {
        let nan = Float(bitPattern: 0x7FC0_1234)
        let archive = try SafeTensorsArchive(tensors: [("n", Tensor(shape: [2], scalars: [nan, -nan]))])
        let decoded = try SafeTensorsArchive(bytes: archive.serialized(), path: "memory")
        #expect(decoded["n"]?.scalars.map(\.bitPattern) == [0x7FC0_1234, 0xFFC0_1234])
    }

    @Test func roundTripThroughFileLeavesOnlyTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.safetensors").path
        let archive = try Self.sampleArchive()
        try archive.write(to: path)
        #expect(try SafeTensorsArchive(contentsOf: path) == archive)
        #expect(try contents(of: directory) == ["model.safetensors"])
    }

    @Test func serializedBytesFollowTheSpec() throws {
        let archive = try SafeTensorsArchive(
            tensors: [("b", Tensor(shape: [2], scalars: [1, -2])), ("a", Tensor(scalar: 0.5))],
            metadata: ["k": "v"])
        let bytes = [UInt8](archive.serialized())
        let header =
            #"{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""a":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}"#
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        #expect(padded.utf8.count % 8 == 0)
        // 1.0 = 0x3F800000, -2.0 = 0xC0000000, 0.5 = 0x3F000000, little-endian.
        let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F]
        #expect(bytes == littleEndian64(UInt64(padded.utf8.count)) + Array(padded.utf8) + data)
    }

    @Test func emptyArchiveSerializesToEmptyObject() throws {
        let bytes = [UInt8](SafeTensorsArchive().serialized())
        #expect(bytes == littleEndian64(8) + Array("{}      ".utf8))
        #expect(try SafeTensorsArchive(bytes: Data(bytes), path: "e").count == 0)
    }

    @Test func serializationIsDeterministic() throws {
        var metadata: [String: String] = [:]
        for index in 0..<20 { metadata["key\(index)"] = "\(index)" }
        let a = try SafeTensorsArchive(tensors: [("x", Tensor(scalar: 1))], metadata: metadata)
        let b = try SafeTensorsArchive(tensors: [("x", Tensor(scalar: 1))], metadata: metadata)
        #expect(a.serialized() == b.serialized())
    }

    @Test func readerOrdersEntriesByDataOffset() throws {
        // Header order c, a, z, b; data order a [0,4), z (empty) at 4, b [4,12), c [12,16).
        let header =
            "{" + entry("c", "F32", [1], 12, 16) + "," + entry("a", "F32", [], 0, 4) + ","
            + entry("z", "F32", [0], 4, 4) + "," + entry("b", "F32", [2], 4, 12) + "}"
        let file = safetensorsBytes(header: header, data: f32Bytes([1, 2, 3, 4]))
        let archive = try SafeTensorsArchive(bytes: file, path: "ordered")
        #expect(archive.names == ["a", "z", "b", "c"])
        #expect(archive["a"]?.scalars == [1])
        #expect(archive["b"]?.scalars == [2, 3])
        #expect(archive["c"]?.scalars == [4])
        #expect(archive["z"]?.shape == [0])
        #expect(archive.metadata.isEmpty)
    }

    @Test func readerAcceptsUnpaddedHeaderWhitespaceAndEscapes() throws {
        let header =
            "\n { \"__metadata__\" : { \"note\" : \"tab\\there \\u00e9 \\ud83d\\ude00 \\/\" } ,\r\n"
            + "\"w\\u0041\" : {\"shape\": [ 1 ], \"data_offsets\": [0, 4], \"dtype\": \"F32\", \"extra\": [null, true]} }"
        let file = safetensorsBytes(header: header, data: f32Bytes([-1.5]), pad: false)
        let archive = try SafeTensorsArchive(bytes: file, path: "spaced")
        #expect(archive.names == ["wA"])
        #expect(archive["wA"]?.scalars == [-1.5])
        #expect(archive.metadata == ["note": "tab\there é 😀 /"])
    }

    @Test func readerHandlesDataSlices() throws {
        // A `Data` slice whose indices do not start at zero.
        let file = safetensorsBytes(header: "{" + entry("w", "F32", [1], 0, 4) + "}", data: f32Bytes([9]))
        let padded = Data([0xAA, 0xBB]) + file
        let slice = padded[2...]
        #expect(try SafeTensorsArchive(bytes: slice, path: "slice")["w"]?.scalars == [9])
    }
}

// MARK: - Element types

@Suite("SafeTensorsArchive element types")
struct SafeTensorsDTypeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var dtype: String
        var bytes: [UInt8]
        var expected: [Float]
        var testDescription: String { dtype }
    }

    static let cases: [Case] = [
        Case(dtype: "F32", bytes: [0, 0, 0x80, 0x3F, 0, 0, 0x20, 0xC1], expected: [1, -10]),
        // 0.1 as a double is 0x3FB999999999999A; -2.5 is 0xC004000000000000.
        Case(
            dtype: "F64", bytes: [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F, 0, 0, 0, 0, 0, 0, 0x04, 0xC0],
            expected: [Float(0.1 as Double), -2.5]),
        // 1e300 (0x7E37E43C8800759C) does not fit in Float: infinity.
        Case(dtype: "F64", bytes: [0x9C, 0x75, 0x00, 0x88, 0x3C, 0xE4, 0x37, 0x7E], expected: [.infinity]),
        // Half: 1, -2, 65504 (largest), 2⁻¹⁴ (smallest normal), 2⁻²⁴ (smallest subnormal), -0, +inf, -inf.
        Case(
            dtype: "F16",
            bytes: [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x00, 0x04, 0x01, 0x00, 0x00, 0x80, 0x00, 0x7C, 0x00, 0xFC],
            expected: [1, -2, 65504, 0x1p-14, 0x1p-24, -0.0, .infinity, -.infinity]),
        // Half subnormal 0x03FF = 1023 · 2⁻²⁴.
        Case(dtype: "F16", bytes: [0xFF, 0x03], expected: [1023 * 0x1p-24]),
        // bfloat16: 1.0 = 0x3F80, -3.0 = 0xC040, 0.15625 = 0x3E20.
        Case(dtype: "BF16", bytes: [0x80, 0x3F, 0x40, 0xC0, 0x20, 0x3E], expected: [1, -3, 0.15625]),
        // -5 and 2⁴⁰ + 1 (rounds to 2⁴⁰ in Float).
        Case(
            dtype: "I64", bytes: [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0, 1, 0, 0],
            expected: [-5, 0x1p40]),
        Case(dtype: "I32", bytes: [0, 0, 0, 0x80, 7, 0, 0, 0], expected: [-2_147_483_648, 7]),
        Case(dtype: "I16", bytes: [0, 0x80, 0xFF, 0x7F], expected: [-32768, 32767]),
        Case(dtype: "I8", bytes: [0x80, 0x7F, 0xFF], expected: [-128, 127, -1]),
        Case(dtype: "U64", bytes: [UInt8](repeating: 0xFF, count: 8), expected: [0x1p64]),
        Case(dtype: "U32", bytes: [0xFF, 0xFF, 0xFF, 0xFF], expected: [0x1p32]),  // 2³² − 1 rounds to 2³² in Float
        Case(dtype: "U16", bytes: [0xFF, 0xFF, 0x01, 0x00], expected: [65535, 1]),
        Case(dtype: "U8", bytes: [0, 255, 17], expected: [0, 255, 17]),
        Case(dtype: "BOOL", bytes: [0, 1, 2], expected: [0, 1, 1]),
    ]

    @Test(arguments: cases)
    func convertsToFloat(_ testCase: Case) throws {
        let count = testCase.expected.count
        let header = "{" + entry("t", testCase.dtype, [count], 0, testCase.bytes.count) + "}"
        let archive = try SafeTensorsArchive(bytes: safetensorsBytes(header: header, data: testCase.bytes), path: "d")
        let values = try #require(archive["t"]).scalars
        #expect(values.map(\.bitPattern) == testCase.expected.map(\.bitPattern), "\(values)")
        #expect(archive.entry(named: "t")?.storedType.rawValue == testCase.dtype)
    }

    @Test func halfNaNStaysNaN() throws {
        let header = "{" + entry("t", "F16", [1], 0, 2) + "}"
        let archive = try SafeTensorsArchive(bytes: safetensorsBytes(header: header, data: [0x00, 0x7E]), path: "d")
        #expect(archive["t"]?.scalars.first?.isNaN == true)
    }

    @Test func byteSizes() {
        let sizes = Dictionary(uniqueKeysWithValues: SafeTensorsDType.allCases.map { ($0.rawValue, $0.byteSize) })
        #expect(
            sizes == [
                "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
            ])
    }
}

// MARK: - Invalid files

@Suite("SafeTensorsArchive rejects invalid files")
struct SafeTensorsValidationTests {
    struct BadFile: Sendable, CustomTestStringConvertible {
        var label: String
        var bytes: Data
        /// Substrings the error's reason must contain.
        var mentions: [String]
        var testDescription: String { label }

        init(_ label: String, _ bytes: Data, _ mentions: String...) {
            self.label = label
            self.bytes = bytes
            self.mentions = mentions
        }

        /// A file whose header is `{` + `body` + `}` and whose buffer is `data`.
        init(_ label: String, body: String, data: [UInt8] = [], _ mentions: String...) {
            self.label = label
            self.bytes = safetensorsBytes(header: "{" + body + "}", data: data)
            self.mentions = mentions
        }
    }

    static let validW = entry("w", "F32", [1], 0, 4)

    static let cases: [BadFile] = [
        // Header length.
        BadFile("empty file", Data(), "0 bytes", "shorter than the 8-byte"),
        BadFile("5-byte file", Data([1, 2, 3, 4, 5]), "5 bytes", "shorter than the 8-byte"),
        BadFile("absurd header length", Data(littleEndian64(200_000_000) + Array("{}".utf8)), "200000000", "limit"),
        BadFile("header length 2^64-1", Data(littleEndian64(.max) + [0x7B, 0x7D]), "limit"),
        BadFile(
            "header longer than file", Data(littleEndian64(1000) + Array("{}      ".utf8)), "1000",
            "larger than the 8 bytes"),
        // Header text.
        BadFile(
            "invalid UTF-8", safetensorsBytes(header: "{\"\u{FFFD}\":1}").replacingFirst(0xEF, with: 0xFF), "UTF-8"),
        BadFile("broken JSON", safetensorsBytes(header: "{\"w\": }"), "not valid JSON"),
        BadFile("trailing garbage", safetensorsBytes(header: "{} x"), "not valid JSON", "after the top-level value"),
        BadFile("NUL padding", Data(littleEndian64(8) + Array("{}".utf8) + [0, 0, 0, 0, 0, 0]), "not valid JSON"),
        BadFile("trailing comma", safetensorsBytes(header: "{" + validW + ",}", data: f32Bytes([1])), "not valid JSON"),
        BadFile("leading zero", safetensorsBytes(header: "{\"w\":{\"shape\":[01]}}"), "not valid JSON", "leading zero"),
        BadFile("lone surrogate", safetensorsBytes(header: "{\"\\ud800\":1}"), "not valid JSON", "surrogate"),
        BadFile("control character in string", safetensorsBytes(header: "{\"a\tb\":1}"), "not valid JSON", "control"),
        BadFile(
            "deep nesting",
            safetensorsBytes(header: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)),
            "not valid JSON", "nesting"),
        BadFile("array header", safetensorsBytes(header: "[1, 2]"), "header is an array, not a JSON object"),
        BadFile("string header", safetensorsBytes(header: "\"hi\""), "not a JSON object"),
        // Entries.
        BadFile("entry not an object", body: "\"w\":3", "tensor \"w\"", "not an object"),
        BadFile(
            "missing dtype", body: "\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}", data: f32Bytes([1]), "tensor \"w\"",
            "missing field \"dtype\""),
        BadFile(
            "missing shape", body: "\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", data: f32Bytes([1]),
            "tensor \"w\"", "missing field \"shape\""),
        BadFile(
            "missing data_offsets", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1]}", data: f32Bytes([1]),
            "tensor \"w\"", "missing field \"data_offsets\""),
        BadFile(
            "dtype not a string", body: "\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}", data: f32Bytes([1]),
            "tensor \"w\"", "\"dtype\" is the number 4, not a string"),
        BadFile(
            "duplicate field", body: "\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}",
            data: f32Bytes([1]), "tensor \"w\"", "\"dtype\" occurs more than once"),
        BadFile(
            "unknown dtype", body: entry("w", "F8_E4M3", [4], 0, 4), data: [1, 2, 3, 4], "tensor \"w\"", "unknown",
            "F8_E4M3"),
        BadFile(
            "lowercase dtype", body: entry("w", "f32", [1], 0, 4), data: f32Bytes([1]), "tensor \"w\"", "unknown",
            "\"f32\""),
        BadFile(
            "shape not an array", body: "\"w\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}",
            data: f32Bytes([1, 2, 3, 4]), "tensor \"w\"", "\"shape\" is the number 4, not an array"),
        BadFile(
            "fractional dimension", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}",
            data: f32Bytes([1]), "tensor \"w\"", "shape[0] is 1.5, not an integer"),
        BadFile(
            "exponent dimension", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}",
            data: f32Bytes([1]), "tensor \"w\"", "not an integer"),
        BadFile(
            "string dimension", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}",
            data: f32Bytes([1]), "tensor \"w\"", "shape[0] is a string"),
        BadFile(
            "negative dimension", body: entry("w", "F32", [2, -1], 0, 4), data: f32Bytes([1]), "tensor \"w\"",
            "shape[1] is negative (-1)"),
        BadFile(
            "dimension beyond Int64",
            body: "\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}",
            data: f32Bytes([1]), "tensor \"w\"", "overflows"),
        BadFile(
            "element count overflows", body: entry("w", "F32", [4_294_967_296, 4_294_967_296], 0, 4),
            data: f32Bytes([1]), "tensor \"w\"", "element count that overflows"),
        BadFile(
            "byte count overflows", body: entry("w", "F64", [1 << 61], 0, 8), data: f32Bytes([1, 2]), "tensor \"w\"",
            "needs more than Int.max bytes"),
        BadFile(
            "huge shape, tiny data", body: entry("w", "F32", [1 << 40], 0, 4), data: f32Bytes([1]), "tensor \"w\"",
            "span 4 bytes", "needs 4398046511104 bytes"),
        // Offsets.
        BadFile(
            "data_offsets too short", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}",
            data: f32Bytes([1]), "tensor \"w\"", "has 1 elements, not [begin, end]"),
        BadFile(
            "data_offsets too long", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}",
            data: f32Bytes([1]), "tensor \"w\"", "has 3 elements, not [begin, end]"),
        BadFile(
            "data_offsets a string", body: "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0,4\"}",
            data: f32Bytes([1]), "tensor \"w\"", "not [begin, end]"),
        BadFile(
            "negative offset", body: entry("w", "F32", [0], -4, 0), "tensor \"w\"", "data_offsets begin is negative"),
        BadFile(
            "begin after end", body: entry("w", "F32", [1], 8, 4), data: f32Bytes([1, 2]), "tensor \"w\"", "[8, 4]",
            "begin greater than end"),
        BadFile(
            "end past buffer", body: entry("w", "F32", [100], 0, 400), data: f32Bytes([1, 2, 3, 4]), "tensor \"w\"",
            "past the end of the 16-byte data buffer"),
        BadFile(
            "length mismatch", body: entry("w", "F32", [2, 2], 0, 12), data: f32Bytes([1, 2, 3]), "tensor \"w\"",
            "span 12 bytes", "needs 16 bytes"),
        BadFile(
            "overlap", body: entry("a", "F32", [2], 0, 8) + "," + entry("b", "F32", [2], 4, 12),
            data: f32Bytes([1, 2, 3]), "tensor \"b\"", "overlap tensor \"a\""),
        BadFile(
            "empty tensor inside another", body: entry("a", "F32", [2], 0, 8) + "," + entry("e", "F32", [0], 4, 4),
            data: f32Bytes([1, 2]), "tensor \"e\"", "overlap"),
        BadFile(
            "same offsets twice", body: entry("a", "F32", [1], 0, 4) + "," + entry("b", "F32", [1], 0, 4),
            data: f32Bytes([1]), "overlap"),
        BadFile(
            "hole between tensors", body: entry("a", "F32", [1], 0, 4) + "," + entry("b", "F32", [1], 8, 12),
            data: f32Bytes([1, 2, 3]), "tensor \"b\"", "hole", "4..<8"),
        BadFile(
            "hole at the start", body: entry("a", "F32", [1], 4, 8), data: f32Bytes([1, 2]), "tensor \"a\"", "hole",
            "0..<4"),
        BadFile("uncovered tail", body: validW, data: f32Bytes([1, 2]), "bytes 4..<8", "belong to no tensor"),
        BadFile("data but no tensors", body: "", data: [1], "bytes 0..<1", "belong to no tensor"),
        BadFile(
            "duplicate names", body: validW + "," + entry("w", "F32", [1], 4, 8), data: f32Bytes([1, 2]),
            "duplicate tensor name \"w\""),
        // Metadata.
        BadFile(
            "metadata not an object", body: "\"__metadata__\":\"x\"", "\"__metadata__\" is a string, not an object"),
        BadFile(
            "metadata value a number", body: "\"__metadata__\":{\"epochs\":3}", "__metadata__", "\"epochs\"",
            "not a string"),
        BadFile(
            "metadata value null", body: "\"__metadata__\":{\"k\":null}", "__metadata__", "\"k\" is null, not a string"),
        BadFile(
            "metadata value nested", body: "\"__metadata__\":{\"k\":{\"a\":\"b\"}}", "\"k\" is an object, not a string"),
        BadFile("duplicate metadata key", body: "\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}", "\"k\" more than once"),
        BadFile(
            "two metadata objects", body: "\"__metadata__\":{},\"__metadata__\":{}", "more than one \"__metadata__\""),
    ]

    @Test(arguments: cases)
    func throwsFileErrorNamingTheProblem(_ bad: BadFile) {
        let path = "bad/\(bad.label).safetensors"
        do {
            let archive = try SafeTensorsArchive(bytes: bad.bytes, path: path)
            Issue.record("expected an error, read \(archive.names)")
        } catch {
            #expect(error.path == path)
            for mention in bad.mentions {
                #expect(error.reason.contains(mention), "reason \"\(error.reason)\" does not mention \"\(mention)\"")
            }
            #expect(error.description.hasPrefix(path + ": "))
        }
    }

    @Test func everyTruncationOfAValidFileIsRejected() throws {
        let archive = try SafeTensorsArchive(
            tensors: [("a", Tensor(shape: [2], scalars: [1, 2])), ("b", Tensor(scalar: 3))], metadata: ["k": "v"])
        let bytes = archive.serialized()
        for length in 0..<bytes.count {
            #expect(throws: FileError.self, "prefix of \(length) bytes") {
                try SafeTensorsArchive(bytes: bytes.prefix(length), path: "t")
            }
        }
        // Corrupting single header bytes must never crash; the result is an error or a valid archive.
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<500 {
            var corrupted = bytes
            let index = Int(generator.next() % UInt64(bytes.count))
            corrupted[index] = UInt8(truncatingIfNeeded: generator.next())
            if let decoded = try? SafeTensorsArchive(bytes: corrupted, path: "c") {
                #expect(decoded.count <= 2)
            }
        }
    }

    @Test func missingFileIsAFileError() {
        #expect(throws: FileError(path: "/nonexistent/x.safetensors", reason: "no such file")) {
            try SafeTensorsArchive(contentsOf: "/nonexistent/x.safetensors")
        }
    }
}

// MARK: - Archive API

@Suite("SafeTensorsArchive building")
struct SafeTensorsArchiveAPITests {
    @Test func appendRejectsDuplicatesAndReservedName() throws {
        var archive = SafeTensorsArchive()
        try archive.append(Tensor(scalar: 1), named: "w")
        #expect(throws: Tensor.Error.self) { try archive.append(Tensor(scalar: 2), named: "w") }
        #expect(throws: Tensor.Error.self) { try archive.append(Tensor(scalar: 2), named: "__metadata__") }
        #expect(throws: Tensor.Error.self) {
            try SafeTensorsArchive(tensors: [("a", Tensor(scalar: 1)), ("a", Tensor(scalar: 2))])
        }
        #expect(archive.names == ["w"])
        #expect(archive["w"]?.scalars == [1])
    }

    @Test func setAndRemoveKeepOrderAndLookup() throws {
        var archive = try SafeTensorsArchive(
            tensors: [("a", Tensor(scalar: 1)), ("b", Tensor(scalar: 2)), ("c", Tensor(scalar: 3))])
        try archive.setTensor(Tensor(scalar: 20), named: "b")
        try archive.setTensor(Tensor(scalar: 4), named: "d")
        #expect(archive.names == ["a", "b", "c", "d"])
        #expect(archive["b"]?.scalars == [20])
        #expect(archive.removeTensor(named: "a")?.scalars == [1])
        #expect(archive.removeTensor(named: "a") == nil)
        #expect(archive.names == ["b", "c", "d"])
        #expect(archive["c"]?.scalars == [3])
        #expect(archive["d"]?.scalars == [4])
        #expect(archive["a"] == nil)
        #expect(archive.count == 3)
    }
}

// MARK: - Atomic writing

@Suite("SafeTensorsArchive atomic writes")
struct SafeTensorsWriteTests {
    @Test func writeToMissingDirectoryFailsAndCreatesNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("missing/model.safetensors").path
        do {
            try SafeTensorsArchive().write(to: path)
            Issue.record("write into a missing directory succeeded")
        } catch {
            #expect(error.path == path)
            #expect(error.reason.contains("does not exist"))
        }
        #expect(try contents(of: directory) == [])
    }

    @Test func overwriteReplacesWholeFileWithoutLeftovers() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.safetensors").path
        let big = try SafeTensorsArchive(tensors: [("w", Tensor(zeros: [100]))])
        let small = try SafeTensorsArchive(tensors: [("v", Tensor(scalar: 1))])
        try big.write(to: path)
        try small.write(to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == small.serialized())
        #expect(try contents(of: directory) == ["m.safetensors"])
    }

    @Test func failedWriteDoesNotClobberExistingFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.safetensors").path
        let original = try SafeTensorsArchive(tensors: [("w", Tensor(shape: [2], scalars: [1, 2]))])
        try original.write(to: path)
        let replacement = try SafeTensorsArchive(tensors: [("w", Tensor(zeros: [3]))])

        // The "directory" of this path is the existing file: the write must fail before touching it.
        #expect(throws: FileError.self) { try replacement.write(to: path + "/inner.safetensors") }
        #expect(try SafeTensorsArchive(contentsOf: path) == original)

        // A path that is an existing non-empty directory cannot be replaced by a file: the rename fails,
        // the directory and its contents survive, and the temporary file is removed.
        let occupied = directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try original.write(to: occupied.appendingPathComponent("keep.safetensors").path)
        #expect(throws: FileError.self) { try replacement.write(to: occupied.path) }
        #expect(
            try SafeTensorsArchive(contentsOf: occupied.appendingPathComponent("keep.safetensors").path) == original)
        #expect(try contents(of: directory) == ["m.safetensors", "occupied"])
        #expect(try contents(of: occupied) == ["keep.safetensors"])
    }
}

// MARK: - Compatibility with Python's safetensors

/// Runs `python3 -c script arguments…` and returns its exit status and output.
private func runPython(_ script: String, _ arguments: [String] = []) -> (status: Int32, output: String, errors: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do {
        try process.run()
    } catch {
        return (-1, "", "cannot start python3: \(error)")
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outputData, as: UTF8.self),
        String(decoding: errorData, as: UTF8.self)
    )
}

/// Whether `python3` with the `safetensors` and `numpy` packages is available.
private let pythonHasSafetensors = runPython("import safetensors.numpy, numpy").status == 0

@Suite("SafeTensorsArchive interoperability")
struct SafeTensorsPythonTests {
    @Test func readsFixtureWrittenByPython() throws {
        let archive = try SafeTensorsArchive(
            contentsOf: fixturesDirectory.appendingPathComponent("python_written.safetensors").path)
        #expect(archive.metadata == ["format": "np", "note": "héllo \"quoted\"\nline"])
        #expect(
            Set(archive.names) == [
                "f32_matrix", "f64_vector", "f16_matrix", "bf16_vector", "i64_vector", "i32_vector", "i16_vector",
                "i8_vector", "u8_vector", "bool_vector", "scalar", "empty",
            ])
        func values(_ name: String) -> [Float] { archive[name]?.scalars ?? [] }
        #expect(archive["f32_matrix"]?.shape == [2, 3])
        #expect(values("f32_matrix") == [-1, -0.75, -0.5, -0.25, 0, 0.25])
        #expect(values("f64_vector") == [Float(0.1 as Double), -2.5, .infinity])
        #expect(archive["f16_matrix"]?.shape == [2, 3])
        #expect(values("f16_matrix") == [1, -2, 0.5, 65504, 0x1p-24, .infinity])
        #expect(values("bf16_vector") == [1, -3, 0.15625])
        #expect(values("i64_vector") == [-5, 0x1p40, 16_777_216])  // 2⁴⁰+1 and 2²⁴+1 round
        #expect(values("i32_vector") == [-2_147_483_648, 7])
        #expect(values("i16_vector") == [-32768, 32767])
        #expect(values("i8_vector") == [-128, 127])
        #expect(values("u8_vector") == [0, 255])
        #expect(values("bool_vector") == [1, 0, 1])
        #expect(archive["scalar"]?.shape == [])
        #expect(values("scalar") == [3.5])
        #expect(archive["empty"]?.shape == [0, 3])
        #expect(archive.entry(named: "bf16_vector")?.storedType == .bf16)
        #expect(archive.entry(named: "bool_vector")?.storedType == .bool)
    }

    static let pythonRoundTrip = #"""
        import sys
        import numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file, save_file

        swift_path, python_path = sys.argv[1], sys.argv[2]
        loaded = load_file(swift_path)
        expected = {
            "weights": np.arange(12, dtype=np.float32).reshape(3, 4) * np.float32(0.5) - np.float32(2),
            "bias": np.array([0.1, -0.0, 65536.5, -3.25], dtype=np.float32),
            "scalar": np.array(42, dtype=np.float32),
            "empty": np.zeros((0, 2), dtype=np.float32),
        }
        assert sorted(loaded) == sorted(expected), sorted(loaded)
        for name, want in expected.items():
            got = loaded[name]
            assert got.dtype == np.float32, (name, got.dtype)
            assert got.shape == want.shape, (name, got.shape)
            assert got.tobytes() == want.tobytes(), (name, got, want)
        with safe_open(swift_path, framework="np") as f:
            meta = f.metadata()
        assert meta == {"arch": '{"units": [1, 2]}', "\u00fcn\u00efcode": 'v\u00e4lue "q"\n'}, meta
        save_file(
            {
                "x": np.arange(6, dtype=np.float64).reshape(2, 3) / 8,
                "y": np.array([-3, 4], dtype=np.int32),
                "z": np.array([0.5, -1.5], dtype=np.float16),
            },
            python_path,
            metadata={"from": "python"},
        )
        print("OK")
        """#

    @Test(
        .enabled(if: pythonHasSafetensors, "needs python3 with safetensors and numpy (pip install safetensors numpy)"))
    func roundTripsThroughPython() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let swiftPath = directory.appendingPathComponent("from-swift.safetensors").path
        let pythonPath = directory.appendingPathComponent("from-python.safetensors").path
        let archive = try SafeTensorsArchive(
            tensors: [
                ("weights", Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0) * 0.5 - 2 })),
                ("bias", Tensor(shape: [4], scalars: [0.1, -0.0, 65536.5, -3.25])),
                ("scalar", Tensor(scalar: 42)),
                ("empty", Tensor(zeros: [0, 2])),
            ],
            metadata: ["arch": "{\"units\": [1, 2]}", "ünïcode": "välue \"q\"\n"])
        try archive.write(to: swiftPath)

        let result = runPython(Self.pythonRoundTrip, [swiftPath, pythonPath])
        #expect(result.status == 0, "python failed: \(result.errors)")
        #expect(result.output == "OK\n")

        let fromPython = try SafeTensorsArchive(contentsOf: pythonPath)
        #expect(fromPython.metadata == ["from": "python"])
        #expect(fromPython["x"]?.shape == [2, 3])
        #expect(fromPython["x"]?.scalars == [0, 0.125, 0.25, 0.375, 0.5, 0.625])
        #expect(fromPython.entry(named: "x")?.storedType == .f64)
        #expect(fromPython["y"]?.scalars == [-3, 4])
        #expect(fromPython.entry(named: "y")?.storedType == .i32)
        #expect(fromPython["z"]?.scalars == [0.5, -1.5])
        #expect(fromPython.entry(named: "z")?.storedType == .f16)
    }
}

// MARK: -

extension Data {
    /// A copy with the first occurrence of `byte` replaced by `replacement`.
    fileprivate func replacingFirst(_ byte: UInt8, with replacement: UInt8) -> Data {
        var copy = self
        if let index = copy.firstIndex(of: byte) { copy[index] = replacement }
        return copy
    }
}
