import DeepArcTensor

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
