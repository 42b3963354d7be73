import DeepArcData
import Foundation
import Testing

// MARK: - Error kinds

/// The case name of a data error, so tests can assert *which* error without matching message text.
func kind(_ error: DataError?) -> String {
    guard let error else { return "no error" }
    switch error {
    case .fileAccess: return "fileAccess"
    case .badMagic: return "badMagic"
    case .truncated: return "truncated"
    case .trailingBytes: return "trailingBytes"
    case .invalidHeader: return "invalidHeader"
    case .unsupported: return "unsupported"
    case .corruptCompression: return "corruptCompression"
    case .checksumMismatch: return "checksumMismatch"
    case .missingArray: return "missingArray"
    case .invalidContents: return "invalidContents"
    case .unknownDataset: return "unknownDataset"
    case .invalidDataset: return "invalidDataset"
    case .invalidArgument: return "invalidArgument"
    }
}

/// Runs `body` and returns the kind of `DataError` it throws ("no error" when it does not throw).
func errorKind<R>(_ body: () throws -> R) -> String {
    do {
        _ = try body()
        return "no error"
    } catch let error as DataError {
        return kind(error)
    } catch {
        return "not a DataError: \(error)"
    }
}

/// Runs `body` and returns the `DataError` it throws, or nil.
func thrownError<R>(_ body: () throws -> R) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? DataError
    }
}

// MARK: - Files

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deeparc-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ data: Data, to name: String) throws {
        try data.write(to: URL(fileURLWithPath: file(name)))
    }
}

/// The folder of committed fixtures, found next to this source file.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    .path

func fixture(_ name: String) -> String { (fixturesDirectory as NSString).appendingPathComponent(name) }

// MARK: - Byte building

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

/// A test-local IDX writer, written from the format description (magic 00 00 type rank,
/// big-endian UInt32 dimensions, payload).
func makeIDX(type: UInt8, dimensions: [UInt32], payload: Data) -> Data {
    var data = Data([0, 0, type, UInt8(dimensions.count)])
    for dimension in dimensions { data.appendBE(dimension) }
    data.append(payload)
    return data
}

/// A test-local `.npy` writer from the format description: magic, version, header length
/// (UInt16 for 1.0, UInt32 for 2.0/3.0), header text, payload.
func makeNPY(header: String, payload: Data, major: UInt8 = 1) -> Data {
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([major, 0])
    let text = Data((header + "\n").utf8)
    if major == 1 { data.appendLE(UInt16(text.count)) } else { data.appendLE(UInt32(text.count)) }
    data.append(text)
    data.append(payload)
    return data
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
    var data = Data()
    for value in values { data.appendLE(value) }
    return data
}

func float32Bytes(_ values: [Float]) -> Data { littleEndianBytes(values.map(\.bitPattern)) }
