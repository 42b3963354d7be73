import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("NPZ (ZIP) reader and writer")
struct NPZTests {
    /// Checks the contents the fixture generator wrote (see Fixtures/README.md): `zeta` =
    /// arange(24)/4 as float32 [2,3,4], `alpha` = [3,-1,7] int64, `mid` = [[T,F],[F,T]] bool, in
    /// that (non-alphabetical) archive order.
    static func checkFixture(_ archive: NPZArchive) throws {
        #expect(archive.names == ["zeta", "alpha", "mid"])
        let zeta = try archive.array(named: "zeta")
        #expect(zeta.dataType == .float32)
        #expect(zeta.shape == [2, 3, 4])
        #expect(zeta.floats() == (0..<24).map { Float($0) / 4 })
        let alpha = try archive.array(named: "alpha")
        #expect(alpha.dataType == .int64)
        #expect(try alpha.integers() == [3, -1, 7])
        let mid = try archive.array(named: "mid")
        #expect(mid.dataType == .bool)
        #expect(mid.shape == [2, 2])
        #expect(try mid.integers() == [1, 0, 0, 1])
    }

    @Test(arguments: ["savez.npz", "savez_compressed.npz"])
    func readsNumpyArchivesInArchiveOrder(file: String) throws {
        try NPZTests.checkFixture(try NPZArchive.read(from: fixture(file)))
    }

    @Test func roundTripsThroughTheWriter() throws {
        let directory = try TemporaryDirectory()
        let weights = try Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        let archive = try NPZArchive(entries: [
            .init(name: "units.2.weight", array: NPYArray(tensor: weights)),
            .init(name: "units.0.weight", array: NPYArray(tensor: Tensor(scalar: -1))),
            .init(name: "labels", array: try NPYArray(integers: [0, 9])),
        ])
        try archive.write(to: directory.file("w.npz"))
        let read = try NPZArchive.read(from: directory.file("w.npz"))
        #expect(read == archive)
        #expect(read.names == ["units.2.weight", "units.0.weight", "labels"])
        #expect(try read.array(named: "units.2.weight").tensor() == weights)
        // No temporary file is left behind by the atomic write.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["w.npz"])
    }

    @Test func writerStoresMembersWithCorrectCRCs() throws {
        let array = try NPYArray(integers: [1, 2, 3])
        let bytes = try NPZArchive(entries: [.init(name: "a", array: array)]).encoded()
        // Local header: signature, version, flags, method 0 (stored), CRC at offset 14 computed independently.
        #expect(bytes.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
        #expect(bytes[8] == 0 && bytes[9] == 0)
        let member = array.encoded()
        let crc = UInt32(bytes[14]) | UInt32(bytes[15]) << 8 | UInt32(bytes[16]) << 16 | UInt32(bytes[17]) << 24
        #expect(crc == Gzip.crc32(member))
        #expect(String(decoding: bytes[30..<35], as: UTF8.self) == "a.npy")
        #expect(bytes[35..<(35 + member.count)] == member)
    }

    @Test func corruptCRCIsDetected() throws {
        var bytes = try NPZArchive(entries: [.init(name: "a", array: try NPYArray(integers: [1, 2, 3]))]).encoded()
        bytes[35 + 130] ^= 0x01  // a byte of the stored member's data
        let error = thrownError { try NPZArchive(decoding: bytes, source: "w.npz") }
        guard case .checksumMismatch(let path, let member, _, _)? = error else {
            Issue.record("expected a checksum mismatch, got \(kind(error))")
            return
        }
        #expect(path == "w.npz")
        #expect(member == "a.npy")
    }

    @Test func truncatedArchivesAreTruncated() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("savez.npz")))
        for cut in [3, 100, bytes.count / 2, bytes.count - 1] {
            #expect(
                errorKind { try NPZArchive(decoding: bytes.prefix(cut), source: "t") } == "truncated", "cut at \(cut)")
        }
        let compressed = try Data(contentsOf: URL(fileURLWithPath: fixture("savez_compressed.npz")))
        #expect(
            errorKind { try NPZArchive(decoding: compressed.prefix(compressed.count - 30), source: "t") } == "truncated"
        )
    }

    @Test func notAZipIsBadMagic() {
        #expect(
            errorKind { try NPZArchive(decoding: Data("hello, world, this is text".utf8), source: "t") } == "badMagic")
        #expect(errorKind { try NPZArchive.read(from: "/nonexistent/x.npz") } == "fileAccess")
    }

    @Test func badDataTypeInsideAnArchiveIsUnsupported() throws {
        let member = makeNPY(
            header: "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", payload: Data(count: 16))
        let zip = HandZip.archive([.init(name: "z.npy", contents: member)])
        #expect(errorKind { try NPZArchive(decoding: zip, source: "t") } == "unsupported")
        let text = HandZip.archive([.init(name: "notes.txt", contents: Data("hi".utf8))])
        #expect(errorKind { try NPZArchive(decoding: text, source: "t") } == "unsupported")
    }

    @Test func readsDeflatedZip64MembersBuiltByHand() throws {
        let first = NPYArray(tensor: try Tensor(shape: [4], scalars: [1, 2, 3, 4])).encoded()
        let second = try NPYArray(integers: [7]).encoded()
        let zip = HandZip.archive(
            [
                .init(name: "b.npy", contents: first, deflate: true, zip64: true),
                .init(name: "a.npy", contents: second, deflate: false, zip64: true),
            ], zip64End: true)
        let archive = try NPZArchive(decoding: zip, source: "t")
        #expect(archive.names == ["b", "a"])
        #expect(archive["b"]?.floats() == [1, 2, 3, 4])
        #expect(try archive["a"]?.integers() == [7])
    }

    @Test func lyingSizesAreRejectedWithoutHugeAllocations() throws {
        let member = try NPYArray(integers: [1]).encoded()
        // A deflated member whose directory entry claims 2^40 uncompressed bytes.
        let zip = HandZip.archive([
            .init(name: "a.npy", contents: member, deflate: true, zip64: true, claimedSize: 1 << 40)
        ])
        #expect(errorKind { try NPZArchive(decoding: zip, source: "t") } == "truncated")
        // A directory claiming more members than it can hold.
        var bytes = HandZip.archive([.init(name: "a.npy", contents: member)])
        let end = bytes.count - 22
        bytes[end + 8] = 0xFF
        bytes[end + 9] = 0xFF
        bytes[end + 10] = 0xFF
        bytes[end + 11] = 0xFF
        #expect(errorKind { try NPZArchive(decoding: bytes, source: "t") } == "invalidHeader")
    }

    @Test func lookupsAndNamesAreChecked() throws {
        let archive = try NPZArchive.read(from: fixture("savez.npz"))
        let error = thrownError { try archive.array(named: "weights", source: "f.npz") }
        #expect(error == .missingArray(path: "f.npz", name: "weights", available: ["zeta", "alpha", "mid"]))
        let array = NPYArray(tensor: Tensor(scalar: 1))
        #expect(
            errorKind { try NPZArchive(entries: [.init(name: "x", array: array), .init(name: "x", array: array)]) }
                == "invalidArgument")
        var growing = try NPZArchive(entries: [])
        try growing.append(array, named: "first")
        try growing.append(array, named: "second")
        #expect(growing.names == ["first", "second"])
        #expect(errorKind { try growing.append(array, named: "first") } == "invalidArgument")
    }
}

/// A test-local ZIP writer, written from the APPNOTE description, that can deflate members and
/// emit Zip64 extra fields and end records the way Python's `zipfile` does.
enum HandZip {
    struct Member {
        var name: String
        var contents: Data
        var deflate = false
        var zip64 = false
        var claimedSize: UInt64? = nil
    }

    static func archive(_ members: [Member], zip64End: Bool = false) -> Data {
        var data = Data()
        var directory = Data()
        for member in members {
            let stored =
                member.deflate
                ? ((try? Gzip.compress(member.contents, format: .rawDeflate)) ?? Data()) : member.contents
            let crc = Gzip.crc32(member.contents)
            let size = member.claimedSize ?? UInt64(member.contents.count)
            let offset = UInt64(data.count)
            let name = Data(member.name.utf8)
            var extra = Data()
            if member.zip64 {
                extra.appendLE(UInt16(1))
                extra.appendLE(UInt16(24))
                extra.appendLE(size)
                extra.appendLE(UInt64(stored.count))
                extra.appendLE(offset)
            }
            let method: UInt16 = member.deflate ? 8 : 0
            data.appendLE(UInt32(0x0403_4B50))
            data.appendLE(UInt16(45))
            data.appendLE(UInt16(0))
            data.appendLE(method)
            data.appendLE(UInt32(0))  // time and date
            data.appendLE(crc)
            data.appendLE(member.zip64 ? UInt32.max : UInt32(stored.count))
            data.appendLE(member.zip64 ? UInt32.max : UInt32(size))
            data.appendLE(UInt16(name.count))
            data.appendLE(UInt16(extra.count))
            data.append(name)
            data.append(extra)
            data.append(stored)

            directory.appendLE(UInt32(0x0201_4B50))
            directory.appendLE(UInt16(45))
            directory.appendLE(UInt16(45))
            directory.appendLE(UInt16(0))
            directory.appendLE(method)
            directory.appendLE(UInt32(0))
            directory.appendLE(crc)
            directory.appendLE(member.zip64 ? UInt32.max : UInt32(stored.count))
            directory.appendLE(member.zip64 ? UInt32.max : UInt32(size))
            directory.appendLE(UInt16(name.count))
            directory.appendLE(UInt16(extra.count))
            directory.appendLE(UInt16(0))  // comment
            directory.appendLE(UInt16(0))  // disk
            directory.appendLE(UInt16(0))
            directory.appendLE(UInt32(0))
            directory.appendLE(member.zip64 ? UInt32.max : UInt32(offset))
            directory.append(name)
            directory.append(extra)
        }
        let directoryOffset = data.count
        data.append(directory)
        if zip64End {
            let recordOffset = data.count
            data.appendLE(UInt32(0x0606_4B50))
            data.appendLE(UInt64(44))
            data.appendLE(UInt16(45))
            data.appendLE(UInt16(45))
            data.appendLE(UInt32(0))
            data.appendLE(UInt32(0))
            data.appendLE(UInt64(members.count))
            data.appendLE(UInt64(members.count))
            data.appendLE(UInt64(directory.count))
            data.appendLE(UInt64(directoryOffset))
            data.appendLE(UInt32(0x0706_4B50))
            data.appendLE(UInt32(0))
            data.appendLE(UInt64(recordOffset))
            data.appendLE(UInt32(1))
        }
        data.appendLE(UInt32(0x0605_4B50))
        data.appendLE(UInt16(0))
        data.appendLE(UInt16(0))
        data.appendLE(zip64End ? UInt16.max : UInt16(members.count))
        data.appendLE(zip64End ? UInt16.max : UInt16(members.count))
        data.appendLE(zip64End ? UInt32.max : UInt32(directory.count))
        data.appendLE(zip64End ? UInt32.max : UInt32(directoryOffset))
        data.appendLE(UInt16(0))
        return data
    }
}
