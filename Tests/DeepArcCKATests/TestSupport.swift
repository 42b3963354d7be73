import DeepArcCKA
import DeepArcCore
import DeepArcTensor
import Testing

/// The five metrics, for parameterised tests.
enum MetricID: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case gramCosine = "gram-cosine"
    case linear = "cka.linear"
    case rbf = "cka.rbf"
    case debiased = "cka.debiased"
    case minibatch = "cka.minibatch"

    var testDescription: String { rawValue }

    /// The centred metrics (everything but the paper-literal cosine).
    static let centred: [MetricID] = [.linear, .rbf, .debiased, .minibatch]

    /// The metric with default options except its degenerate tolerance (gram-cosine has none).
    static func make(_ id: MetricID, tolerance: Double) throws -> any SimilarityMetric {
        switch id {
        case .gramCosine: try GramCosine()
        case .linear: try LinearCKA(options: .init(degenerateTolerance: tolerance))
        case .rbf: try RBFCKA(options: .init(degenerateTolerance: tolerance))
        case .debiased: try DebiasedCKA(options: .init(degenerateTolerance: tolerance))
        case .minibatch: try MinibatchCKA(options: .init(batchSize: 16, degenerateTolerance: tolerance))
        }
    }

    /// The metric with default options (minibatch with small batches so that tests stay small).
    func make(memoryBudget: Int = CKADefaults.memoryBudget, batchSize: Int = 16) throws -> any SimilarityMetric {
        switch self {
        case .gramCosine: try GramCosine(options: .init(memoryBudget: memoryBudget))
        case .linear: try LinearCKA(options: .init(memoryBudget: memoryBudget))
        case .rbf: try RBFCKA(options: .init(memoryBudget: memoryBudget))
        case .debiased: try DebiasedCKA(options: .init(memoryBudget: memoryBudget))
        case .minibatch: try MinibatchCKA(options: .init(batchSize: batchSize, memoryBudget: memoryBudget))
        }
    }
}

enum TestData {
    /// `count` standard normal values.
    static func normal(_ count: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in Double(rng.nextNormal()) }
    }

    /// Layers that share a 6-dimensional latent signal plus independent noise (more noise for later
    /// layers), optionally through a ReLU with a positive offset, so their similarities are spread
    /// out between 0 and 1.
    static func correlatedLayers(samples m: Int, widths: [Int], seed: UInt64, relu: Bool = true) throws -> [Tensor] {
        var rng = SeededGenerator(seed: seed)
        let latent = 6
        let z = normal(m * latent, &rng)
        return try widths.enumerated().map { layer, d in
            let w = normal(latent * d, &rng)
            let noise = normal(m * d, &rng)
            var values = [Float](repeating: 0, count: m * d)
            for p in 0..<m {
                for k in 0..<d {
                    var v = 0.0
                    for j in 0..<latent { v += z[p * latent + j] * w[j * d + k] }
                    v += (0.3 + 0.4 * Double(layer)) * noise[p * d + k] + 0.5
                    values[p * d + k] = Float(relu ? max(0, v) : v)
                }
            }
            return try Tensor(shape: [m, d], scalars: values)
        }
    }

    /// Independent standard normal layer.
    static func gaussian(samples m: Int, width d: Int, seed: UInt64) throws -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return try Tensor(shape: [m, d], scalars: (0..<(m * d)).map { _ in rng.nextNormal() })
    }

    /// Rows `range` of a `[m, …]` tensor.
    static func rows(_ tensor: Tensor, _ range: Range<Int>) throws -> Tensor {
        let d = tensor.count / tensor.shape[0]
        var shape = tensor.shape
        shape[0] = range.count
        return try Tensor(shape: shape, scalars: Array(tensor.scalars[(range.lowerBound * d)..<(range.upperBound * d)]))
    }
}

/// Feeds `layers` to `metric` in batches of the given sizes (the rest in a last batch).
func similarity(_ metric: any SimilarityMetric, _ layers: [Tensor], batches sizes: [Int]) throws -> SimilarityMatrix {
    var accumulator = try metric.makeAccumulator(layerCount: layers.count)
    let m = layers[0].shape[0]
    var start = 0
    for size in sizes + [m] where start < m {
        let end = min(m, start + size)
        try accumulator.add(layers.map { try TestData.rows($0, start..<end) })
        start = end
    }
    return try accumulator.finalize()
}

/// Checks the laws every similarity matrix obeys: symmetric, 1 on the diagonal of non-degenerate
/// layers, NaN exactly in degenerate rows and columns, values within [−1, 1] up to rounding.
func expectLaws(_ s: SimilarityMatrix, sourceLocation: SourceLocation = #_sourceLocation) {
    for i in 0..<s.count {
        for j in 0..<s.count {
            let value = s[i, j]
            if s.degenerate[i] || s.degenerate[j] {
                #expect(value.isNaN, "[\(i)][\(j)] should be NaN", sourceLocation: sourceLocation)
                continue
            }
            #expect(value == s[j, i], "[\(i)][\(j)] is not symmetric", sourceLocation: sourceLocation)
            #expect(abs(value) <= 1 + 1e-6, "[\(i)][\(j)] = \(value)", sourceLocation: sourceLocation)
            if i == j { #expect(value == 1, sourceLocation: sourceLocation) }
        }
    }
}

/// Runs `body` and checks it throws ``DeepArcError/invalidActivations(layer:reason:)`` for `layer`
/// with a message containing every string in `mentions`.
func expectActivationsError(
    layer: Int?, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error about layer \(String(describing: layer))", sourceLocation: sourceLocation)
    } catch let error as DeepArcError {
        guard case .invalidActivations(let reported, _) = error else {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(reported == layer, "\(error)", sourceLocation: sourceLocation)
        for text in mentions {
            #expect(
                error.description.contains(text), "'\(error)' does not mention '\(text)'",
                sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Runs `body` and checks it throws ``DeepArcError/invalidOption(strategy:option:reason:)`` naming
/// `strategy` and `option`.
func expectOptionError(
    strategy: String, option: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error about option \(option)", sourceLocation: sourceLocation)
    } catch let error as DeepArcError {
        guard case .invalidOption(let s, let o, _) = error else {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(s == strategy && o == option, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(option), sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
