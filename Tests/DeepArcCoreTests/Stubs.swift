import DeepArcCore
import DeepArcTensor

// Small strategies written the way a third party would, against Core's public API only.

/// Splits wherever a link is below the threshold or NaN (the `link` rule, for sweep and law tests).
struct LinkSplitPartitioner: Partitioner {
    struct Options: Codable, Sendable, Equatable {
        var threshold: Double = 0.99
        init(threshold: Double = 0.99) { self.threshold = threshold }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? 0.99
        }
    }
    static let identifier = "test.links"
    static let summary = "splits at links below th"
    let options: Options
    init(options: Options) throws {
        try Self.validateThreshold(options.threshold)
        self.options = options
    }
    var threshold: Double { options.threshold }
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        try Self.validateThreshold(threshold)
        var starts = [0]
        for k in 0..<(matrix.count - 1) where !(matrix[k, k + 1] >= threshold) { starts.append(k + 1) }
        return try Partition(moduleStarts: starts, layerCount: matrix.count)
    }
}

/// Breaks the partitioner laws: merges everything, NaN links included, and accepts any threshold.
struct MergeAllPartitioner: Partitioner {
    static let identifier = "test.merge-all"
    static let summary = "one module"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }
    var threshold: Double { 0.5 }
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        .whole(layerCount: matrix.count)
    }
}

/// Linear CKA computed naively in Double from stored samples; `epsilon > 0` smooths the denominator,
/// which breaks the degenerate-layer law on purpose.
struct ToyCKA: SimilarityMetric {
    struct Options: Codable, Sendable, Equatable {
        var epsilon: Double = 0
        init(epsilon: Double = 0) { self.epsilon = epsilon }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            epsilon = try container.decodeIfPresent(Double.self, forKey: .epsilon) ?? 0
        }
    }
    static let identifier = "test.cka"
    static let summary = "naive linear CKA"
    let options: Options
    init(options: Options) { self.options = options }

    struct Accumulator: SimilarityAccumulator {
        let epsilon: Double
        var features: [Int?]
        var samples: [[[Double]]]  // per layer, per sample

        mutating func add(_ batch: [Tensor]) throws {
            guard batch.count == features.count else {
                throw DeepArcError.invalidActivations(
                    layer: nil, reason: "\(batch.count) layers, expected \(features.count)")
            }
            let size = batch[0].batchCount
            for (l, tensor) in batch.enumerated() {
                guard tensor.batchCount == size else {
                    throw DeepArcError.invalidActivations(layer: l, reason: "batch size")
                }
                guard tensor.isFinite else { throw DeepArcError.invalidActivations(layer: l, reason: "non-finite") }
                if let width = features[l], width != tensor.itemCount {
                    throw DeepArcError.invalidActivations(layer: l, reason: "feature count changed")
                }
                features[l] = tensor.itemCount
                let width = tensor.itemCount
                let values = tensor.scalars.map(Double.init)
                for s in 0..<size { samples[l].append(Array(values[(s * width)..<((s + 1) * width)])) }
            }
        }

        func finalize() throws -> SimilarityMatrix {
            let n = features.count
            let m = samples[0].count
            guard m >= 2 else { throw DeepArcError.invalidActivations(layer: nil, reason: "need 2 samples") }
            let grams = samples.map { rows -> [Double] in
                let width = rows[0].count
                let means = (0..<width).map { f in rows.reduce(0) { $0 + $1[f] } / Double(m) }
                let centred = rows.map { row in zip(row, means).map { $0 - $1 } }
                var gram = [Double](repeating: 0, count: m * m)
                for i in 0..<m {
                    for j in 0..<m { gram[i * m + j] = zip(centred[i], centred[j]).reduce(0) { $0 + $1.0 * $1.1 } }
                }
                return gram
            }
            func hsic(_ a: Int, _ b: Int) -> Double { zip(grams[a], grams[b]).reduce(0) { $0 + $1.0 * $1.1 } }
            let selfHSIC = (0..<n).map { hsic($0, $0) }
            let degenerate = selfHSIC.map { epsilon == 0 && $0 <= 1e-20 }
            var values = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    values[i * n + j] =
                        degenerate[i] || degenerate[j]
                        ? .nan : hsic(i, j) / ((selfHSIC[i] * selfHSIC[j]).squareRoot() + epsilon)
                }
            }
            return try SimilarityMatrix(count: n, values: values, degenerate: degenerate)
        }
    }

    func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        guard layerCount > 0 else { throw DeepArcError.invalidActivations(layer: nil, reason: "no layers") }
        return Accumulator(
            epsilon: options.epsilon, features: Array(repeating: nil, count: layerCount),
            samples: Array(repeating: [], count: layerCount))
    }
}

/// Paired mean squared distance (the `explicit`/`mse` reading) — shows the protocol is implementable.
struct ToyDeviation: DeviationMeasure {
    static let identifier = "test.mse"
    static let summary = "paired MSE"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }
    var pairing: DeviationPairing { .paired }

    struct Fitted: FittedDeviation {
        let reference: Tensor
        var featureCount: Int { reference.itemCount }
        func deviation(of batch: DeviationBatch) throws -> DeviationValue {
            guard let sources = batch.sources else {
                throw DeepArcError.invalidActivations(layer: nil, reason: "needs sources")
            }
            guard batch.featureCount == featureCount else {
                throw DeepArcError.invalidActivations(layer: nil, reason: "features")
            }
            let targets = try reference.gather(batch: sources)
            let difference = try batch.representations.reshaped(to: [batch.sampleCount, featureCount]) - targets
            let scale = 1 / Double(batch.sampleCount * featureCount)
            let gradient = try (difference * Float(2 * scale)).reshaped(to: batch.representations.shape)
            return DeviationValue(value: difference.squaredNorm() * scale, gradient: gradient)
        }
    }

    func fit(_ reference: ReferenceRepresentations) throws -> any FittedDeviation {
        Fitted(reference: try reference.representations.reshaped(to: [reference.sampleCount, reference.featureCount]))
    }
}

/// Uniform allocation, p_l = R(a · u_l) with ties to even (`specs/pruning.md` §7).
struct ToyUniform: Compressor {
    static let identifier = "test.uniform"
    static let summary = "uniform"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }
    func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        return tensors.map { Int((amount * Double($0.unmaskedCount)).rounded(.toNearestOrEven)) }
    }
}

/// Options with a required field: they do not decode from `{}`, breaking Strategy law 2.
struct RequiredOptionPartitioner: Partitioner {
    struct Options: Codable, Sendable { var threshold: Double }
    static let identifier = "test.required"
    static let summary = "bad options"
    let options: Options
    init(options: Options) { self.options = options }
    var threshold: Double { options.threshold }
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        .singletons(layerCount: matrix.count)
    }
}

/// A pack holding the stubs.
enum StubPack: StrategyPack {
    static func register(into registry: inout StrategyRegistry) throws {
        try registry.register(ToyCKA.self)
        try registry.register(LinkSplitPartitioner.self)
        try registry.register(ToyDeviation.self)
        try registry.register(ToyUniform.self)
    }
}
