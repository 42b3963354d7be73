public import DeepArcTensor

/// A batch of new samples D′ to score: their representations at the module's output and what ties
/// them to the reference (source indices for a paired measure, labels for a label-conditioned one).
public struct DeviationBatch: Sendable, Equatable {
    /// The representations, `[b, …]`, with the same features per sample as the reference.
    public let representations: Tensor
    /// For a ``DeviationPairing/paired`` measure: the row of ``ReferenceRepresentations`` each sample
    /// was derived from. Nil otherwise.
    public let sources: [Int]?
    /// For a ``DeviationPairing/labelConditioned`` measure: each sample's label. Nil otherwise.
    public let labels: [Int]?

    /// Creates a batch.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `representations` has rank 0 or
    ///   no sample, holds NaN or infinity, or when `sources` / `labels` have a different count than the
    ///   samples or hold a negative value. Whether a source index lies inside the reference is checked
    ///   by the fitted measure, which knows the reference's size.
    public init(representations: Tensor, sources: [Int]? = nil, labels: [Int]? = nil) throws(DeepArcError) {
        try DeviationInputCheck.representations(representations, what: "batch representations")
        let count = representations.shape[0]
        try DeviationInputCheck.classes(sources, count: count, what: "batch source indices")
        try DeviationInputCheck.classes(labels, count: count, what: "batch labels")
        self.representations = representations
        self.sources = sources
        self.labels = labels
    }

    /// The number of samples b.
    public var sampleCount: Int { representations.shape[0] }
    /// The number of features per sample.
    public var featureCount: Int { representations.itemCount }
}
