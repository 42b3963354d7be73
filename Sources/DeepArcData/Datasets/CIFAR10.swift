import DeepArcTensor
import Foundation

/// Loader for the binary version of CIFAR-10 (`cifar-10-batches-bin`).
///
/// Training data is `data_batch_1.bin` … `data_batch_5.bin`, test data `test_batch.bin`; each file
/// is a sequence of 3073-byte records: one label byte (0…9) followed by a 32 × 32 image as 1024
/// red, 1024 green and 1024 blue bytes (CHW order, rows top to bottom).
public enum CIFAR10 {
    /// The bytes of one record.
    public static let recordSize = 1 + 3 * 32 * 32

    /// The names of the classes, by label.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// The file names of a split, in load order.
    public static func fileNames(for split: DatasetSplit) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// Loads one split: images `[N, 3, 32, 32]` scaled to [0, 1], labels in 0..<10.
    ///
    /// `directory` may be the folder holding the `.bin` files or its parent (containing
    /// `cifar-10-batches-bin`). Files are read in order until `limit` items are loaded.
    /// - Throws: ``DataError/invalidDataset(name:reason:)`` when a file is missing,
    ///   ``DataError/invalidContents(path:reason:)`` for a file whose size is not a whole number of
    ///   records or a label above 9.
    public static func load(directory: String, split: DatasetSplit, limit: Int? = nil) throws(DataError) -> Dataset {
        let folder = try resolve(directory)
        var wanted = max(0, limit ?? Int.max)
        var pieces: [(data: Data, records: Int, path: String)] = []
        for fileName in fileNames(for: split) where wanted > 0 {
            let path = (folder as NSString).appendingPathComponent(fileName)
            guard FileManager.default.fileExists(atPath: path) else {
                throw .invalidDataset(
                    name: "cifar10",
                    reason:
                        "\(folder) has no \(fileName) (expected the binary version: \(fileNames(for: split).joined(separator: ", ")))"
                )
            }
            let data: Data
            do { data = try FileIO.read(path) } catch { throw .fileAccess(error) }
            guard !data.isEmpty, data.count % recordSize == 0 else {
                throw .invalidContents(
                    path: path, reason: "size \(data.count) is not a positive multiple of the \(recordSize)-byte record"
                )
            }
            let records = min(data.count / recordSize, wanted)
            pieces.append((data, records, path))
            wanted -= records
        }
        let total = pieces.reduce(0) { $0 + $1.records }
        var labels = [Int](repeating: 0, count: total)
        var badLabel: (path: String, record: Int, value: Int)?
        let plane = recordSize - 1
        let images = Tensor(shape: [total, 3, 32, 32]) { out in
            guard let target = out.baseAddress else { return }
            var item = 0
            for piece in pieces {
                piece.data.withUnsafeBytes { raw in
                    let bytes = raw.bindMemory(to: UInt8.self)
                    for record in 0..<piece.records {
                        let start = record * recordSize
                        let label = Int(bytes[start])
                        if label >= 10, badLabel == nil { badLabel = (piece.path, record, label) }
                        labels[item] = label
                        let destination = target + item * plane
                        for offset in 0..<plane { destination[offset] = Float(bytes[start + 1 + offset]) / 255 }
                        item += 1
                    }
                }
            }
        }
        if let badLabel {
            throw .invalidContents(
                path: badLabel.path, reason: "record \(badLabel.record) has label \(badLabel.value), outside 0..<10")
        }
        return Dataset(unchecked: images, labels: labels, classCount: 10, name: "cifar10/\(split.rawValue)")
    }

    /// The folder that holds the `.bin` files: `directory` itself or its `cifar-10-batches-bin`.
    private static func resolve(_ directory: String) throws(DataError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidDataset(name: "cifar10", reason: "data directory \(directory) does not exist")
        }
        let nested = (directory as NSString).appendingPathComponent("cifar-10-batches-bin")
        let direct = (directory as NSString).appendingPathComponent("test_batch.bin")
        if !FileManager.default.fileExists(atPath: direct),
            FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory), isDirectory.boolValue
        {
            return nested
        }
        return directory
    }
}
