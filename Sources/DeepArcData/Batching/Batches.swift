public import DeepArcTensor

/// One mini-batch: inputs, labels and the dataset indices they came from.
public struct Batch: Sendable {
    /// The inputs, the dataset's item shape with the batch size in front.
    public var images: Tensor
    /// The label of each item.
    public var labels: [Int]
    /// The dataset index of each item.
    public var indices: [Int]

    /// The number of items.
    public var count: Int { labels.count }
}

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

/// The batches of one epoch, in order (see ``Batches``).
public struct BatchIterator: IteratorProtocol, Sequence, Sendable {
    private let batches: Batches
    private let order: [Int]
    private var position = 0
    private var augmentationGenerator: SeededGenerator
    private var buffer: Tensor?

    init(batches: Batches, order: [Int], augmentationGenerator: SeededGenerator) {
        self.batches = batches
        self.order = order
        self.augmentationGenerator = augmentationGenerator
    }

    /// The next batch, or nil at the end of the epoch.
    public mutating func next() -> Batch? {
        let remaining = order.count - position
        let size = Swift.min(batches.batchSize, remaining)
        guard size > 0, !(batches.dropLast && size < batches.batchSize) else { return nil }
        let indices = Array(order[position..<(position + size)])
        position += size
        let images = batches.dataset.images
        var shape = images.shape
        shape[0] = size
        var target: Tensor
        if let previous = buffer, previous.shape == shape {
            target = previous
            buffer = nil  // drop our reference so the write below can reuse the storage in place
        } else {
            target = Tensor(zeros: shape)
        }
        let width = images.itemCount
        images.withUnsafeBufferPointer { source in
            target.withUnsafeMutableBufferPointer { out in
                guard let from = source.baseAddress, let to = out.baseAddress else { return }
                for (slot, index) in indices.enumerated() {
                    (to + slot * width).update(from: from + index * width, count: width)
                }
            }
        }
        if let augmentation = batches.augmentation {
            // Validated for these shapes when the batching was created, so this cannot throw.
            try? augmentation.apply(to: &target, using: &augmentationGenerator)
        }
        buffer = target
        let labels = batches.dataset.labels
        return Batch(images: target, labels: indices.map { labels[$0] }, indices: indices)
    }
}
