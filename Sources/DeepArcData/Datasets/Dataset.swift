public import DeepArcTensor

/// A labelled classification dataset held in memory.
///
/// `images` is `[N, C, H, W]` for image data (values scaled to [0, 1] by the loaders) or
/// `[N, F]` for feature vectors; in both cases dimension 1 is the "channel" axis that
/// ``normalizationStatistics()`` and ``normalized(mean:std:)`` work per. `labels[i]` is the class
/// of item `i`, in `0..<classCount`.
///
/// ```swift
/// let train = try DatasetSource(parsing: "fashion-mnist").load(split: .train, limit: 10_000)
/// let (fit, validation) = try train.split(holdoutFraction: 0.1, seed: 1)
/// let stats = fit.normalizationStatistics()
/// let ready = try fit.normalized(mean: stats.mean, std: stats.std)
/// ```
public struct Dataset: Sendable {
    /// The inputs, `[N, C, H, W]` or `[N, F]`.
    public internal(set) var images: Tensor
    /// The class of each item, in `0..<classCount`.
    public internal(set) var labels: [Int]
    /// The number of classes.
    public let classCount: Int
    /// A short name for messages and reports (`"fashion-mnist/train"`).
    public var name: String

    /// Creates a dataset after checking that the parts fit together.
    /// - Throws: ``DataError/invalidContents(path:reason:)`` (naming `name`) when `images` has rank
    ///   other than 2 or 4, its item count differs from `labels.count`, `classCount` is below 1, or a
    ///   label is outside `0..<classCount`.
    public init(images: Tensor, labels: [Int], classCount: Int, name: String) throws(DataError) {
        guard images.rank == 2 || images.rank == 4 else {
            throw .invalidContents(
                path: name, reason: "images must be [N, C, H, W] or [N, F], got shape \(images.shape)")
        }
        guard images.shape[0] == labels.count else {
            throw .invalidContents(path: name, reason: "\(images.shape[0]) images but \(labels.count) labels")
        }
        guard classCount >= 1 else {
            throw .invalidContents(path: name, reason: "class count \(classCount) is below 1")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw .invalidContents(
                path: name, reason: "label \(labels[bad]) of item \(bad) is outside 0..<\(classCount)")
        }
        self.images = images
        self.labels = labels
        self.classCount = classCount
        self.name = name
    }

    /// Creates a dataset from parts already known to be consistent.
    init(unchecked images: Tensor, labels: [Int], classCount: Int, name: String) {
        self.images = images
        self.labels = labels
        self.classCount = classCount
        self.name = name
    }

    // MARK: - Shape

    /// The number of items.
    public var count: Int { labels.count }

    /// The shape of one item (`[C, H, W]` or `[F]`).
    public var sampleShape: [Int] { Array(images.shape.dropFirst()) }

    /// The number of channels (dimension 1 of ``images``).
    public var channelCount: Int { images.shape[1] }

    /// How many items carry each label, indexed by class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    // MARK: - Selecting

    /// The items at `indices`, in that order (repetitions allowed).
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for an index outside `0..<count`.
    public func subset(_ indices: [Int]) throws(DataError) -> Dataset {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw .invalidArgument(
                operation: "Dataset.subset (\(name))", reason: "index \(bad) is outside 0..<\(count)")
        }
        return gathered(indices)
    }

    /// The first `n` items (all of them when `n >= count`; none when `n <= 0`).
    public func prefix(_ n: Int) -> Dataset {
        let kept = max(0, min(n, count))
        guard kept < count else { return self }
        return gathered(Array(0..<kept))
    }

    /// Splits the items into two disjoint parts, `holdoutFraction` of them (rounded) going to `holdout`.
    ///
    /// With `stratified` (the default) every class is split in the same proportion (class sizes
    /// are rounded by largest remainder so the total is exact); otherwise items are drawn
    /// uniformly. Which items go where is decided by `seed` alone; both parts keep the original
    /// item order.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` when the fraction is outside [0, 1].
    public func split(
        holdoutFraction: Double, seed: UInt64, stratified: Bool = true
    ) throws(DataError) -> (rest: Dataset, holdout: Dataset) {
        guard holdoutFraction.isFinite, (0...1).contains(holdoutFraction) else {
            throw .invalidArgument(
                operation: "Dataset.split (\(name))", reason: "holdout fraction \(holdoutFraction) is outside [0, 1]")
        }
        var generator = SeededGenerator(seed: seed)
        let total = Int((Double(count) * holdoutFraction).rounded())
        var chosen = [Bool](repeating: false, count: count)
        if stratified {
            var members = [[Int]](repeating: [], count: classCount)
            for (index, label) in labels.enumerated() { members[label].append(index) }
            // Largest-remainder apportionment of `total` over the classes.
            let exact = members.map { Double($0.count) * holdoutFraction }
            var quotas = exact.map { Int($0.rounded(.down)) }
            let order = (0..<classCount).sorted { a, b in
                let ra = exact[a] - Double(quotas[a]), rb = exact[b] - Double(quotas[b])
                return ra != rb ? ra > rb : a < b
            }
            var missing = total - quotas.reduce(0, +)
            for label in order where missing > 0 && quotas[label] < members[label].count {
                quotas[label] += 1
                missing -= 1
            }
            for label in 0..<classCount {
                var indices = members[label]
                indices.seededShuffle(using: &generator)
                for index in indices.prefix(quotas[label]) { chosen[index] = true }
            }
        } else {
            var indices = Array(0..<count)
            indices.seededShuffle(using: &generator)
            for index in indices.prefix(total) { chosen[index] = true }
        }
        let holdoutIndices = (0..<count).filter { chosen[$0] }
        let restIndices = (0..<count).filter { !chosen[$0] }
        var rest = gathered(restIndices)
        var holdout = gathered(holdoutIndices)
        rest.name = name + "/rest"
        holdout.name = name + "/holdout"
        return (rest, holdout)
    }

    // MARK: - Private

    /// The items at `indices`, which the caller has checked.
    func gathered(_ indices: [Int]) -> Dataset {
        let width = images.itemCount
        var shape = images.shape
        shape[0] = indices.count
        let gatheredImages = Tensor(shape: shape) { out in
            images.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = out.baseAddress else { return }
                for (position, index) in indices.enumerated() {
                    (to + position * width).update(from: from + index * width, count: width)
                }
            }
        }
        return Dataset(
            unchecked: gatheredImages, labels: indices.map { labels[$0] }, classCount: classCount, name: name)
    }
}
