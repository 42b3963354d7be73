public import DeepArcTensor

/// One training batch of re-adaption: rows of D and of D′ together, with what ties the D′ rows to
/// the deviation's reference.
public struct RetrainingBatch: Sendable {
    /// The input of the first unit that runs: raw samples when training starts at unit 0, otherwise
    /// the cached (or recomputed) output of the unit before.
    public var inputs: Tensor
    /// The label of every row.
    public var labels: [Int]
    /// The rows that belong to D′ (the deviation term is computed on these), ascending.
    public var newRows: [Int]
    /// For a paired deviation: the source index in D of each row of ``newRows``.
    public var newSources: [Int]?

    /// Creates a batch.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when the counts of rows, labels and
    ///   sources disagree or a D′ row is outside the batch or repeated.
    public init(inputs: Tensor, labels: [Int], newRows: [Int], newSources: [Int]? = nil) throws(DeepArcError) {
        let count = inputs.batchCount
        guard inputs.rank >= 1, labels.count == count else {
            throw .invalidConfiguration(
                reason: "retraining batch: \(labels.count) labels for inputs of shape \(inputs.shape)")
        }
        let sorted = newRows.sorted()
        guard sorted.allSatisfy({ $0 >= 0 && $0 < count }), Set(sorted).count == sorted.count else {
            throw .invalidConfiguration(
                reason: "retraining batch: D′ rows \(newRows) are not distinct rows of 0..<\(count)")
        }
        if let newSources, newSources.count != newRows.count {
            throw .invalidConfiguration(
                reason: "retraining batch: \(newSources.count) source indices for \(newRows.count) D′ rows")
        }
        self.inputs = inputs
        self.labels = labels
        self.newRows = newRows
        self.newSources = newSources
    }

    /// The number of rows.
    public var count: Int { labels.count }
}

/// The loss of one batch (paper Eq. 5): α·CE + β·Dev.
public struct RetrainingLoss: Sendable, Equatable, Codable {
    /// α·``crossEntropy`` + β·``deviation``; NaN or infinite when training diverged.
    public var total: Double
    /// The mean cross-entropy over the batch's rows (D and D′).
    public var crossEntropy: Double
    /// The deviation of the batch's D′ rows at the retrained modules' outputs (mean over modules; 0
    /// when β = 0 or the batch holds no D′ row).
    public var deviation: Double
    /// Rows predicted correctly (training-mode forward).
    public var correct: Int
    /// Rows in the batch.
    public var count: Int
    /// D′ rows predicted correctly (training-mode forward).
    public var correctNew: Int
    /// D′ rows in the batch.
    public var countNew: Int

    /// Creates a loss.
    public init(
        total: Double, crossEntropy: Double, deviation: Double, correct: Int, count: Int, correctNew: Int = 0,
        countNew: Int = 0
    ) {
        self.total = total
        self.crossEntropy = crossEntropy
        self.deviation = deviation
        self.correct = correct
        self.count = count
        self.correctNew = correctNew
        self.countNew = countNew
    }
}
