import Foundation

/// Reading and writing of ZIP archives, as much as `.npz` files need: the end-of-central-directory
/// record (and its Zip64 form), the central directory, local headers, members stored (method 0) or
/// deflated (method 8), Zip64 extra fields, and CRC-32 checks.
///
/// Every offset and size read from the archive is checked against the real data length before
/// it is used, so a damaged or hostile archive yields a ``DataError``, never a trap or a huge
/// allocation.
struct ZipArchive {
    /// One member as described by the central directory.
    struct Member: Equatable {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// A member to write: its name and contents.
    struct NewMember {
        var name: String
        var contents: Data
    }

    private static let localSignature: UInt32 = 0x0403_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50

    /// The archive's bytes.
    let data: Data
    /// The file name for error messages.
    let source: String
    /// The members in central-directory (archive) order.
    let members: [Member]

    // MARK: - Reading

    /// Parses the directory of the archive in `data`.
    init(data: Data, source: String) throws(DataError) {
        self.data = data
        self.source = source
        self.members = try ZipArchive.readDirectory(data, source: source)
    }

    /// The uncompressed contents of `member`, checked against its sizes and CRC-32.
    func contents(of member: Member) throws(DataError) -> Data {
        let name = member.name
        let where_ = "\(source) (member '\(name)')"
        let offset = member.localHeaderOffset
        guard data.littleEndian(UInt32.self, at: offset) == ZipArchive.localSignature else {
            if offset + 4 > data.count {
                throw .truncated(
                    path: source,
                    reason:
                        "member '\(name)' starts at byte \(offset), past the end of the archive (\(data.count) bytes)")
            }
            throw .invalidHeader(path: source, reason: "member '\(name)' has no local file header at byte \(offset)")
        }
        guard let nameLength = data.littleEndian(UInt16.self, at: offset + 26),
            let extraLength = data.littleEndian(UInt16.self, at: offset + 28)
        else {
            throw .truncated(path: source, reason: "local header of member '\(name)' is cut short")
        }
        let start = offset + 30 + Int(nameLength) + Int(extraLength)
        guard let stored = data.bytes(at: start, count: member.compressedSize) else {
            throw .truncated(
                path: source,
                reason:
                    "member '\(name)' needs \(member.compressedSize) bytes at byte \(start), the archive has \(data.count) bytes"
            )
        }
        let contents: Data
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw .invalidHeader(
                    path: source,
                    reason:
                        "stored member '\(name)' has compressed size \(member.compressedSize) but size \(member.uncompressedSize)"
                )
            }
            contents = stored
        case 8:
            contents = try Gzip.decompress(
                stored, format: .rawDeflate, maximumSize: member.uncompressedSize, source: where_)
            guard contents.count == member.uncompressedSize else {
                throw .truncated(
                    path: where_,
                    reason: "inflates to \(contents.count) bytes, the directory promises \(member.uncompressedSize)")
            }
        default:
            throw .unsupported(
                path: source,
                reason: "member '\(name)' uses compression method \(member.method) (only 0 stored and 8 deflate)")
        }
        let actual = Gzip.crc32(contents)
        guard actual == member.crc else {
            throw .checksumMismatch(path: source, member: name, expected: member.crc, actual: actual)
        }
        return contents
    }

    // MARK: - Writing

    /// The bytes of a ZIP archive holding `members` stored (method 0), in order.
    /// - Throws: ``DataError/unsupported(path:reason:)`` (naming `source`) when the archive would
    ///   need Zip64 (over 4 GiB or 65 535 members).
    static func encode(_ members: [NewMember], source: String) throws(DataError) -> Data {
        guard members.count < 0xFFFF else {
            throw .unsupported(
                path: source, reason: "\(members.count) members need Zip64, which the writer does not produce")
        }
        var archive = Data()
        var directory = Data()
        for member in members {
            let name = Data(member.name.utf8)
            let isASCII = member.name.utf8.allSatisfy { $0 < 0x80 }
            let offset = archive.count
            guard offset < 0xFFFF_FFFF, member.contents.count < 0xFFFF_FFFF, name.count <= 0xFFFF else {
                throw .unsupported(
                    path: source, reason: "member '\(member.name)' needs Zip64, which the writer does not produce")
            }
            let crc = Gzip.crc32(member.contents)
            let size = UInt32(member.contents.count)
            let flags: UInt16 = isASCII ? 0 : 0x0800  // bit 11: UTF-8 names
            // Local file header.
            archive.appendLittleEndian(localSignature)
            archive.appendLittleEndian(UInt16(20))  // version needed: 2.0
            archive.appendLittleEndian(flags)
            archive.appendLittleEndian(UInt16(0))  // method: stored
            archive.appendLittleEndian(UInt16(0))  // time 00:00:00
            archive.appendLittleEndian(UInt16(0x21))  // date 1980-01-01
            archive.appendLittleEndian(crc)
            archive.appendLittleEndian(size)
            archive.appendLittleEndian(size)
            archive.appendLittleEndian(UInt16(name.count))
            archive.appendLittleEndian(UInt16(0))
            archive.append(name)
            archive.append(member.contents)
            // Central directory entry.
            directory.appendLittleEndian(centralSignature)
            directory.appendLittleEndian(UInt16(3 << 8 | 20))  // made by: Unix, 2.0
            directory.appendLittleEndian(UInt16(20))
            directory.appendLittleEndian(flags)
            directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(UInt16(0x21))
            directory.appendLittleEndian(crc)
            directory.appendLittleEndian(size)
            directory.appendLittleEndian(size)
            directory.appendLittleEndian(UInt16(name.count))
            directory.appendLittleEndian(UInt16(0))  // extra
            directory.appendLittleEndian(UInt16(0))  // comment
            directory.appendLittleEndian(UInt16(0))  // disk
            directory.appendLittleEndian(UInt16(0))  // internal attributes
            directory.appendLittleEndian(UInt32(0o100644) << 16)  // regular file, rw-r--r--
            directory.appendLittleEndian(UInt32(offset))
            directory.append(name)
        }
        let directoryOffset = archive.count
        guard directoryOffset < 0xFFFF_FFFF, directory.count < 0xFFFF_FFFF else {
            throw .unsupported(
                path: source, reason: "archive over 4 GiB needs Zip64, which the writer does not produce")
        }
        archive.append(directory)
        archive.appendLittleEndian(endSignature)
        archive.appendLittleEndian(UInt16(0))
        archive.appendLittleEndian(UInt16(0))
        archive.appendLittleEndian(UInt16(members.count))
        archive.appendLittleEndian(UInt16(members.count))
        archive.appendLittleEndian(UInt32(directory.count))
        archive.appendLittleEndian(UInt32(directoryOffset))
        archive.appendLittleEndian(UInt16(0))
        return archive
    }

    // MARK: - Private

    private static func readDirectory(_ data: Data, source: String) throws(DataError) -> [Member] {
        let first = data.littleEndian(UInt32.self, at: 0)
        guard first == localSignature || first == endSignature else {
            if data.count < 4, [UInt8]("PK\u{03}\u{04}".utf8).starts(with: data) {
                throw .truncated(path: source, reason: "the ZIP archive has only \(data.count) bytes")
            }
            throw .badMagic(path: source, expected: "50 4b 03 04 (ZIP)", found: data.hexPrefix(4))
        }
        guard let end = findEndRecord(data) else {
            throw .truncated(
                path: source, reason: "no end-of-central-directory record: the ZIP archive is cut short or damaged")
        }
        var diskNumber = Int(data.littleEndian(UInt16.self, at: end + 4) ?? 0)
        var directoryDisk = Int(data.littleEndian(UInt16.self, at: end + 6) ?? 0)
        var entryCount = Int(data.littleEndian(UInt16.self, at: end + 10) ?? 0)
        var directorySize = Int(data.littleEndian(UInt32.self, at: end + 12) ?? 0)
        var directoryOffset = Int(data.littleEndian(UInt32.self, at: end + 16) ?? 0)
        var directoryLimit = end

        // Zip64: a locator just before the end record points at the Zip64 end record.
        if end >= 20, data.littleEndian(UInt32.self, at: end - 20) == zip64LocatorSignature {
            guard let recordOffset64 = data.littleEndian(UInt64.self, at: end - 12), recordOffset64 <= UInt64(end - 20),
                case let recordOffset = Int(recordOffset64),
                data.littleEndian(UInt32.self, at: recordOffset) == zip64EndSignature,
                let disk = data.littleEndian(UInt32.self, at: recordOffset + 16),
                let cdDisk = data.littleEndian(UInt32.self, at: recordOffset + 20),
                let count = data.littleEndian(UInt64.self, at: recordOffset + 32),
                let size = data.littleEndian(UInt64.self, at: recordOffset + 40),
                let offset = data.littleEndian(UInt64.self, at: recordOffset + 48)
            else {
                throw .invalidHeader(
                    path: source, reason: "the Zip64 end-of-central-directory locator points at no valid record")
            }
            guard count <= UInt64(Int.max), size <= UInt64(Int.max), offset <= UInt64(Int.max) else {
                throw .invalidHeader(path: source, reason: "Zip64 directory sizes are out of range")
            }
            diskNumber = Int(disk)
            directoryDisk = Int(cdDisk)
            entryCount = Int(count)
            directorySize = Int(size)
            directoryOffset = Int(offset)
            directoryLimit = recordOffset
        }
        guard diskNumber == 0, directoryDisk == 0 else {
            throw .unsupported(path: source, reason: "multi-volume ZIP archives")
        }
        guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset else {
            throw .truncated(
                path: source,
                reason:
                    "the central directory (\(directorySize) bytes at byte \(directoryOffset)) lies outside the \(data.count)-byte archive"
            )
        }
        guard entryCount <= directorySize / 46 else {
            throw .invalidHeader(
                path: source, reason: "\(entryCount) members cannot fit in a \(directorySize)-byte central directory")
        }
        var members: [Member] = []
        members.reserveCapacity(entryCount)
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard position + 46 <= directoryEnd,
                data.littleEndian(UInt32.self, at: position) == centralSignature,
                let flags = data.littleEndian(UInt16.self, at: position + 8),
                let method = data.littleEndian(UInt16.self, at: position + 10),
                let crc = data.littleEndian(UInt32.self, at: position + 16),
                let compressed32 = data.littleEndian(UInt32.self, at: position + 20),
                let size32 = data.littleEndian(UInt32.self, at: position + 24),
                let nameLength = data.littleEndian(UInt16.self, at: position + 28),
                let extraLength = data.littleEndian(UInt16.self, at: position + 30),
                let commentLength = data.littleEndian(UInt16.self, at: position + 32),
                let disk32 = data.littleEndian(UInt16.self, at: position + 34),
                let offset32 = data.littleEndian(UInt32.self, at: position + 42)
            else {
                throw .invalidHeader(
                    path: source, reason: "central directory entry \(index) at byte \(position) is damaged")
            }
            let nameStart = position + 46
            let extraStart = nameStart + Int(nameLength)
            let next = extraStart + Int(extraLength) + Int(commentLength)
            guard next <= directoryEnd, let nameBytes = data.bytes(at: nameStart, count: Int(nameLength)),
                let extra = data.bytes(at: extraStart, count: Int(extraLength))
            else {
                throw .invalidHeader(path: source, reason: "central directory entry \(index) runs past the directory")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            var compressedSize = UInt64(compressed32)
            var uncompressedSize = UInt64(size32)
            var localOffset = UInt64(offset32)
            var disk = UInt32(disk32)
            if size32 == 0xFFFF_FFFF || compressed32 == 0xFFFF_FFFF || offset32 == 0xFFFF_FFFF || disk32 == 0xFFFF {
                guard let field = zip64Field(in: extra) else {
                    throw .invalidHeader(
                        path: source, reason: "member '\(name)' needs a Zip64 extra field and has none")
                }
                var cursor = 0
                func take() -> UInt64? {
                    defer { cursor += 8 }
                    return field.littleEndian(UInt64.self, at: cursor)
                }
                var complete = true
                if size32 == 0xFFFF_FFFF {
                    if let value = take() { uncompressedSize = value } else { complete = false }
                }
                if compressed32 == 0xFFFF_FFFF {
                    if let value = take() { compressedSize = value } else { complete = false }
                }
                if offset32 == 0xFFFF_FFFF { if let value = take() { localOffset = value } else { complete = false } }
                if disk32 == 0xFFFF {
                    if let value = field.littleEndian(UInt32.self, at: cursor) {
                        disk = value
                    } else {
                        complete = false
                    }
                }
                guard complete else {
                    throw .invalidHeader(path: source, reason: "the Zip64 extra field of member '\(name)' is too short")
                }
            }
            guard disk == 0 else {
                throw .unsupported(path: source, reason: "member '\(name)' lives on another volume")
            }
            guard flags & 1 == 0 else { throw .unsupported(path: source, reason: "member '\(name)' is encrypted") }
            let limit = UInt64(data.count)
            guard compressedSize <= limit, localOffset <= limit, uncompressedSize <= UInt64(Int.max) else {
                throw .truncated(
                    path: source,
                    reason:
                        "member '\(name)' claims \(compressedSize) bytes at byte \(localOffset), the archive has \(data.count) bytes"
                )
            }
            members.append(
                Member(
                    name: name, method: method, flags: flags, crc: crc, compressedSize: Int(compressedSize),
                    uncompressedSize: Int(uncompressedSize), localHeaderOffset: Int(localOffset)))
            position = next
        }
        return members
    }

    /// The offset of the end-of-central-directory record: the last signature whose comment
    /// length reaches exactly the end of the data.
    private static func findEndRecord(_ data: Data) -> Int? {
        guard data.count >= 22 else { return nil }
        let lowest = max(0, data.count - 22 - 0xFFFF)
        var candidate = data.count - 22
        while candidate >= lowest {
            if data.littleEndian(UInt32.self, at: candidate) == endSignature,
                let comment = data.littleEndian(UInt16.self, at: candidate + 20),
                candidate + 22 + Int(comment) == data.count
            {
                return candidate
            }
            candidate -= 1
        }
        return nil
    }

    /// The body of the Zip64 extended-information extra field (tag 0x0001), if present.
    private static func zip64Field(in extra: Data) -> Data? {
        var position = 0
        while position + 4 <= extra.count {
            guard let tag = extra.littleEndian(UInt16.self, at: position),
                let length = extra.littleEndian(UInt16.self, at: position + 2)
            else { return nil }
            guard let body = extra.bytes(at: position + 4, count: Int(length)) else { return nil }
            if tag == 0x0001 { return body }
            position += 4 + Int(length)
        }
        return nil
    }
}
