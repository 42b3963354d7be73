/// The outcome of a re-adaption task with the columns of the paper's Table III, modular and full
/// retraining side by side (same data, loss, optimizer, epochs and seed).
///
/// Table III's "accuracy before" is ``accuracyBeforeTable``: on D′ for enhancement, on D for repair.
public struct ReadaptionReport: Sendable, Codable, Equatable {
    /// Accuracies of one model (inference mode).
    public struct Accuracies: Sendable, Codable, Equatable {
        /// On D′, the new samples.
        public var new: Double
        /// On D, the original samples.
        public var original: Double
        /// On the clean test set, when one was given.
        public var test: Double?

        /// Creates accuracies.
        public init(new: Double, original: Double, test: Double?) {
            self.new = new
            self.original = original
            self.test = test
        }
    }

    /// One retraining run (modular or full).
    public struct Side: Sendable, Codable, Equatable {
        /// The number of scalar parameters that trained.
        public var trainedParameterCount: Int
        /// The units that trained.
        public var trainedUnits: [Int]
        /// Accuracies after retraining.
        public var accuracyAfter: Accuracies
        /// Wall time of the retraining run (fitting the deviation, the prefix cache and the epochs;
        /// evaluation excluded).
        public var seconds: Double
        /// The run's details (per-epoch losses, cache use).
        public var run: RetrainingSummary

        /// Creates a side.
        public init(run: RetrainingSummary, accuracyAfter: Accuracies) {
            self.trainedParameterCount = run.trainedParameterCount
            self.trainedUnits = run.trainedUnits
            self.accuracyAfter = accuracyAfter
            self.seconds = run.seconds
            self.run = run
        }
    }

    /// The task.
    public var task: ReadaptionTask
    /// The deviation measure's identifier.
    public var measure: String
    /// The retraining recipe shared by both sides.
    public var options: ModularRetrainer.Options
    /// The critical-module ranking, when the modules were located (nil when given explicitly).
    public var ranking: CriticalModuleRanking?
    /// Wall time of locating the critical modules (0 when given explicitly); not part of either
    /// side's ``Side/seconds``.
    public var locateSeconds: Double
    /// Wall time of the modularization that produced the modules, when the caller ran one and
    /// recorded it (`deeparc enhance` and `deeparc repair` do); 0 otherwise. Not part of either
    /// side's ``Side/seconds`` or of ``locateSeconds``.
    public var modularizationSeconds: Double = 0
    /// The retrained modules.
    public var scope: RetrainingScope
    /// |D|, |D′| and the test set's size (0 without one).
    public var sampleCounts: [String: Int]
    /// The model's accuracies before retraining.
    public var accuracyBefore: Accuracies
    /// Table III's "accuracy before": on D′ for enhancement, on D for repair.
    public var accuracyBeforeTable: Double
    /// Modular retraining.
    public var modular: Side
    /// Full retraining (the baseline), when it was run.
    public var full: Side?

    /// Creates a report.
    public init(
        task: ReadaptionTask, measure: String, options: ModularRetrainer.Options, ranking: CriticalModuleRanking?,
        locateSeconds: Double = 0,
        scope: RetrainingScope, sampleCounts: [String: Int], accuracyBefore: Accuracies, modular: Side, full: Side?
    ) {
        self.task = task
        self.measure = measure
        self.options = options
        self.ranking = ranking
        self.locateSeconds = locateSeconds
        self.scope = scope
        self.sampleCounts = sampleCounts
        self.accuracyBefore = accuracyBefore
        self.accuracyBeforeTable = task == .enhancement ? accuracyBefore.new : accuracyBefore.original
        self.modular = modular
        self.full = full
    }
}
