import DeepArcTensor
import Foundation

/// Loader for MNIST-style datasets stored as IDX files (MNIST, Fashion-MNIST), raw or `.gz`.
///
/// A directory holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally with a `.gz` suffix
/// (or with a `.` instead of the last `-`, as some mirrors name them).
public enum IDXImageDataset {
    /// Where the Debian package `dataset-fashion-mnist` installs Fashion-MNIST.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The names of the Fashion-MNIST classes, by label.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Loads one split: images `[N, 1, H, W]` scaled to [0, 1], labels in 0..<10.
    /// - Parameters:
    ///   - directory: the folder holding the IDX files.
    ///   - split: train (`train-*`) or test (`t10k-*`).
    ///   - limit: the most items to keep (the first ones), or nil for all.
    ///   - name: the dataset name for messages (`"mnist"`, `"fashion-mnist"`).
    /// - Throws: ``DataError/invalidDataset(name:reason:)`` when a file is missing, the IDX reader's
    ///   errors for damaged files, and ``DataError/invalidContents(path:reason:)`` when the files do
    ///   not describe ubyte images `[N, H, W]` with N ubyte labels below 10.
    public static func load(directory: String, split: DatasetSplit, limit: Int? = nil, name: String) throws(DataError)
        -> Dataset
    {
        let prefix = split == .train ? "train" : "t10k"
        let imagePath = try locate(directory, prefix + "-images-idx3-ubyte", name: name)
        let labelPath = try locate(directory, prefix + "-labels-idx1-ubyte", name: name)
        let images = try IDXArray.read(from: imagePath)
        let labels = try IDXArray.read(from: labelPath)
        guard images.elementType == .uint8, images.shape.count == 3 else {
            throw .invalidContents(
                path: imagePath,
                reason: "expected unsigned-byte images [N, H, W], got \(images.elementType) \(images.shape)")
        }
        guard labels.elementType == .uint8, labels.shape.count == 1 else {
            throw .invalidContents(
                path: labelPath, reason: "expected unsigned-byte labels [N], got \(labels.elementType) \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw .invalidContents(
                path: labelPath, reason: "\(labels.shape[0]) labels for \(images.shape[0]) images in \(imagePath)")
        }
        let kept = max(0, min(limit ?? images.shape[0], images.shape[0]))
        let labelValues = Array(try labels.integers(source: labelPath).prefix(kept))
        if let bad = labelValues.firstIndex(where: { $0 >= 10 }) {
            throw .invalidContents(
                path: labelPath, reason: "label \(labelValues[bad]) of item \(bad) is outside 0..<10")
        }
        var tensor = images.tensor(dividingBy: 255, limit: kept)
        do { try tensor.reshape(to: [kept, 1, images.shape[1], images.shape[2]]) } catch {
            throw .invalidContents(path: imagePath, reason: error.description)
        }
        return Dataset(unchecked: tensor, labels: labelValues, classCount: 10, name: "\(name)/\(split.rawValue)")
    }

    /// The path of the first existing variant of `base` in `directory`.
    private static func locate(_ directory: String, _ base: String, name: String) throws(DataError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidDataset(name: name, reason: "data directory \(directory) does not exist")
        }
        let dotted = base.replacingOccurrences(of: "-idx", with: ".idx")
        for candidate in [base, base + ".gz", dotted, dotted + ".gz"] {
            let path = (directory as NSString).appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw .invalidDataset(name: name, reason: "\(directory) has no \(base) or \(base).gz")
    }
}
