public import DeepArcData
public import DeepArcNN
import DeepArcTensor

/// Makes *repair mutants* (spec `readaption.md`, "Repair mutants"): starting from a trained model,
/// replaces randomly chosen weights with fresh random values until the accuracy on the training
/// data has dropped by a target fraction of the original accuracy.
///
/// - Which weights: the entries of the prunable `.weight` parameters (convolution kernels and
///   dense matrices) that no keep-mask prunes. A seeded random permutation of them fixes the order,
///   so the mutant replacing n entries contains the mutant replacing fewer: accuracy falls
///   (roughly) monotonically with the fraction.
/// - Fresh values: the initialiser scale of training, computed from the parameter's shape: a rank-2
///   (dense) weight `[out, in]` draws uniformly from ±1/√in (PyTorch's `nn.Linear`); a higher-rank
///   (convolution) weight `[out, in, kh, kw]` draws from He normal N(0, 2 / (in·kh·kw)).
/// - Search: the fraction starts at ``Options/initialFraction`` and grows by ``Options/growth``
///   until the accuracy is at or below the target band; an overshoot is then narrowed by bisection
///   on the number of replaced weights. When one weight more or less jumps over the band (small
///   models), the search continues from that count with another seeded order, until
///   ``Options/maximumEvaluations`` mutants have been evaluated. The target accuracy is a·(1 − drop)
///   for original accuracy a, accepted within ± ``Options/tolerance`` (2 points by default).
///
/// ```swift
/// let mutant = try RepairMutator(options: .init(targetDrop: 0.3, seed: 2)).mutate(model, evaluatingOn: train)
/// mutant.fraction      // share of the weights replaced
/// ```
public struct RepairMutator {
    /// The settings of the search.
    public struct Options: Codable, Sendable, Equatable {
        /// The accuracy drop as a fraction of the original accuracy, in (0, 1) (the paper uses
        /// 0.1, 0.3, 0.5; default 0.3).
        public var targetDrop: Double = 0.3
        /// The accepted distance of the mutant's accuracy from the target, in accuracy units
        /// (default 0.02, i.e. ± 2 points).
        public var tolerance: Double = 0.02
        /// The seed of the weight order and the fresh values (default 1). The paper makes three
        /// mutants per target: use three seeds.
        public var seed: UInt64 = 1
        /// The first fraction of weights tried (default 0.001).
        public var initialFraction: Double = 0.001
        /// The factor by which the fraction grows while the accuracy is above the band (default 1.5).
        public var growth: Double = 1.5
        /// The most mutants evaluated before giving up (default 60).
        public var maximumEvaluations: Int = 60
        /// Samples per inference pass (default 256).
        public var batchSize: Int = 256

        /// Creates options.
        public init(targetDrop: Double = 0.3, tolerance: Double = 0.02, seed: UInt64 = 1) {
            self.targetDrop = targetDrop
            self.tolerance = tolerance
            self.seed = seed
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case targetDrop, tolerance, seed, initialFraction, growth, maximumEvaluations, batchSize
        }

        /// Decodes possibly partial options; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try ConfigurationKey.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "repair mutant")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            targetDrop = try container.decodeIfPresent(Double.self, forKey: .targetDrop) ?? defaults.targetDrop
            tolerance = try container.decodeIfPresent(Double.self, forKey: .tolerance) ?? defaults.tolerance
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
            initialFraction =
                try container.decodeIfPresent(Double.self, forKey: .initialFraction) ?? defaults.initialFraction
            growth = try container.decodeIfPresent(Double.self, forKey: .growth) ?? defaults.growth
            maximumEvaluations =
                try container.decodeIfPresent(Int.self, forKey: .maximumEvaluations) ?? defaults.maximumEvaluations
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        }

        /// Checks the values.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming the bad option.
        public func validate() throws(DeepArcError) {
            let owner = "repair mutant"
            guard targetDrop > 0, targetDrop < 1 else {
                throw .invalidOption(
                    strategy: owner, option: "targetDrop", reason: "must be in (0, 1), got \(targetDrop)")
            }
            guard tolerance > 0, tolerance < 1 else {
                throw .invalidOption(
                    strategy: owner, option: "tolerance", reason: "must be in (0, 1), got \(tolerance)")
            }
            guard initialFraction > 0, initialFraction <= 1 else {
                throw .invalidOption(
                    strategy: owner, option: "initialFraction", reason: "must be in (0, 1], got \(initialFraction)")
            }
            guard growth > 1, growth.isFinite else {
                throw .invalidOption(strategy: owner, option: "growth", reason: "must be greater than 1, got \(growth)")
            }
            guard maximumEvaluations >= 1 else {
                throw .invalidOption(
                    strategy: owner, option: "maximumEvaluations",
                    reason: "must be at least 1, got \(maximumEvaluations)")
            }
            guard batchSize >= 1 else {
                throw .invalidOption(
                    strategy: owner, option: "batchSize", reason: "must be at least 1, got \(batchSize)")
            }
        }
    }

    /// The settings.
    public var options: Options

    /// Creates a mutator.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for invalid options.
    public init(options: Options = Options()) throws(DeepArcError) {
        try options.validate()
        self.options = options
    }

    // MARK: - Mutating

    /// Finds a mutant of `model` whose accuracy on `data` is a·(1 − ``Options/targetDrop``) ±
    /// ``Options/tolerance`` for the original accuracy a. `model` is left unchanged.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when `data` is empty or does not fit
    ///   the model, the model has no prunable weights or an accuracy of 0 on `data`, or no mutant
    ///   reaches the band within ``Options/maximumEvaluations`` (the message gives the closest one);
    ///   the model's errors.
    public func mutate(_ model: Model, evaluatingOn data: Dataset) throws -> RepairMutant {
        guard data.count > 0 else {
            throw DeepArcError.invalidConfiguration(reason: "repair mutant: the data set \(data.name) is empty")
        }
        guard data.sampleShape == model.inputShape else {
            throw DeepArcError.invalidConfiguration(
                reason:
                    "repair mutant: \(data.name) has samples of shape \(data.sampleShape), the model expects \(model.inputShape)"
            )
        }
        let original = try accuracy(of: model, on: data)
        guard original > 0 else {
            throw DeepArcError.invalidConfiguration(
                reason: "repair mutant: the model's accuracy on \(data.name) is 0; there is nothing to drop")
        }
        let target = original * (1 - options.targetDrop)
        let band = (target - options.tolerance)...(target + options.tolerance)

        let weightCount = WeightPool(model: model, seed: options.seed).count
        guard weightCount > 0 else {
            throw DeepArcError.invalidConfiguration(reason: "repair mutant: the model has no unmasked prunable weights")
        }
        var closest: (count: Int, accuracy: Double)?
        var evaluations = 0
        var attempt: UInt64 = 0
        var start = max(1, Int((options.initialFraction * Double(weightCount)).rounded()))
        // Each attempt searches one seeded weight order. When two neighbouring counts straddle the
        // band (one weight more or less jumps over it, as in small models), the next attempt draws
        // another order and starts near the boundary found.
        while evaluations < options.maximumEvaluations {
            let attemptSeed = options.seed &+ attempt &* 0x9E37_79B9_7F4A_7C15
            let pool = WeightPool(model: model, seed: attemptSeed)
            var values = ReplacementValues(seed: attemptSeed)
            var below: Int?  // a count known to give accuracy below the band
            var above = 0  // a count known to give accuracy above the band
            var count = start
            while evaluations < options.maximumEvaluations {
                evaluations += 1
                let mutant = try pool.mutant(of: model, replacing: count, values: &values)
                let accuracy = try self.accuracy(of: mutant, on: data)
                if closest.map({ abs($0.accuracy - target) > abs(accuracy - target) }) ?? true {
                    closest = (count, accuracy)
                }
                if band.contains(accuracy) {
                    return RepairMutant(
                        model: mutant, fraction: Double(count) / Double(pool.count), replacedWeights: count,
                        weightCount: pool.count, originalAccuracy: original, accuracy: accuracy,
                        targetAccuracy: target, evaluations: evaluations)
                }
                if accuracy > band.upperBound {
                    above = count
                    guard count < pool.count else { break }
                    if let below {
                        count = (above + below) / 2
                    } else {
                        count = min(pool.count, max(count + 1, Int((Double(count) * options.growth).rounded())))
                    }
                } else {
                    below = count
                    count = (above + count) / 2
                }
                if let below, below - above <= 1 { break }
            }
            if below == nil, above >= pool.count { break }  // even every weight is not enough
            start = max(1, below ?? above)
            attempt += 1
        }
        let fraction = closest.map { Double($0.count) / Double(weightCount) } ?? 0
        throw DeepArcError.invalidConfiguration(
            reason:
                "repair mutant: could not reach accuracy \(Self.percent(target)) ± \(Self.percent(options.tolerance)) "
                + "(a drop of \(Self.percent(options.targetDrop)) of \(Self.percent(original))) on \(data.name) in "
                + "\(evaluations) evaluations; the closest replaced \(Self.percent(fraction)) of the weights and gave "
                + "\(Self.percent(closest?.accuracy ?? original)). Try another seed or a larger tolerance")
    }

    private func accuracy(of model: Model, on data: Dataset) throws -> Double {
        try ModelTrainer.evaluate(model: model, images: data.images, labels: data.labels, batchSize: options.batchSize)
            .accuracy
    }

    private static func percent(_ value: Double) -> String {
        "\((value * 1000).rounded() / 10)%"
    }
}

// MARK: - Weights and values

extension RepairMutator {
    /// The replaceable weight entries of a model in a seeded random order.
    struct WeightPool {
        /// Per prunable parameter: its position in `prunableParameters` and its initialiser.
        struct Slot {
            let index: Int
            let isDense: Bool
            let scale: Float
        }
        let tensors: [Slot]
        /// Entries in replacement order: (tensor number, offset).
        let order: [(tensor: Int, offset: Int)]

        init(model: Model, seed: UInt64) {
            var tensors: [Slot] = []
            var entries: [(tensor: Int, offset: Int)] = []
            for (index, named) in model.prunableParameters.enumerated() {
                let shape = named.parameter.value.shape
                guard shape.count >= 2, shape[0] > 0 else { continue }
                let fanIn = max(1, shape.dropFirst().reduce(1, *))
                let isDense = shape.count == 2
                let scale = isDense ? 1 / Float(fanIn).squareRoot() : (2 / Float(fanIn)).squareRoot()
                let number = tensors.count
                tensors.append(Slot(index: index, isDense: isDense, scale: scale))
                let mask = named.parameter.mask?.scalars
                for offset in 0..<named.parameter.value.count where mask.map({ $0[offset] != 0 }) ?? true {
                    entries.append((number, offset))
                }
            }
            var generator = SeededGenerator(seed: seed)
            entries.seededShuffle(using: &generator)
            self.tensors = tensors
            self.order = entries
        }

        var count: Int { order.count }

        /// A copy of `model` with the first `count` entries of the order replaced.
        func mutant(of model: Model, replacing count: Int, values: inout ReplacementValues) throws -> Model {
            let copy = try model.copy()
            let parameters = copy.prunableParameters.map(\.parameter)
            var buckets = [[(offset: Int, value: Float)]](repeating: [], count: tensors.count)
            for position in 0..<min(count, order.count) {
                let entry = order[position]
                let tensor = tensors[entry.tensor]
                let value = values.value(at: position, dense: tensor.isDense) * tensor.scale
                buckets[entry.tensor].append((entry.offset, value))
            }
            for (number, bucket) in buckets.enumerated() where !bucket.isEmpty {
                let parameter = parameters[tensors[number].index]
                parameter.value.withUnsafeMutableBufferPointer { buffer in
                    for (offset, value) in bucket { buffer[offset] = value }
                }
                parameter.applyMask()
            }
            return copy
        }
    }

    /// The fresh values, drawn once in replacement order and kept, so a mutant replacing more
    /// entries keeps the values of one replacing fewer. Position i holds a standard normal and a
    /// uniform in [−1, 1); the initialiser's scale multiplies the one its layer uses.
    struct ReplacementValues {
        private var generator: SeededGenerator
        private var normals: [Float] = []
        private var uniforms: [Float] = []

        init(seed: UInt64) {
            var root = SeededGenerator(seed: seed)
            _ = root.fork()
            generator = root.fork()
        }

        mutating func value(at position: Int, dense: Bool) -> Float {
            while normals.count <= position {
                normals.append(generator.nextNormal())
                uniforms.append(2 * generator.nextUniform() - 1)
            }
            return dense ? uniforms[position] : normals[position]
        }
    }
}
