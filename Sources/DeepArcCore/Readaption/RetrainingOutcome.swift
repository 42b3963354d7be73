public import DeepArcNN

/// The result of one retraining run: the retrained model and a summary of the run.
public struct RetrainingOutcome {
    /// The retrained model (a copy; the input model is left unchanged).
    public let model: Model
    /// What happened during the run.
    public let summary: RetrainingSummary
}

/// A summary of one retraining run (modular or full), for reports.
public struct RetrainingSummary: Sendable, Codable, Equatable {
    /// One epoch's means over its samples.
    public struct Epoch: Sendable, Codable, Equatable {
        /// The epoch (1-based).
        public var epoch: Int
        /// Mean α·CE + β·Dev.
        public var loss: Double
        /// Mean cross-entropy.
        public var crossEntropy: Double
        /// Mean deviation of the D′ rows.
        public var deviation: Double
        /// Training accuracy on D ∪ D′ (training-mode forward).
        public var accuracy: Double
        /// Training accuracy on the D′ rows alone (training-mode forward); what
        /// ``ModularRetrainer/Options/targetAccuracy`` is compared with under
        /// ``ModularRetrainer/Options/TargetMeasure/training``.
        public var newAccuracy: Double
        /// Accuracy on D′ in inference mode at the epoch's last check (its end, or the check that
        /// reached the target); measured only when a target accuracy is compared with it
        /// (``ModularRetrainer/Options/TargetMeasure/evaluated``), else nil.
        public var evaluatedNewAccuracy: Double?
        /// Accuracy on D′ in inference mode at each check of the epoch, in order: one per
        /// ``ModularRetrainer/Options/targetChecksPerEpoch``, fewer when the target was reached, the
        /// last equal to ``evaluatedNewAccuracy``; empty when no target is compared with it.
        public var evaluations: [Double]
        /// Steps (batches) the epoch ran: all of them, or those up to the check that reached the
        /// target.
        public var steps: Int
        /// Wall time of the epoch.
        public var seconds: Double
    }

    /// Whether every unit trained (the baseline) rather than the modules' units.
    public var full: Bool
    /// The retrained modules and where the deviation was measured.
    public var scope: RetrainingScope
    /// α in effect.
    public var alpha: Double
    /// β in effect (see ``ModularRetrainer/Options/effectiveBeta(for:)``).
    public var beta: Double
    /// The units that trained, ascending.
    public var trainedUnits: [Int]
    /// The number of scalar parameters that trained (running statistics excluded).
    public var trainedParameterCount: Int
    /// The first unit that ran forward during training (0 for the baseline).
    public var startUnit: Int
    /// Whether the frozen prefix's outputs were computed once and cached (false for the baseline,
    /// when the prefix is empty, when caching is off or when the cache would be too large).
    public var prefixCached: Bool
    /// Wall time of computing the prefix cache (included in ``seconds``).
    public var cacheSeconds: Double
    /// Wall time of the whole run: fitting the deviation, the cache and every epoch.
    public var seconds: Double
    /// Per-epoch means.
    public var epochs: [Epoch]
    /// The total loss of every step, in order.
    public var stepLosses: [Double]
}
