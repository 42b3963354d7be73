public import DeepArcCore
public import DeepArcTensor
public import Testing

/// Checks that a `SimilarityMetric` obeys the laws documented on the protocol, recording every
/// broken law as a Swift Testing issue at the caller's location.
///
/// The input is `layers` (default: ``defaultSimilarityLawLayers(samples:seed:)``, five layers of
/// different shapes sharing a latent signal, with one constant layer at index 3). Laws checked:
/// - `shape`: the result is n × n.
/// - `symmetry`: `S[i][j] == S[j][i]` within `tolerance` (NaN mirrors NaN).
/// - `unit-diagonal`: `S[i][i] = 1` within `tolerance` for every non-degenerate layer.
/// - `degenerate`: every constant layer (all samples equal) has its flag set and a NaN in its whole row
///   and column. No other layer is flagged, and no entry between two non-degenerate layers is NaN.
/// - `determinism`: the same activations give the same bits.
/// - `batch-split`: adding the samples in three uneven batches gives the same matrix as adding them at
///   once, within `tolerance` (skipped when `batchSplitInvariant` is false, for metrics defined on
///   the batches such as `cka.minibatch`).
/// - `errors`: `makeAccumulator(layerCount: 0)`, a batch with the wrong number of layers, batches of
///   different sizes, a NaN activation, and `finalize()` before any sample all throw.
///
/// ```swift
/// @Test func lawsHold() throws {
///     checkSimilarityLaws(try LinearCKA(options: .init()))
///     checkSimilarityLaws(try MinibatchCKA(options: .init()), batchSplitInvariant: false)
/// }
/// ```
/// - Parameters:
///   - metric: the metric under test.
///   - layers: the activations, one `[samples, …]` tensor per layer (default: the layers above).
///   - batchSplitInvariant: whether to check the `batch-split` law.
///   - tolerance: the absolute tolerance of the symmetry, diagonal and batch-split checks.
///   - sourceLocation: where to report broken laws (the caller's location by default).
/// - Returns: the violations found (empty when every law holds).
@discardableResult
public func checkSimilarityLaws(
    _ metric: some SimilarityMetric,
    layers: [Tensor]? = nil,
    batchSplitInvariant: Bool = true,
    tolerance: Double = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [LawViolation] {
    var recorder = LawRecorder(strategy: type(of: metric).identifier, sourceLocation: sourceLocation)
    let layers = layers ?? defaultSimilarityLawLayers()
    let n = layers.count
    guard let samples = layers.first?.batchCount, samples >= 3 else {
        recorder.fail("input", "the law check needs at least one layer and three samples")
        return recorder.violations
    }
    let constantLayers = Set(layers.indices.filter { isConstantAcrossSamples(layers[$0]) })

    func compute(_ batches: [[Tensor]]) throws -> SimilarityMatrix {
        var accumulator = try metric.makeAccumulator(layerCount: n)
        for batch in batches { try accumulator.add(batch) }
        return try accumulator.finalize()
    }

    let matrix: SimilarityMatrix
    do {
        matrix = try compute([layers])
    } catch {
        recorder.fail("shape", "computing the matrix threw \(error)")
        return recorder.violations
    }

    // Shape, symmetry, diagonal, degenerate layers.
    if matrix.count != n || matrix.degenerate.count != n {
        recorder.fail(
            "shape", "\(n) layers gave a \(matrix.count) × \(matrix.count) matrix with \(matrix.degenerate.count) flags"
        )
        return recorder.violations
    }
    for i in 0..<n {
        for j in i..<n {
            let a = matrix[i, j]
            let b = matrix[j, i]
            if a.isNaN != b.isNaN || (!a.isNaN && abs(a - b) > tolerance) {
                recorder.fail("symmetry", "S[\(i)][\(j)] = \(a) but S[\(j)][\(i)] = \(b)")
            }
        }
    }
    for i in 0..<n {
        if constantLayers.contains(i) {
            if !matrix.degenerate[i] { recorder.fail("degenerate", "constant layer \(i) is not flagged degenerate") }
            for k in 0..<n where !matrix[i, k].isNaN || !matrix[k, i].isNaN {
                recorder.fail(
                    "degenerate",
                    "constant layer \(i): S[\(i)][\(k)] = \(matrix[i, k]), S[\(k)][\(i)] = \(matrix[k, i]); expected NaN"
                )
                break
            }
        } else {
            if matrix.degenerate[i] {
                recorder.fail("degenerate", "layer \(i) varies across samples but is flagged degenerate")
            }
            if abs(matrix[i, i] - 1) > tolerance || matrix[i, i].isNaN {
                recorder.fail("unit-diagonal", "S[\(i)][\(i)] = \(matrix[i, i])")
            }
            for k in 0..<n where !constantLayers.contains(k) && !matrix[i, k].isFinite {
                recorder.fail("degenerate", "S[\(i)][\(k)] = \(matrix[i, k]) between two non-degenerate layers")
                break
            }
        }
    }

    // Determinism.
    if let again = try? compute([layers]), !sameBits(again.values, matrix.values) {
        recorder.fail("determinism", "two runs on the same activations differ")
    }

    // Batch-split invariance.
    if batchSplitInvariant {
        let cuts = [0, samples / 3, samples / 3 + max(1, samples / 4), samples]
        do {
            var batches: [[Tensor]] = []
            for part in 0..<3 where cuts[part] < cuts[part + 1] {
                batches.append(try layers.map { try $0.slice(batch: cuts[part]..<cuts[part + 1]) })
            }
            let split = try compute(batches)
            for index in 0..<(n * n) {
                let a = split.values[index]
                let b = matrix.values[index]
                if a.isNaN != b.isNaN || (!a.isNaN && abs(a - b) > tolerance) {
                    recorder.fail(
                        "batch-split",
                        "S[\(index / n)][\(index % n)] is \(b) in one batch but \(a) in batches \(zip(cuts, cuts.dropFirst()).map { "\($0)..<\($1)" })"
                    )
                    break
                }
            }
        } catch {
            recorder.fail("batch-split", "adding the samples in batches threw \(error)")
        }
    }

    // Errors for bad input.
    func expectThrow(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
            recorder.fail("errors", "\(what) did not throw")
        } catch {}
    }
    expectThrow("makeAccumulator(layerCount: 0)") { _ = try metric.makeAccumulator(layerCount: 0) }
    expectThrow("a batch with \(n + 1) layers for \(n)") {
        var accumulator = try metric.makeAccumulator(layerCount: n)
        try accumulator.add(layers + [layers[0]])
    }
    if n >= 2 {
        expectThrow("a batch whose layers have different sample counts") {
            var accumulator = try metric.makeAccumulator(layerCount: n)
            var uneven = layers
            uneven[1] = try uneven[1].slice(batch: 0..<(samples - 1))
            try accumulator.add(uneven)
        }
    }
    expectThrow("a NaN activation") {
        var accumulator = try metric.makeAccumulator(layerCount: n)
        var poisoned = layers
        poisoned[0].withUnsafeMutableBufferPointer { $0[0] = .nan }
        try accumulator.add(poisoned)
    }
    expectThrow("finalize() before any sample") {
        let accumulator = try metric.makeAccumulator(layerCount: n)
        _ = try accumulator.finalize()
    }
    return recorder.violations
}

/// The default input of ``checkSimilarityLaws(_:layers:batchSplitInvariant:tolerance:sourceLocation:)``:
/// five layers on `samples` samples with shapes `[s, 6]`, `[s, 3, 2, 2]`, `[s, 5]`, `[s, 4]` (constant,
/// hence degenerate) and `[s, 2, 3]`, sharing a latent signal.
public func defaultSimilarityLawLayers(samples: Int = 40, seed: UInt64 = 0x51_3117) -> [Tensor] {
    var layers = RandomActivations.layers(samples: samples, featureShapes: [[6], [3, 2, 2], [5], [2, 3]], seed: seed)
    layers.insert(RandomActivations.constant(samples: samples, featureShape: [4]), at: 3)
    return layers
}

/// Whether every sample of `layer` has the same activations.
private func isConstantAcrossSamples(_ layer: Tensor) -> Bool {
    let width = layer.itemCount
    let samples = layer.batchCount
    return layer.withUnsafeBufferPointer { values in
        for sample in 1..<max(1, samples) {
            for feature in 0..<width where values[sample * width + feature] != values[feature] { return false }
        }
        return true
    }
}

/// Bitwise equality of two arrays (so NaN equals NaN).
private func sameBits(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
