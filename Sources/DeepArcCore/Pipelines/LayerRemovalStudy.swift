public import DeepArcNN
public import DeepArcTensor

/// The paper's Finding 1 as an experiment: removing intra-module units keeps accuracy, removing
/// interface units destroys it.
///
/// Only units whose output shape equals their input shape can be removed without a sewing adapter
/// (a residual block inside a stage, say); other units are reported as skipped. For each count k,
/// the study removes the first k removable intra-module units in Algorithm 2's order, and k
/// removable interface units (a module's first unit) drawn with a seeded shuffle, and evaluates
/// both models without any retraining — and, when recalibration samples are given, again after
/// re-estimating every batch-normalisation layer's running statistics on them (forward passes
/// only, no weight changes): removing a residual unit shifts the distributions the later
/// normalisation layers see, and recalibration separates that shift from lost representations.
public struct LayerRemovalStudy: Sendable {
    /// One evaluated model.
    public struct Row: Sendable, Equatable, Codable {
        /// `none` (the original model), `intra-module` or `interface`.
        public var kind: String
        /// The removed units' indices in the original model.
        public var removedUnits: [Int]
        /// The removed units' names.
        public var removedNames: [String]
        /// Accuracy on the evaluation samples.
        public var accuracy: Double
        /// Mean cross-entropy loss on the evaluation samples.
        public var loss: Double
        /// Accuracy after re-estimating the batch-normalisation statistics on the recalibration
        /// samples (no weight changes), when the study was given some.
        public var recalibratedAccuracy: Double?
        /// Parameters left in the model.
        public var parameters: Int
    }

    /// The result: one row for the original model, then pairs of rows per count.
    public struct Result: Sendable, Equatable, Codable {
        /// The evaluated models.
        public var rows: [Row]
        /// Intra-module units that cannot be removed without a sewing adapter.
        public var skippedIntraModuleUnits: [Int]
        /// How many samples each model was evaluated on.
        public var evaluationSamples: Int
    }

    /// The seed for drawing interface units.
    public var seed: UInt64
    /// The counts k to try; `nil` tries 1, about half, and all removable intra-module units.
    public var counts: [Int]?
    /// Samples per inference batch.
    public var batchSize: Int
    /// Samples on which batch-normalisation statistics are re-estimated after a removal (`nil`: none).
    public var recalibrationSamples: Tensor?

    /// Creates a study.
    public init(seed: UInt64 = 1, counts: [Int]? = nil, batchSize: Int = 256, recalibrationSamples: Tensor? = nil) {
        self.seed = seed
        self.counts = counts
        self.batchSize = batchSize
        self.recalibrationSamples = recalibrationSamples
    }

    /// Re-estimates the running statistics of every batch-normalisation layer of `model` on
    /// `samples` by training-mode forward passes in batches of 100 (each pass moves the statistics
    /// by the layer's momentum), after resetting them to mean 0 and variance 1. Weights do not change.
    public static func recalibrateNormalization(of model: Model, on samples: Tensor, passes: Int = 2) throws {
        for (name, parameter) in model.namedParameters where parameter.kind == .runningStatistic {
            parameter.value.fill(with: name.hasSuffix("runningVariance") ? 1 : 0)
        }
        let size = 100
        for _ in 0..<max(1, passes) {
            var start = 0
            while start + 2 <= samples.batchCount {
                let end = min(start + size, samples.batchCount)
                _ = try model.forward(try samples.slice(batch: start..<end), mode: .training)
                start = end
            }
        }
    }

    /// The units of `model` that can be removed without changing the shapes around them.
    public static func removableUnits(of model: Model) throws -> Set<Int> {
        let outputs = try model.spec.unitOutputShapes()
        var removable = Set<Int>()
        for unit in 0..<(model.unitCount - 1) {
            let input = unit == 0 ? model.inputShape : outputs[unit - 1]
            if input == outputs[unit] { removable.insert(unit) }
        }
        return removable
    }

    /// Runs the study on `model` with its modularization, evaluating on `images`/`labels`.
    public func run(
        model: Model, modularization: ModularizationResult, images: Tensor, labels: [Int]
    ) throws -> Result {
        let removable = try Self.removableUnits(of: model)
        let intra = modularization.removalOrderUnits.filter { removable.contains($0) }
        let skipped = modularization.removalOrderUnits.filter { !removable.contains($0) }
        var interface = modularization.interfaceUnits.filter { removable.contains($0) }
        var generator = SeededGenerator(seed: seed)
        interface.seededShuffle(using: &generator)

        func evaluate(_ candidate: Model, kind: String, removed: [Int]) throws -> Row {
            let result = try ModelTrainer.evaluate(model: candidate, images: images, labels: labels, batchSize: batchSize)
            var recalibrated: Double?
            if let recalibrationSamples {
                let copy = try candidate.copy()
                try Self.recalibrateNormalization(of: copy, on: recalibrationSamples)
                recalibrated = try ModelTrainer.evaluate(
                    model: copy, images: images, labels: labels, batchSize: batchSize
                ).accuracy
            }
            return Row(
                kind: kind, removedUnits: removed.sorted(), removedNames: removed.sorted().map { model.unitNames[$0] },
                accuracy: result.accuracy, loss: result.loss, recalibratedAccuracy: recalibrated,
                parameters: candidate.parameterCount)
        }

        var rows = [try evaluate(model, kind: "none", removed: [])]
        let defaultCounts = intra.isEmpty ? [] : Array(Set([1, (intra.count + 1) / 2, intra.count])).sorted()
        for k in (counts ?? defaultCounts) where k >= 1 {
            if k <= intra.count {
                let removed = Array(intra.prefix(k))
                rows.append(try evaluate(try model.removingUnits(Set(removed)), kind: "intra-module", removed: removed))
            }
            if k <= interface.count {
                let removed = Array(interface.prefix(k))
                rows.append(try evaluate(try model.removingUnits(Set(removed)), kind: "interface", removed: removed))
            }
        }
        return Result(rows: rows, skippedIntraModuleUnits: skipped, evaluationSamples: labels.count)
    }
}
