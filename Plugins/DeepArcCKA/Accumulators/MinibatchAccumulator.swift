import DeepArcCore
import DeepArcTensor

/// The accumulator of `cka.minibatch`: splits the sample stream into contiguous batches of b
/// (whatever the sizes of the batches handed to ``add(_:)``), and for each adds every layer pair's
/// ⟨Ũ_i, Ũ_j⟩ (U-centred b × b Grams, see ``UCentredKernelSource``) to an n × n `Double` total.
///
/// Memory: the n × n totals, up to b pending samples per layer, and n · b² floats (at most the
/// memory budget) while a batch is processed — never O(m²). A trailing batch of fewer than 4 samples is dropped (HSIC₁ needs 4);
/// a trailing batch of 4 … b − 1 samples counts as a batch.
struct MinibatchAccumulator: SimilarityAccumulator {
    /// The metric's identifier, for messages.
    let metric: String
    /// b.
    let batchSize: Int
    /// rtol of the degenerate rule.
    let tolerance: Double
    /// Bytes one batch's Grams may occupy.
    let memoryBudget: Int
    /// n.
    let layerCount: Int
    private var featureCounts: [Int]?
    private var pending: [[Float]]
    private var pendingRows = 0
    private var sampleCount = 0
    private var totals: Totals

    /// Σ over batches of HSIC₁ = ⟨Ũ_i, Ũ_j⟩ / (b(b − 3)) and of each layer's ‖K_b‖² on the same scale.
    /// (The factor matters: a trailing batch is smaller than the others.)
    struct Totals {
        var products: [Double]
        var references: [Double]
        var batches = 0

        mutating func add(_ result: GramCrossProducts.Result, batchSize b: Int) {
            let scale = 1 / (Double(b) * Double(b - 3))
            for index in products.indices { products[index] += scale * result.products[index] }
            for index in references.indices { references[index] += scale * result.referenceNormsSquared[index] }
            batches += 1
        }
    }

    /// Starts an accumulator for `layerCount` layers.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    init(metric: String, batchSize: Int, tolerance: Double, memoryBudget: Int, layerCount: Int) throws(DeepArcError) {
        guard layerCount > 0 else {
            throw .invalidActivations(layer: nil, reason: "\(metric) needs at least one layer, got \(layerCount)")
        }
        self.metric = metric
        self.batchSize = batchSize
        self.tolerance = tolerance
        self.memoryBudget = memoryBudget
        self.layerCount = layerCount
        self.pending = Array(repeating: [], count: layerCount)
        self.totals = Totals(
            products: Array(repeating: 0, count: layerCount * layerCount),
            references: Array(repeating: 0, count: layerCount))
    }

    mutating func add(_ batch: [Tensor]) throws {
        let shape = try BatchShape(validating: batch, layerCount: layerCount, previous: featureCounts)
        try BatchShape.checkFinite(batch, featureCounts: shape.featureCounts, firstSample: sampleCount)
        if featureCounts == nil { featureCounts = shape.featureCounts }
        var row = 0
        while row < shape.batchSize {
            let take = min(batchSize - pendingRows, shape.batchSize - row)
            for layer in 0..<layerCount {
                let columns = shape.featureCounts[layer]
                batch[layer].withUnsafeBufferPointer { values in
                    pending[layer].append(contentsOf: values[(row * columns)..<((row + take) * columns)])
                }
            }
            pendingRows += take
            row += take
            if pendingRows == batchSize {
                totals.add(batchProducts(rows: pendingRows, featureCounts: shape.featureCounts), batchSize: pendingRows)
                for layer in 0..<layerCount { pending[layer].removeAll(keepingCapacity: true) }
                pendingRows = 0
            }
        }
        sampleCount += shape.batchSize
    }

    func finalize() throws -> SimilarityMatrix {
        var totals = self.totals
        if pendingRows >= 4, let featureCounts {
            totals.add(batchProducts(rows: pendingRows, featureCounts: featureCounts), batchSize: pendingRows)
        }
        guard totals.batches > 0 else {
            throw DeepArcError.invalidActivations(
                layer: nil, reason: "\(metric) needs at least 4 samples (one batch), got \(sampleCount)")
        }
        let n = layerCount
        let degenerate = (0..<n).map { l in
            SimilarityAssembly.isDegenerate(
                kernelNormSquared: totals.products[l * n + l], referenceNormSquared: totals.references[l],
                tolerance: tolerance)
        }
        return try SimilarityAssembly.matrix(products: totals.products, count: n, degenerate: degenerate)
    }

    /// ⟨Ũ_i, Ũ_j⟩ of one batch (each layer centred over the batch first, for accuracy).
    ///
    /// Each batch's layers are scaled by their own power of two (see ``PreparedLayer``), which the
    /// normalisation of a single Gram would cancel but a sum over batches would not: the products
    /// are returned in the layers' original units (⟨Ũ_i, Ũ_j⟩ carries s_i² s_j², ‖K_i‖² carries s_i⁴).
    private func batchProducts(rows: Int, featureCounts: [Int]) -> GramCrossProducts.Result {
        let tensors = zip(pending, featureCounts).map { values, columns in
            Tensor(shape: [rows, columns]) { out in
                values.withUnsafeBufferPointer { source in
                    guard let from = source.baseAddress, let to = out.baseAddress else { return }
                    to.update(from: from, count: rows * columns)
                }
            }
        }
        var offsets: [Int] = []
        var total = 0
        for columns in featureCounts {
            offsets.append(total)
            total += columns
        }
        var sums = [Double](repeating: 0, count: total)
        var squares = [Double](repeating: 0, count: total)
        ColumnMoments.accumulate(
            tensors, rows: rows, featureCounts: featureCounts, offsets: offsets, sums: &sums, squares: &squares)
        let layers = tensors.indices.map { l in
            let range = offsets[l]..<(offsets[l] + featureCounts[l])
            return PreparedLayer(
                chunks: [tensors[l]], rows: rows, columns: featureCounts[l], columnSums: sums[range],
                squareTotal: squares[range].reduce(0, +), centred: true)
        }
        var result = GramCrossProducts.compute(layerCount: layers.count, size: rows, memoryBudget: memoryBudget) {
            l, _ in UCentredKernelSource(layer: layers[l], exactReference: true)
        }
        let n = layers.count
        let scales = layers.map { $0.scale * $0.scale }
        for i in 0..<n {
            for j in 0..<n { result.products[i * n + j] /= scales[i] * scales[j] }
            result.referenceNormsSquared[i] /= scales[i] * scales[i]
        }
        return result
    }
}
