import DeepArcCore
import DeepArcTensor

/// Keeps every batch of every layer (without copying: `Tensor` is copy-on-write) together with
/// per-column sums and sums of squares in `Double`, for the metrics that need all m samples at once.
///
/// The running sums are updated sample by sample in order, so they — and everything computed from
/// them — have the same bits however the samples were split into batches. A batch that fails
/// validation leaves the store unchanged.
struct ActivationStore {
    /// The number of layers n.
    let layerCount: Int
    /// Samples added so far (m).
    private(set) var sampleCount = 0
    /// Features per sample of each layer, fixed by the first batch.
    private(set) var featureCounts: [Int]?
    /// The batches of each layer, in order.
    private(set) var chunks: [[Tensor]]
    /// Σ_p x_pk for every layer and feature, all layers back to back (see ``offsets``).
    private(set) var columnSums: [Double] = []
    /// Σ_p x_pk² for every layer and feature, laid out as ``columnSums``.
    private(set) var columnSquares: [Double] = []
    /// Where each layer's features start in ``columnSums`` and ``columnSquares``.
    private(set) var offsets: [Int] = []

    /// Creates an empty store for `layerCount` layers.
    init(layerCount: Int) {
        self.layerCount = layerCount
        self.chunks = Array(repeating: [], count: layerCount)
    }

    /// Validates and stores one batch.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` (see ``BatchShape``), or when a
    ///   value is NaN or infinite.
    mutating func add(_ batch: [Tensor]) throws(DeepArcError) {
        let shape = try BatchShape(validating: batch, layerCount: layerCount, previous: featureCounts)
        if featureCounts == nil {
            featureCounts = shape.featureCounts
            var running = 0
            offsets = shape.featureCounts.map { count in
                defer { running += count }
                return running
            }
            columnSums = Array(repeating: 0, count: running)
            columnSquares = Array(repeating: 0, count: running)
        }
        guard shape.batchSize > 0 else { return }
        var sums = columnSums
        var squares = columnSquares
        ColumnMoments.accumulate(
            batch, rows: shape.batchSize, featureCounts: shape.featureCounts, offsets: offsets,
            sums: &sums, squares: &squares)
        // A NaN or an infinity anywhere in a column makes its Double sum non-finite (finite Float
        // values cannot overflow a Double sum), so only a bad column needs a closer look.
        for layer in 0..<layerCount {
            let range = offsets[layer]..<(offsets[layer] + shape.featureCounts[layer])
            guard sums[range].allSatisfy(\.isFinite) else {
                try batch[layer].withUnsafeBufferPointer { (values) throws(DeepArcError) in
                    try BatchShape.checkFinite(
                        values, rows: shape.batchSize, columns: shape.featureCounts[layer], layer: layer,
                        firstSample: sampleCount)
                }
                throw .invalidActivations(layer: layer, reason: "activations sum to a non-finite value")
            }
        }
        columnSums = sums
        columnSquares = squares
        for layer in 0..<layerCount {
            chunks[layer].append(batch[layer])
        }
        sampleCount += shape.batchSize
    }

    /// The features per sample of `layer` (0 before the first batch).
    func featureCount(of layer: Int) -> Int {
        featureCounts?[layer] ?? 0
    }

    /// Σ_p x_pk of `layer` (one value per feature).
    func sums(of layer: Int) -> ArraySlice<Double> {
        columnSums[offsets[layer]..<(offsets[layer] + featureCount(of: layer))]
    }

    /// Σ_pk x_pk² of `layer`.
    func squareTotal(of layer: Int) -> Double {
        columnSquares[offsets[layer]..<(offsets[layer] + featureCount(of: layer))].reduce(0, +)
    }
}

/// Column sums and sums of squares in `Double`, accumulated sample by sample.
enum ColumnMoments {
    /// Adds the rows of each layer's tensor to that layer's running column sums and squares.
    /// Work is split over layers and column ranges; each column is still summed in sample order.
    static func accumulate(
        _ batch: [Tensor], rows: Int, featureCounts: [Int], offsets: [Int],
        sums: inout [Double], squares: inout [Double]
    ) {
        var items: [(layer: Int, columns: Range<Int>)] = []
        for (layer, count) in featureCounts.enumerated() {
            for columns in Parallel.ranges(count, grain: 2048) { items.append((layer, columns)) }
        }
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            squares.withUnsafeMutableBufferPointer { squareBuffer in
                guard let sumBase = sumBuffer.baseAddress, let squareBase = squareBuffer.baseAddress else { return }
                Parallel.forEach(items.count) { index in
                    let item = items[index]
                    let columns = featureCounts[item.layer]
                    let s = sumBase + offsets[item.layer] + item.columns.lowerBound
                    let q = squareBase + offsets[item.layer] + item.columns.lowerBound
                    let width = item.columns.count
                    batch[item.layer].withUnsafeBufferPointer { values in
                        guard let base = values.baseAddress else { return }
                        ColumnStatistics.accumulateMoments(
                            base + item.columns.lowerBound, rows: rows, stride: columns, width: width, sums: s,
                            squares: q)
                    }
                }
            }
        }
    }
}
