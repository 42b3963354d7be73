public import DeepArcNN

/// A repair mutant made by ``RepairMutator``: the mutated model and how it was made.
public struct RepairMutant {
    /// The mutated model.
    public let model: Model
    /// The share of the replaceable weights that were replaced.
    public let fraction: Double
    /// The number of weights replaced.
    public let replacedWeights: Int
    /// The number of replaceable weights (unmasked entries of prunable weights).
    public let weightCount: Int
    /// The original model's accuracy on the evaluation data.
    public let originalAccuracy: Double
    /// The mutant's accuracy on the evaluation data.
    public let accuracy: Double
    /// The accuracy aimed at: original · (1 − target drop).
    public let targetAccuracy: Double
    /// How many mutants were evaluated.
    public let evaluations: Int

    /// The description without the model, for reports.
    public var summary: Summary {
        Summary(
            fraction: fraction, replacedWeights: replacedWeights, weightCount: weightCount,
            originalAccuracy: originalAccuracy, accuracy: accuracy, targetAccuracy: targetAccuracy,
            evaluations: evaluations)
    }

    /// A ``RepairMutant`` without its model.
    public struct Summary: Sendable, Codable, Equatable {
        /// See ``RepairMutant/fraction``.
        public var fraction: Double
        /// See ``RepairMutant/replacedWeights``.
        public var replacedWeights: Int
        /// See ``RepairMutant/weightCount``.
        public var weightCount: Int
        /// See ``RepairMutant/originalAccuracy``.
        public var originalAccuracy: Double
        /// See ``RepairMutant/accuracy``.
        public var accuracy: Double
        /// See ``RepairMutant/targetAccuracy``.
        public var targetAccuracy: Double
        /// See ``RepairMutant/evaluations``.
        public var evaluations: Int
    }
}
