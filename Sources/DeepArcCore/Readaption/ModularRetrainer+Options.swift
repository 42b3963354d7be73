extension ModularRetrainer {
    /// The retraining recipe: the loss weights α and β of Eq. 5 and the optimisation settings, shared
    /// by modular retraining and the full-retraining baseline.
    ///
    /// Defaults, and why they differ from the authors' code (α = β = 0.5, SGD learning rate 10⁻⁴,
    /// momentum 0.9, batch 128, 10 epochs, which fine-tunes large CIFAR models that already fit
    /// their data): α = 0.5, β = 0.5 for `explicit` and 0.05 for `gaussian` (see ``beta``), SGD with learning rate 10⁻² (not 10⁻⁴: on the small models this
    /// package trains in seconds, 10⁻⁴ barely moves the weights in 10 epochs), momentum 0.9 without
    /// Nesterov, no weight decay, a constant learning rate, batch 128, 10 epochs, seed 1. The
    /// stopping rule is the same for modular and full retraining: ``epochs`` epochs, or, with
    /// ``targetAccuracy``, the first check whose accuracy on D′ (see ``targetMeasure``) reaches it
    /// (at each epoch's end, or ``targetChecksPerEpoch`` times per epoch; ``epochs`` is then the cap). A NaN or infinite loss stops either with an error.
    ///
    /// Every field has a default, so a partial configuration decodes; unknown keys are rejected.
    public struct Options: Codable, Sendable, Equatable {
        /// α, the weight of the cross-entropy over D ∪ D′ (≥ 0; default 0.5).
        public var alpha: Double = 0.5
        /// β, the weight of the deviation of D′ at the retrained module's output (≥ 0). When several
        /// modules are retrained, the deviation is the mean over their outputs.
        ///
        /// `nil` (the default) picks by the measure's pairing (``effectiveBeta(for:)``): 0.5 for a
        /// paired measure (`explicit`, as the authors' code), 0.05 for a label-conditioned one
        /// (`gaussian`): its negative log-density is in nats, and with β = 0.5 the gradient of
        /// the Gaussians' precision (large along directions where D's representations barely vary)
        /// wrecked the small test models within an epoch, while β = 0.05 repaired them.
        public var beta: Double?
        /// Passes over D ∪ D′ (default 10); the most when ``targetAccuracy`` is set.
        public var epochs: Int = 10
        /// Stop at the first check (see ``targetChecksPerEpoch``) whose accuracy on D′ (see
        /// ``targetMeasure``) is at least this, in (0, 1]; nil (the default) runs all ``epochs``. Re-adaption exists to fit D′; modular
        /// retraining is cheap per epoch, so a target brings both runs to the same fit of D′ and
        /// compares what that fit costs (and what it does to D and the test set).
        public var targetAccuracy: Double?
        /// What ``targetAccuracy`` is compared with (default ``TargetMeasure/evaluated``).
        public var targetMeasure: TargetMeasure = .evaluated
        /// How many times per epoch an ``TargetMeasure/evaluated`` target is checked (default 1, at
        /// the epoch's end; at least 1). With n, the checks follow steps ⌈k·B/n⌉ for k = 1…n of an
        /// epoch of B steps, and the run stops at the first check that reaches the target. A run that
        /// gains several points per epoch otherwise overshoots the target by up to that gain, and two
        /// runs that learn at different speeds are compared at different distances from it; each check
        /// costs one inference pass over D′, counted in the epoch's time.
        public var targetChecksPerEpoch: Int = 1
        /// Samples per step (default 128). Each batch holds a proportional share of D and of D′.
        public var batchSize: Int = 128
        /// The optimizer (default SGD).
        public var optimizer: TrainingConfiguration.OptimizerKind = .sgd
        /// The learning rate (default 10⁻² for SGD, 10⁻³ for Adam/AdamW).
        public var learningRate: Float?
        /// SGD momentum (default 0.9).
        public var momentum: Float = 0.9
        /// Nesterov momentum for SGD (default false).
        public var nesterov: Bool = false
        /// Weight decay (default 0).
        public var weightDecay: Float = 0
        /// The learning-rate schedule (default constant).
        public var schedule: TrainingConfiguration.ScheduleKind = .constant
        /// The seed of the batch order (default 1); modular and full retraining see the same batches.
        public var seed: UInt64 = 1
        /// Whether modular retraining computes the frozen prefix's outputs once and trains from
        /// them (default true). When false, or when the cache would exceed ``maximumCacheBytes``,
        /// the prefix is recomputed (in inference mode) for every batch.
        public var cachePrefix: Bool = true
        /// The largest prefix cache in bytes (default 2 GiB).
        public var maximumCacheBytes: Int = 2 << 30

        /// Creates the default options.
        public init() {}

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case alpha, beta, epochs, targetAccuracy, targetMeasure, targetChecksPerEpoch
            case batchSize, optimizer, learningRate, momentum, nesterov, weightDecay, schedule
            case seed, cachePrefix, maximumCacheBytes
        }

        /// Decodes possibly partial options; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key; a
        ///   `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            try ConfigurationKey.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "retraining")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            alpha = try container.decodeIfPresent(Double.self, forKey: .alpha) ?? defaults.alpha
            beta = try container.decodeIfPresent(Double.self, forKey: .beta)
            epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs
            targetAccuracy = try container.decodeIfPresent(Double.self, forKey: .targetAccuracy)
            targetMeasure =
                try container.decodeIfPresent(TargetMeasure.self, forKey: .targetMeasure) ?? defaults.targetMeasure
            targetChecksPerEpoch =
                try container.decodeIfPresent(Int.self, forKey: .targetChecksPerEpoch) ?? defaults.targetChecksPerEpoch
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
            optimizer =
                try container.decodeIfPresent(TrainingConfiguration.OptimizerKind.self, forKey: .optimizer)
                ?? defaults.optimizer
            learningRate = try container.decodeIfPresent(Float.self, forKey: .learningRate)
            momentum = try container.decodeIfPresent(Float.self, forKey: .momentum) ?? defaults.momentum
            nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? defaults.nesterov
            weightDecay = try container.decodeIfPresent(Float.self, forKey: .weightDecay) ?? defaults.weightDecay
            schedule =
                try container.decodeIfPresent(TrainingConfiguration.ScheduleKind.self, forKey: .schedule)
                ?? defaults.schedule
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
            cachePrefix = try container.decodeIfPresent(Bool.self, forKey: .cachePrefix) ?? defaults.cachePrefix
            maximumCacheBytes =
                try container.decodeIfPresent(Int.self, forKey: .maximumCacheBytes) ?? defaults.maximumCacheBytes
        }

        /// The accuracy on D′ that ``targetAccuracy`` is compared with after each epoch.
        public enum TargetMeasure: String, Codable, Sendable, CaseIterable {
            /// The model's accuracy on D′ in inference mode after the epoch (one inference pass over
            /// D′ per epoch, counted in the epoch's time; modular retraining runs it from the cached
            /// prefix). The same quantity as the report's accuracy on D′ after retraining, so both
            /// runs stop at the same fit of D′ whatever their per-epoch progress.
            case evaluated
            /// The share of the epoch's D′ rows predicted correctly while training on them (free,
            /// but it averages over a model that changed during the epoch, so a run that learns
            /// faster per epoch overshoots the target by more at evaluation).
            case training
        }

        /// The default β of a paired measure.
        public static let pairedBeta = 0.5
        /// The default β of a label-conditioned measure.
        public static let labelConditionedBeta = 0.05

        /// The β in effect for a measure with `pairing`: ``beta`` when set, otherwise
        /// ``pairedBeta`` or ``labelConditionedBeta``.
        public func effectiveBeta(for pairing: DeviationPairing) -> Double {
            beta ?? (pairing == .paired ? Self.pairedBeta : Self.labelConditionedBeta)
        }

        /// The learning rate in effect (explicit, or 10⁻² for SGD and 10⁻³ for Adam/AdamW).
        public var effectiveLearningRate: Float { learningRate ?? (optimizer == .sgd ? 1e-2 : 1e-3) }

        /// The same settings as a ``TrainingConfiguration`` (no augmentation: the cached prefix
        /// outputs cannot be augmented, so neither side augments).
        public var trainingConfiguration: TrainingConfiguration {
            var configuration = TrainingConfiguration()
            configuration.epochs = epochs
            configuration.batchSize = batchSize
            configuration.optimizer = optimizer
            configuration.learningRate = effectiveLearningRate
            configuration.momentum = momentum
            configuration.nesterov = nesterov
            configuration.weightDecay = weightDecay
            configuration.schedule = schedule
            configuration.augmentation = nil
            configuration.seed = seed
            return configuration
        }

        /// Checks the values.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `alpha` or `beta`
        ///   when negative or not finite, both when α = β = 0, and `epochs`, `targetAccuracy`,
        ///   `targetChecksPerEpoch` (below 1, or above 1 with the training measure), `batchSize`,
        ///   `learningRate`, `weightDecay` or `maximumCacheBytes` when out of range.
        public func validate() throws(DeepArcError) {
            let owner = "retraining"
            for (name, value) in [("alpha", alpha), ("beta", beta ?? 1)] where !(value >= 0 && value.isFinite) {
                throw .invalidOption(strategy: owner, option: name, reason: "must be finite and ≥ 0, got \(value)")
            }
            guard alpha > 0 || (beta ?? 1) > 0 else {
                throw .invalidOption(
                    strategy: owner, option: "alpha, beta",
                    reason: "α = β = 0 leaves nothing to train on; make one positive")
            }
            guard epochs >= 1 else {
                throw .invalidOption(strategy: owner, option: "epochs", reason: "must be at least 1, got \(epochs)")
            }
            if let targetAccuracy, !(targetAccuracy > 0 && targetAccuracy <= 1) {
                throw .invalidOption(
                    strategy: owner, option: "targetAccuracy", reason: "must be in (0, 1], got \(targetAccuracy)")
            }
            guard targetChecksPerEpoch >= 1 else {
                throw .invalidOption(
                    strategy: owner, option: "targetChecksPerEpoch",
                    reason: "must be at least 1, got \(targetChecksPerEpoch)")
            }
            guard targetChecksPerEpoch == 1 || targetMeasure == .evaluated else {
                throw .invalidOption(
                    strategy: owner, option: "targetChecksPerEpoch",
                    reason: "checks within an epoch need the evaluated target measure, not \(targetMeasure.rawValue)")
            }
            guard batchSize >= 1 else {
                throw .invalidOption(
                    strategy: owner, option: "batchSize", reason: "must be at least 1, got \(batchSize)")
            }
            guard effectiveLearningRate > 0, effectiveLearningRate.isFinite else {
                throw .invalidOption(
                    strategy: owner, option: "learningRate",
                    reason: "must be positive and finite, got \(effectiveLearningRate)")
            }
            guard weightDecay >= 0, weightDecay.isFinite else {
                throw .invalidOption(
                    strategy: owner, option: "weightDecay", reason: "must be finite and ≥ 0, got \(weightDecay)")
            }
            guard maximumCacheBytes >= 0 else {
                throw .invalidOption(
                    strategy: owner, option: "maximumCacheBytes", reason: "must be ≥ 0, got \(maximumCacheBytes)")
            }
        }
    }
}
