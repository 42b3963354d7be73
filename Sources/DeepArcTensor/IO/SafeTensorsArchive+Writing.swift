public import Foundation

// MARK: - Writing

extension SafeTensorsArchive {
    /// Writes the archive to `path` atomically (a temporary file in the same directory, then a
    /// rename), so a reader never sees a half-written file and a failed write leaves any previous
    /// file at `path` untouched.
    /// - Throws: ``FileError`` naming `path` when its directory does not exist or the file cannot
    ///   be written or replaced.
    public func write(to path: String) throws(FileError) {
        try FileIO.writeAtomically(serialized(), to: path)
    }

    /// The archive in safetensors format.
    ///
    /// The header lists `__metadata__` first (omitted when ``metadata`` is empty, its keys sorted),
    /// then the tensors in archive order, each as
    /// `{"dtype":"F32","shape":[…],"data_offsets":[begin,end]}`, with no insignificant whitespace;
    /// it is padded with spaces to a multiple of 8 bytes. The data buffer holds each tensor's
    /// values as little-endian `F32`, in archive order, with no gaps. Equal archives give equal bytes.
    public func serialized() -> Data {
        // MARK: Header
        var header = "{"
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map {
                SafeTensorsJSON.quoted($0.key) + ":" + SafeTensorsJSON.quoted($0.value)
            }
            members.append(SafeTensorsJSON.quoted(Self.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in entries {
            let length = entry.tensor.count * SafeTensorsDType.f32.byteSize
            let shape = entry.tensor.shape.map(String.init).joined(separator: ",")
            members.append(
                SafeTensorsJSON.quoted(entry.name) + ":{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + length)]}")
            offset += length
        }
        header += members.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        // MARK: Bytes
        var data = Data(count: 8 + headerBytes.count + offset)
        data.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            base.storeBytes(of: UInt64(headerBytes.count).littleEndian, as: UInt64.self)
            headerBytes.withUnsafeBytes { source in
                guard let source = source.baseAddress else { return }
                (base + 8).copyMemory(from: source, byteCount: headerBytes.count)
            }
            var cursor = base + 8 + headerBytes.count
            for entry in entries {
                entry.tensor.withUnsafeBufferPointer { values in
                    for index in 0..<values.count {
                        cursor.storeBytes(
                            of: values[index].bitPattern.littleEndian, toByteOffset: index &* 4, as: UInt32.self)
                    }
                }
                cursor += entry.tensor.count * 4
            }
        }
        return data
    }
}
