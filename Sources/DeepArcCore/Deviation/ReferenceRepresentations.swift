public import DeepArcTensor

/// The reference a ``DeviationMeasure`` is fitted on: the representations of the original samples D
/// at one module's output, with their labels and the model's predictions.
public struct ReferenceRepresentations: Sendable, Equatable {
    /// The representations, `[m, …]`: one row per sample, flattened per sample in NCHW order.
    public let representations: Tensor
    /// The true label of each sample, or nil (a paired measure does not need them).
    public let labels: [Int]?
    /// The model's predicted label of each sample, or nil. A label-conditioned measure fits each class
    /// only on the samples whose prediction equals their label (spec: "the samples of D with label c
    /// that the model predicts correctly"); without predictions it uses every sample.
    public let predictions: [Int]?

    /// Creates a reference.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `representations` has rank 0 or
    ///   no sample, holds NaN or infinity, or when `labels` / `predictions` have a different count than
    ///   the samples or hold a negative class.
    public init(representations: Tensor, labels: [Int]? = nil, predictions: [Int]? = nil) throws(DeepArcError) {
        try DeviationInputCheck.representations(representations, what: "reference representations")
        let count = representations.shape[0]
        try DeviationInputCheck.classes(labels, count: count, what: "reference labels")
        try DeviationInputCheck.classes(predictions, count: count, what: "reference predictions")
        self.representations = representations
        self.labels = labels
        self.predictions = predictions
    }

    /// The number of samples m.
    public var sampleCount: Int { representations.shape[0] }
    /// The number of features per sample.
    public var featureCount: Int { representations.itemCount }
}
