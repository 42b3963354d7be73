public import DeepArcNN
public import DeepArcTensor

/// The paper's Finding 1 as an experiment: removing intra-module units keeps accuracy, removing
/// interface units destroys it.
///
/// Only units whose output shape equals their input shape can be removed without a sewing adapter
/// (a residual block inside a stage, say); other units are reported as skipped. For each count k,
/// the study removes the first k removable intra-module units in Algorithm 2's order, and k
/// removable interface units (a module's first unit) drawn with a seeded shuffle, and evaluates
/// both models without any retraining.
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

    /// Creates a study.
    public init(seed: UInt64 = 1, counts: [Int]? = nil, batchSize: Int = 256) {
        self.seed = seed
        self.counts = counts
        self.batchSize = batchSize
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
            return Row(
                kind: kind, removedUnits: removed.sorted(), removedNames: removed.sorted().map { model.unitNames[$0] },
                accuracy: result.accuracy, loss: result.loss, parameters: candidate.parameterCount)
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
