import DeepArcTensor
import Foundation

/// Seeded synthetic classification data for tests and benchmarks, described by a spec string
/// such as `blobs,classes=4,samples=512,features=16,seed=1` or
/// `images,classes=10,samples=256,channels=1,size=28,seed=1`.
///
/// - `blobs`: Gaussian blobs. Each class has a centre drawn from N(0, separation²·I) in
///   `features` dimensions; an item is its class centre plus N(0, noise²·I). Inputs `[N, features]`.
/// - `images`: each class is a sinusoidal grating with its own orientation (class k at k·180°/classes)
///   and wavelength (alternating between two), drawn with a random phase per item plus Gaussian pixel
///   noise and clipped to [0, 1]: a pattern a small CNN learns quickly, invisible to a per-pixel
///   threshold. Inputs `[N, channels, size, size]`.
///
/// Labels are balanced (item i of the unshuffled list has class i mod classes) and shuffled.
/// Everything is determined by `seed`: the same spec gives the same bits; the train and test
/// splits are independent draws from the same class distributions, and a `limit` gives exactly
/// the first items of the unlimited split.
public struct SyntheticDataset: Sendable, Equatable, CustomStringConvertible {
    /// The generator family.
    public enum Kind: String, Sendable, CaseIterable {
        /// Gaussian blobs in feature space.
        case blobs
        /// Oriented gratings as images.
        case images
    }

    /// The generator family.
    public private(set) var kind: Kind
    /// The number of classes (≥ 1).
    public private(set) var classes: Int
    /// The number of training items.
    public private(set) var samples: Int
    /// The number of test items.
    public private(set) var testSamples: Int
    /// The input dimension of `blobs`.
    public private(set) var features: Int
    /// The channel count of `images`.
    public private(set) var channels: Int
    /// The height and width of `images`.
    public private(set) var size: Int
    /// The standard deviation of the per-item noise.
    public private(set) var noise: Float
    /// The standard deviation of the class centres of `blobs` (how far apart classes are).
    public private(set) var separation: Float
    /// The seed that determines every value.
    public private(set) var seed: UInt64

    /// The accepted option keys.
    public static let keys = [
        "classes", "samples", "test-samples", "features", "channels", "size", "noise", "separation", "seed",
    ]

    /// The most input values one split may hold (2²⁸ floats, 1 GiB).
    public static let maximumElementCount = 1 << 28

    /// Parses a spec (the part after `synthetic:`): a kind, then comma-separated `key=value` options.
    /// Unspecified options take defaults: classes 4 (blobs) or 10 (images), samples 512, test-samples
    /// samples / 4 (at least classes), features 16, channels 1, size 28, noise 1 (blobs) or 0.1
    /// (images), separation 1, seed 1.
    /// - Throws: ``DataError/invalidDataset(name:reason:)`` for an unknown kind or key, a value that
    ///   does not parse or is out of range, or a dataset too large to hold.
    public init(parsing spec: String) throws(DataError) {
        let name = "synthetic:" + spec
        let parts = spec.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let kindName = parts.first, let kind = Kind(rawValue: kindName) else {
            let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidDataset(name: name, reason: "unknown synthetic kind '\(parts.first ?? "")' (kinds: \(kinds))")
        }
        var options: [String: String] = [:]
        for part in parts.dropFirst() {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw .invalidDataset(name: name, reason: "option '\(part)' is not key=value")
            }
            guard SyntheticDataset.keys.contains(pieces[0]) else {
                throw .invalidDataset(
                    name: name,
                    reason: "unknown option '\(pieces[0])' (options: \(SyntheticDataset.keys.joined(separator: ", ")))")
            }
            guard options[pieces[0]] == nil else {
                throw .invalidDataset(name: name, reason: "option '\(pieces[0])' is given twice")
            }
            options[pieces[0]] = pieces[1]
        }
        func integer(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(DataError) -> Int {
            guard let text = options[key] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw .invalidDataset(
                    name: name, reason: "\(key)=\(text) is not an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        func real(_ key: String, _ fallback: Float) throws(DataError) -> Float {
            guard let text = options[key] else { return fallback }
            guard let value = Float(text), value.isFinite, value >= 0, value <= 1e6 else {
                throw .invalidDataset(name: name, reason: "\(key)=\(text) is not a non-negative number")
            }
            return value
        }
        let classes = try integer("classes", kind == .blobs ? 4 : 10, 1...100_000)
        let samples = try integer("samples", 512, 1...100_000_000)
        self.kind = kind
        self.classes = classes
        self.samples = samples
        self.testSamples = try integer("test-samples", max(classes, samples / 4), 1...100_000_000)
        self.features = try integer("features", 16, 1...1_000_000)
        self.channels = try integer("channels", 1, 1...64)
        self.size = try integer("size", 28, 1...1024)
        self.noise = try real("noise", kind == .blobs ? 1 : 0.1)
        self.separation = try real("separation", 1)
        guard let seedText = options["seed"] else {
            self.seed = 1
            try checkSize(name: name)
            return
        }
        guard let seed = UInt64(seedText) else {
            throw .invalidDataset(name: name, reason: "seed=\(seedText) is not a non-negative integer")
        }
        self.seed = seed
        try checkSize(name: name)
    }

    /// The canonical spec string (every option spelled out), without the `synthetic:` prefix.
    public var description: String {
        var parts = [kind.rawValue, "classes=\(classes)", "samples=\(samples)", "test-samples=\(testSamples)"]
        switch kind {
        case .blobs: parts += ["features=\(features)", "separation=\(separation)"]
        case .images: parts += ["channels=\(channels)", "size=\(size)"]
        }
        parts += ["noise=\(noise)", "seed=\(seed)"]
        return parts.joined(separator: ",")
    }

    /// The input shape of one item.
    public var sampleShape: [Int] { kind == .blobs ? [features] : [channels, size, size] }

    // MARK: - Generating

    /// Generates one split (its first `limit` items when given).
    public func generate(split: DatasetSplit, limit: Int? = nil) -> Dataset {
        var root = SeededGenerator(seed: seed)
        var centreGenerator = root.fork()
        let trainGenerator = root.fork()
        let testGenerator = root.fork()
        var generator = split == .train ? trainGenerator : testGenerator
        let total = split == .train ? samples : testSamples
        var labels = (0..<total).map { $0 % classes }
        labels.seededShuffle(using: &generator)
        let kept = max(0, min(limit ?? total, total))
        labels = Array(labels.prefix(kept))
        let name = "synthetic:\(kind.rawValue)/\(split.rawValue)"
        switch kind {
        case .blobs:
            let width = features
            let centres = Tensor.randomNormal(
                shape: [classes, width], standardDeviation: separation, using: &centreGenerator)
            let spread = noise
            let images = Tensor(shape: [kept, width]) { out in
                centres.withUnsafeBufferPointer { centre in
                    for item in 0..<kept {
                        let row = labels[item] * width
                        for feature in 0..<width {
                            out[item * width + feature] = centre[row + feature] + spread * generator.nextNormal()
                        }
                    }
                }
            }
            return Dataset(unchecked: images, labels: labels, classCount: classes, name: name)
        case .images:
            let side = size
            let planes = channels
            let pixelNoise = noise
            let classCount = classes
            let baseWavelength = max(2.5, Double(side) / 4)
            let images = Tensor(shape: [kept, planes, side, side]) { out in
                for item in 0..<kept {
                    let label = labels[item]
                    let angle = Double.pi * Double(label) / Double(classCount)
                    let wavelength = baseWavelength * (label % 2 == 0 ? 1 : 1.5)
                    let kx = 2 * Double.pi * cos(angle) / wavelength
                    let ky = 2 * Double.pi * sin(angle) / wavelength
                    let phase = 2 * Double.pi * Double(generator.nextUniform())
                    for channel in 0..<planes {
                        let base = (item * planes + channel) * side * side
                        let gain = 0.4 - 0.2 * Double(channel) / Double(max(1, planes))
                        for y in 0..<side {
                            for x in 0..<side {
                                let wave = Float(0.5 + gain * cos(kx * Double(x) + ky * Double(y) + phase))
                                let value = wave + pixelNoise * generator.nextNormal()
                                out[base + y * side + x] = min(1, max(0, value))
                            }
                        }
                    }
                }
            }
            return Dataset(unchecked: images, labels: labels, classCount: classes, name: name)
        }
    }

    // MARK: - Private

    private func checkSize(name: String) throws(DataError) {
        let perItem = sampleShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        for count in [samples, testSamples] {
            let (elements, overflow) = perItem.multipliedReportingOverflow(by: count)
            guard !overflow, elements <= SyntheticDataset.maximumElementCount else {
                throw .invalidDataset(
                    name: name,
                    reason:
                        "\(count) items of shape \(sampleShape) exceed \(SyntheticDataset.maximumElementCount) values")
            }
        }
        if kind == .blobs {
            let (centreCount, overflow) = classes.multipliedReportingOverflow(by: features)
            guard !overflow, centreCount <= SyntheticDataset.maximumElementCount else {
                throw .invalidDataset(
                    name: name, reason: "\(classes) centres of \(features) features are too many values")
            }
        }
    }
}
