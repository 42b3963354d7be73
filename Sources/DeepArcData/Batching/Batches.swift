import DeepArcTensor

/// Mini-batches over a dataset, epoch by epoch: seeded shuffling, a batch size, an optional
/// drop of the last incomplete batch, and optional seeded augmentation.
///
/// The order of epoch `e` depends only on `seed` and `e`, so runs are reproducible and an epoch
/// can be replayed. Iterating an epoch gathers each batch into a reused tensor buffer: as long
/// as the caller lets go of a batch before asking for the next one (as a `for` loop does), no
/// new storage is allocated after the first batch.
///
/// ```swift
/// let batches = try Batches(dataset: train, batchSize: 128, seed: 7,
///                           augmentation: Augmentation(padding: 4, horizontalFlip: true))
/// for epoch in 0..<10 {
///     for batch in batches.epoch(epoch) { /* train on batch.images, batch.labels */ }
/// }
/// ```
public struct Batches: Sendable {
    /// The dataset batched.
    public let dataset: Dataset
    /// The number of items per batch (the last one may be smaller unless `dropLast`).
    public let batchSize: Int
    /// Whether each epoch visits the items in a seeded random order (otherwise in dataset order).
    public let shuffle: Bool
    /// Whether an incomplete last batch is skipped.
    public let dropLast: Bool
    /// The seed of the shuffling and augmentation.
    public let seed: UInt64
    /// The augmentation applied to every batch, if any.
    public let augmentation: Augmentation?

    /// Creates the batching of `dataset`.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` for a batch size below 1 or an
    ///   augmentation that does not fit the dataset's items.
    public init(
        dataset: Dataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0,
        augmentation: Augmentation? = nil
    ) throws(DataError) {
        guard batchSize >= 1 else {
            throw .invalidArgument(operation: "Batches (\(dataset.name))", reason: "batch size \(batchSize) is below 1")
        }
        try augmentation?.validate(for: dataset.images.shape)
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.augmentation = augmentation
    }

    /// The number of batches per epoch.
    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The order in which epoch `epoch` visits the dataset's items.
    public func order(epoch: Int) -> [Int] {
        var generators = Batches.generators(seed: seed, epoch: epoch)
        var indices = Array(0..<dataset.count)
        if shuffle { indices.seededShuffle(using: &generators.order) }
        return indices
    }

    /// The batches of epoch `epoch`.
    public func epoch(_ epoch: Int) -> BatchIterator {
        let generators = Batches.generators(seed: seed, epoch: epoch)
        return BatchIterator(batches: self, order: order(epoch: epoch), augmentationGenerator: generators.augmentation)
    }

    /// Independent generators for the order and the augmentation of one epoch.
    private static func generators(seed: UInt64, epoch: Int) -> (order: SeededGenerator, augmentation: SeededGenerator)
    {
        var root = SeededGenerator(seed: seed ^ (UInt64(bitPattern: Int64(epoch)) &* 0x9E37_79B9_7F4A_7C15))
        return (root.fork(), root.fork())
    }
}
