import DeepArcTensor
import Foundation

/// A dataset named the way the command line names it, resolved to where its data comes from.
///
/// | name | data |
/// |---|---|
/// | `fashion-mnist` | IDX files in the data directory, default `/usr/share/datasets/fashion-mnist` |
/// | `mnist` | IDX files in the data directory (required) |
/// | `cifar10` | CIFAR-10 binary batches in the data directory (required) |
/// | `npz:PATH` | arrays `x` (`[N,C,H,W]`, `[N,H,W]` or `[N,F]`, float or uint8) and `y` (integer labels) |
/// | `synthetic:KIND[,key=value…]` | ``SyntheticDataset`` (`blobs` or `images`) |
///
/// For `npz:`, split-specific arrays `x_train`/`y_train` and `x_test`/`y_test` are used when present,
/// otherwise `x`/`y` serve every split. Float inputs are used as they are; uint8 inputs are scaled
/// to [0, 1]; the class count is the largest label + 1.
///
/// ```swift
/// let source = try DatasetSource(parsing: "synthetic:blobs,classes=3,samples=90")
/// let train = try source.load(split: .train)
/// ```
public enum DatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// Fashion-MNIST from IDX files in `directory`.
    case fashionMNIST(directory: String)
    /// MNIST from IDX files in `directory`.
    case mnist(directory: String)
    /// CIFAR-10 (binary version) from `directory`.
    case cifar10(directory: String)
    /// Arrays `x` and `y` of the `.npz` file at `path`.
    case npz(path: String)
    /// Generated data.
    case synthetic(SyntheticDataset)

    /// The accepted name forms, for help texts and error messages.
    public static let validForms = [
        "fashion-mnist", "mnist (with a data directory)", "cifar10 (with a data directory)", "npz:PATH",
        "synthetic:blobs[,classes=N,samples=N,features=N,seed=N,…]",
        "synthetic:images[,classes=N,samples=N,channels=N,size=N,seed=N,…]",
    ]

    /// Resolves a dataset name.
    /// - Parameters:
    ///   - name: the name as given on the command line or in a config.
    ///   - dataDirectory: where `fashion-mnist`, `mnist` and `cifar10` live (overrides the default).
    /// - Throws: ``DataError/unknownDataset(name:validForms:)`` for a name of no known form,
    ///   ``DataError/invalidDataset(name:reason:)`` for `mnist`/`cifar10` without a directory, an
    ///   empty `npz:` path or a bad `synthetic:` spec.
    public init(parsing name: String, dataDirectory: String? = nil) throws(DataError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let colon = trimmed.firstIndex(of: ":") {
            let scheme = trimmed[..<colon].lowercased()
            let rest = String(trimmed[trimmed.index(after: colon)...])
            switch scheme {
            case "npz":
                guard !rest.isEmpty else {
                    throw .invalidDataset(name: name, reason: "npz: needs a file path (npz:PATH)")
                }
                self = .npz(path: rest)
            case "synthetic":
                self = .synthetic(try SyntheticDataset(parsing: rest))
            default:
                throw .unknownDataset(name: name, validForms: DatasetSource.validForms)
            }
            return
        }
        switch trimmed.lowercased() {
        case "fashion-mnist", "fashion_mnist", "fashionmnist":
            self = .fashionMNIST(directory: dataDirectory ?? IDXImageDataset.defaultFashionMNISTDirectory)
        case "mnist":
            guard let dataDirectory else {
                throw .invalidDataset(
                    name: name, reason: "mnist needs a data directory holding its IDX files (--data-dir)")
            }
            self = .mnist(directory: dataDirectory)
        case "cifar10", "cifar-10":
            guard let dataDirectory else {
                throw .invalidDataset(
                    name: name, reason: "cifar10 needs a data directory holding its binary batches (--data-dir)")
            }
            self = .cifar10(directory: dataDirectory)
        default:
            throw .unknownDataset(name: name, validForms: DatasetSource.validForms)
        }
    }

    /// The canonical name (`fashion-mnist`, `npz:PATH`, `synthetic:…`).
    public var description: String {
        switch self {
        case .fashionMNIST: return "fashion-mnist"
        case .mnist: return "mnist"
        case .cifar10: return "cifar10"
        case .npz(let path): return "npz:\(path)"
        case .synthetic(let spec): return "synthetic:\(spec)"
        }
    }

    /// Loads one split, keeping its first `limit` items when given.
    /// - Throws: the loaders' ``DataError``s: missing or damaged files, inconsistent arrays,
    ///   ``DataError/invalidArgument(operation:reason:)`` for a negative limit.
    public func load(split: DatasetSplit, limit: Int? = nil) throws(DataError) -> Dataset {
        if let limit, limit < 0 {
            throw .invalidArgument(operation: "load \(self)", reason: "limit \(limit) is negative")
        }
        switch self {
        case .fashionMNIST(let directory):
            return try IDXImageDataset.load(directory: directory, split: split, limit: limit, name: "fashion-mnist")
        case .mnist(let directory):
            return try IDXImageDataset.load(directory: directory, split: split, limit: limit, name: "mnist")
        case .cifar10(let directory):
            return try CIFAR10.load(directory: directory, split: split, limit: limit)
        case .npz(let path):
            return try DatasetSource.loadNPZ(path: path, split: split, limit: limit)
        case .synthetic(let spec):
            return spec.generate(split: split, limit: limit)
        }
    }

    // MARK: - Private

    private static func loadNPZ(path: String, split: DatasetSplit, limit: Int?) throws(DataError) -> Dataset {
        let archive = try NPZArchive.read(from: path)
        let suffix = "_" + split.rawValue
        let xName = archive["x" + suffix] != nil && archive["y" + suffix] != nil ? "x" + suffix : "x"
        let yName = xName == "x" ? "y" : "y" + suffix
        let x = try archive.array(named: xName, source: path)
        let y = try archive.array(named: yName, source: path)
        let n = x.shape.first ?? 0
        guard x.shape.count >= 2, x.shape.count <= 4 else {
            throw .invalidContents(
                path: path, reason: "array '\(xName)' must be [N,C,H,W], [N,H,W] or [N,F], got \(x.shape)")
        }
        guard y.shape == [n] || y.shape == [n, 1] else {
            throw .invalidContents(path: path, reason: "array '\(yName)' must hold \(n) labels, got shape \(y.shape)")
        }
        let divisor: Float
        switch x.dataType {
        case .float32, .float64: divisor = 1
        case .uint8: divisor = 255
        default:
            throw .unsupported(
                path: path, reason: "array '\(xName)' has dtype \(x.dataType) (use float32, float64 or uint8)")
        }
        let labels = try y.integers(source: "\(path) (array '\(yName)')")
        if let bad = labels.firstIndex(where: { $0 < 0 }) {
            throw .invalidContents(path: path, reason: "label \(labels[bad]) of item \(bad) in '\(yName)' is negative")
        }
        let kept = min(limit ?? n, n)
        var values = x.floats()
        if divisor != 1 {
            values.withUnsafeMutableBufferPointer { buffer in for i in buffer.indices { buffer[i] /= divisor } }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let width = max(1, values.count / max(1, n))
            throw .invalidContents(path: path, reason: "array '\(xName)' holds \(values[bad]) in item \(bad / width)")
        }
        var shape = x.shape
        if shape.count == 3 { shape.insert(1, at: 1) }
        let images: Tensor
        do { images = try Tensor(shape: shape, scalars: values) } catch {
            throw .invalidContents(path: path, reason: error.description)
        }
        let dataset = try Dataset(
            images: images, labels: labels, classCount: (labels.max() ?? 0) + 1,
            name: "npz:\((path as NSString).lastPathComponent)/\(split.rawValue)")
        return dataset.prefix(kept)
    }
}
