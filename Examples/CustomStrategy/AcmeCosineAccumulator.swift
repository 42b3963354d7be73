import DeepArcCore
import DeepArcTensor

/// Collects the activations of ``AcmeCosine`` batch by batch and computes the matrix at the end.
///
/// Every input is checked as it arrives (layer count, batch sizes, a layer's feature count staying
/// the same, NaN and infinity, the sample limit), so `finalize()` only sees valid data.
struct AcmeCosineAccumulator: SimilarityAccumulator {
    /// The options of the metric.
    let options: AcmeCosine.Options
    /// The number of layers n.
    let layerCount: Int
    /// Each layer's activations so far, m × d_l row-major.
    private var activations: [[Float]]
    /// Each layer's features per sample d_l, fixed by its first batch.
    private var featureCounts: [Int?]
    /// The number of samples m added so far.
    private var sampleCount = 0

    /// An empty accumulator for `layerCount` layers.
    init(layerCount: Int, options: AcmeCosine.Options) {
        self.options = options
        self.layerCount = layerCount
        self.activations = Array(repeating: [], count: layerCount)
        self.featureCounts = Array(repeating: nil, count: layerCount)
    }

    // MARK: - Adding samples

    /// Adds one batch: one `[b, …]` tensor per layer.
    /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` for a wrong layer count, differing
    ///   batch sizes, a feature count that changed, a non-finite value, or more samples than
    ///   `maximumSamples`.
    mutating func add(_ batch: [Tensor]) throws {
        let name = AcmeCosine.identifier
        guard batch.count == layerCount else {
            throw DeepArcError.invalidActivations(
                layer: nil, reason: "\(name): a batch of \(batch.count) layers; the accumulator holds \(layerCount)")
        }
        let size = batch[0].rank >= 1 ? batch[0].shape[0] : 0
        for (layer, tensor) in batch.enumerated() {
            guard tensor.rank >= 1, tensor.shape[0] == size else {
                throw DeepArcError.invalidActivations(
                    layer: layer,
                    reason: "\(name): shape \(tensor.shape), but layer 0 has \(size) samples in this batch")
            }
            let features = tensor.itemCount
            guard features > 0 else {
                throw DeepArcError.invalidActivations(
                    layer: layer, reason: "\(name): shape \(tensor.shape) has no features")
            }
            if let known = featureCounts[layer], known != features {
                throw DeepArcError.invalidActivations(
                    layer: layer, reason: "\(name): \(features) features per sample, earlier batches had \(known)")
            }
            let finite = tensor.withUnsafeBufferPointer { values in values.allSatisfy(\.isFinite) }
            guard finite else {
                throw DeepArcError.invalidActivations(layer: layer, reason: "\(name): contains NaN or infinity")
            }
        }
        guard sampleCount + size <= options.maximumSamples else {
            throw DeepArcError.invalidActivations(
                layer: nil,
                reason: "\(name): \(sampleCount + size) samples exceed maximumSamples = \(options.maximumSamples)")
        }
        for (layer, tensor) in batch.enumerated() {
            featureCounts[layer] = tensor.itemCount
            tensor.withUnsafeBufferPointer { values in activations[layer].append(contentsOf: values) }
        }
        sampleCount += size
    }

    // MARK: - The matrix

    /// The n × n matrix over every sample added.
    /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` when fewer than 3 samples were added.
    func finalize() throws -> SimilarityMatrix {
        let m = sampleCount
        guard m >= 3 else {
            throw DeepArcError.invalidActivations(
                layer: nil, reason: "\(AcmeCosine.identifier): needs at least 3 samples; got \(m)")
        }
        let pairs = m * (m - 1) / 2
        let n = layerCount
        // Row l of `vectors`: the centred, unit-norm upper triangle of layer l's cosine matrix.
        var vectors = [Double](repeating: 0, count: n * pairs)
        var degenerate = [Bool](repeating: false, count: n)
        vectors.withUnsafeMutableBufferPointer { rows in
            for layer in 0..<n {
                let row = UnsafeMutableBufferPointer(rebasing: rows[(layer * pairs)..<((layer + 1) * pairs)])
                let features = featureCounts[layer] ?? 1
                let spread = activations[layer].withUnsafeBufferPointer { x in
                    Self.centredUpperTriangle(
                        of: x, samples: m, features: features, tolerance: options.tolerance, into: row)
                }
                degenerate[layer] = !spread
            }
        }
        // All pairwise correlations at once: G = V Vᵀ.
        var gram = [Double](repeating: 0, count: n * n)
        vectors.withUnsafeBufferPointer { v in
            gram.withUnsafeMutableBufferPointer { g in
                guard let a = v.baseAddress, let c = g.baseAddress else { return }
                BLAS.dgemm(
                    transposeA: false, transposeB: true, m: n, n: n, k: pairs, a: a, lda: pairs, b: a, ldb: pairs,
                    c: c, ldc: n)
            }
        }
        var values = [Double](repeating: .nan, count: n * n)
        for i in 0..<n where !degenerate[i] {
            values[i * n + i] = 1
            for j in (i + 1)..<n where !degenerate[j] {
                let r = min(1, max(-1, gram[i * n + j]))
                values[i * n + j] = r
                values[j * n + i] = r
            }
        }
        return try SimilarityMatrix(count: n, values: values, degenerate: degenerate)
    }

    /// Writes the upper triangle of one layer's m × m cosine matrix into `out`, centred and scaled to
    /// unit norm.
    /// - Returns: false when the triangle has no spread (the layer is degenerate); `out` is then zero.
    private static func centredUpperTriangle(
        of x: UnsafeBufferPointer<Float>, samples m: Int, features d: Int, tolerance: Double,
        into out: UnsafeMutableBufferPointer<Double>
    ) -> Bool {
        // Feature means in Double.
        var means = [Double](repeating: 0, count: d)
        means.withUnsafeMutableBufferPointer { mean in
            for p in 0..<m {
                for f in 0..<d { mean[f] += Double(x[p * d + f]) }
            }
            for f in 0..<d { mean[f] /= Double(m) }
        }
        // Centred samples scaled to unit norm; a sample at the mean becomes a zero row.
        var unit = [Float](repeating: 0, count: m * d)
        means.withUnsafeBufferPointer { mean in
            unit.withUnsafeMutableBufferPointer { u in
                for p in 0..<m {
                    var centred = 0.0
                    var raw = 0.0
                    for f in 0..<d {
                        let value = Double(x[p * d + f])
                        let difference = value - mean[f]
                        centred += difference * difference
                        raw += value * value
                    }
                    let norm = centred.squareRoot()
                    guard norm > 0, norm > tolerance * raw.squareRoot() else { continue }
                    for f in 0..<d { u[p * d + f] = Float((Double(x[p * d + f]) - mean[f]) / norm) }
                }
            }
        }
        // Cosines: the upper triangle of U Uᵀ.
        var cosines = [Float](repeating: 0, count: m * m)
        unit.withUnsafeBufferPointer { u in
            cosines.withUnsafeMutableBufferPointer { c in
                guard let a = u.baseAddress, let result = c.baseAddress else { return }
                BLAS.ssyrkUpper(transpose: false, n: m, k: d, a: a, lda: d, c: result, ldc: m)
            }
        }
        // Centre the triangle and normalise it.
        return cosines.withUnsafeBufferPointer { c in
            var index = 0
            var sum = 0.0
            var squares = 0.0
            for p in 0..<m {
                for q in (p + 1)..<m {
                    let value = Double(c[p * m + q])
                    out[index] = value
                    sum += value
                    squares += value * value
                    index += 1
                }
            }
            let mean = sum / Double(out.count)
            var centred = 0.0
            for k in 0..<out.count {
                out[k] -= mean
                centred += out[k] * out[k]
            }
            let norm = centred.squareRoot()
            guard norm > 0, norm > tolerance * squares.squareRoot() else {
                for k in 0..<out.count { out[k] = 0 }
                return false
            }
            for k in 0..<out.count { out[k] /= norm }
            return true
        }
    }
}
