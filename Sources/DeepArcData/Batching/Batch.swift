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
