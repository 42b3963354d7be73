import Foundation

/// The centred RBF kernel of a prepared (centred) layer, block by block.
///
/// K_pq = exp(−D²_pq / (2s²)) with D²_pq = ‖x_p‖² + ‖x_q‖² − 2 x_p·x_q (from the Gram, clamped at 0;
/// the diagonal is exactly 0) and s² = f² · median of all m·m entries of D², the zero diagonal
/// included. When that median is 0 (more than half the pairs coincide) the kernel is its s → 0
/// limit: 1 where D² = 0, else 0. The kernel is then centred, Kc = K − row means − column means
/// + grand mean, without forming the centring matrix.
///
/// The bandwidth and the row means need passes over the whole kernel before any centred block
/// exists. When the engine asks for the whole kernel in one block they are taken from that block;
/// otherwise they are computed at creation by streaming the layer's Gram in row blocks within the
/// memory budget (three passes: two for the exact median by radix selection, one for the row sums).
final class RBFKernelSource: KernelBlockSource {
    /// The Gram matrix the distances come from.
    let gram: LinearKernelSource
    /// f in s² = f² · median(D²).
    let sigmaFraction: Double
    /// ‖x_p‖² in `Double`.
    private let norms: [Double]
    /// Samples with bitwise-identical rows share a group; their distance is exactly 0 (the `Float`
    /// Gram would leave rounding noise there, which would decide the bandwidth of a layer where
    /// most samples coincide, such as a mostly dead one).
    private let groups: [Int]
    private var statistics: Statistics?

    /// What centring needs, from passes over the whole kernel.
    struct Statistics {
        /// 2s²; 0 selects the s → 0 limit kernel.
        var twoSigmaSquared: Double
        /// Row means of K.
        var rowMeans: [Double]
        /// Mean of all entries of K.
        var grandMean: Double
        /// ‖K‖²_F of the uncentred kernel.
        var kernelNormSquared: Double
    }

    /// Creates the source of `layer`'s centred RBF kernel.
    /// - Parameter streamingBudget: nil when the engine will ask for the whole kernel as one block;
    ///   otherwise the bytes the statistics passes may use for one layer's Gram rows.
    init(layer: PreparedLayer, sigmaFraction: Double, streamingBudget: Int?) {
        gram = LinearKernelSource(layer: layer, exactReference: false)
        self.sigmaFraction = sigmaFraction
        norms = layer.rowSquaredNorms()
        groups = RBFKernelSource.duplicateGroups(of: layer)
        if let streamingBudget {
            statistics = streamStatistics(memoryBudget: streamingBudget)
        }
    }

    func fillBlock(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        gram.fillBlock(rows: rows, into: out)
        if statistics == nil {
            precondition(rows == 0..<gram.layer.rows, "without precomputed statistics the kernel must be one block")
            statistics = computeStatistics { pass in pass(rows, UnsafePointer(out)) }
        }
        guard let statistics else { return }
        let m = gram.layer.rows
        let width = m - rows.lowerBound
        let pieces = Parallel.ranges(rows.count, grain: 32)
        let twoSigmaSquared = statistics.twoSigmaSquared
        let grand = statistics.grandMean
        norms.withUnsafeBufferPointer { normBuffer in
            groups.withUnsafeBufferPointer { groupBuffer in
                statistics.rowMeans.withUnsafeBufferPointer { meanBuffer in
                    guard let norm = normBuffer.baseAddress, let group = groupBuffer.baseAddress,
                        let mean = meanBuffer.baseAddress
                    else { return }
                    Parallel.forEach(pieces.count) { piece in
                        for i in pieces[piece] {
                            let p = rows.lowerBound + i
                            let row = out + i * width
                            let shift = grand - mean[p]
                            row[i] = Float(1 + shift - mean[p])
                            for q in (p + 1)..<m {
                                let j = q - rows.lowerBound
                                let d2 = group[p] == group[q] ? 0 : max(0, norm[p] + norm[q] - 2 * Double(row[j]))
                                row[j] = Float(RBFKernelSource.kernel(d2, twoSigmaSquared) + shift - mean[q])
                            }
                        }
                    }
                }
            }
        }
    }

    var referenceNorm: ReferenceNorm {
        ReferenceNorm(base: statistics?.kernelNormSquared ?? 0, kernelWeight: 0)
    }

    /// exp(−d² / 2s²), or its s → 0 limit.
    @inline(__always)
    static func kernel(_ d2: Double, _ twoSigmaSquared: Double) -> Double {
        twoSigmaSquared > 0 ? exp(-d2 / twoSigmaSquared) : (d2 == 0 ? 1 : 0)
    }

    // MARK: - Statistics

    /// A pass over the Gram's upper triangle: called with each row block and its rows.
    typealias Pass = (Range<Int>, UnsafePointer<Float>) -> Void

    /// Streams the layer's Gram in row blocks within `memoryBudget` bytes, recomputing it for each
    /// pass unless it fits in one block.
    private func streamStatistics(memoryBudget: Int) -> Statistics {
        let m = gram.layer.rows
        let starts = GramCrossProducts.blockStarts(layerCount: 1, size: m, memoryBudget: memoryBudget)
        let bounds = starts.indices.map { starts[$0]..<($0 + 1 < starts.count ? starts[$0 + 1] : m) }
        let capacity = bounds.map { $0.count * (m - $0.lowerBound) }.max() ?? 0
        var buffer = [Float](repeating: 0, count: capacity)
        return buffer.withUnsafeMutableBufferPointer { storage in
            guard let block = storage.baseAddress else { preconditionFailure("a layer has samples") }
            if bounds.count == 1 {
                gram.fillBlock(rows: 0..<m, into: block)
                return computeStatistics { pass in pass(0..<m, UnsafePointer(block)) }
            }
            return computeStatistics { pass in
                for rows in bounds {
                    gram.fillBlock(rows: rows, into: block)
                    pass(rows, UnsafePointer(block))
                }
            }
        }
    }

    /// Runs the three statistics passes; `blocks` calls its argument once per row block of the Gram.
    private func computeStatistics(_ blocks: (Pass) -> Void) -> Statistics {
        let m = gram.layer.rows
        let ranks = RadixSelection.medianRanks(size: m)
        var selection = RadixSelection(ranks: ranks.compactMap { $0 })
        var scratch = [Float](repeating: 0, count: m)
        if !selection.ranks.isEmpty {
            blocks { rows, block in
                forEachDistanceRow(rows, block, &scratch) { selection.countHigh($0) }
            }
            selection.finishHigh()
            blocks { rows, block in
                forEachDistanceRow(rows, block, &scratch) { selection.countLow($0) }
            }
        }
        var selected = selection.values().makeIterator()
        let picked = ranks.map { rank in rank == nil ? 0 : Double(selected.next() ?? 0) }
        let median = picked.reduce(0, +) / Double(picked.count)
        let twoSigmaSquared = 2 * sigmaFraction * sigmaFraction * median

        var rowSums = [Double](repeating: 0, count: m)
        var normSquared = 0.0
        blocks { rows, block in
            let (sums, norm) = kernelRowSums(rows, block, twoSigmaSquared: twoSigmaSquared)
            for p in 0..<m { rowSums[p] += sums[p] }
            normSquared += norm
        }
        let total = rowSums.reduce(0, +)
        return Statistics(
            twoSigmaSquared: twoSigmaSquared, rowMeans: rowSums.map { $0 / Double(m) },
            grandMean: total / (Double(m) * Double(m)), kernelNormSquared: normSquared)
    }

    /// Hands `body` the strictly-upper squared distances of each row of a block, as `Float`.
    private func forEachDistanceRow(
        _ rows: Range<Int>, _ block: UnsafePointer<Float>, _ scratch: inout [Float],
        _ body: (UnsafeBufferPointer<Float>) -> Void
    ) {
        let m = gram.layer.rows
        let width = m - rows.lowerBound
        norms.withUnsafeBufferPointer { normBuffer in
            groups.withUnsafeBufferPointer { groupBuffer in
                scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                    guard let norm = normBuffer.baseAddress, let group = groupBuffer.baseAddress,
                        let out = scratchBuffer.baseAddress
                    else { return }
                    for i in 0..<rows.count {
                        let p = rows.lowerBound + i
                        let row = block + i * width
                        let count = m - p - 1
                        for offset in 0..<count {
                            let q = p + 1 + offset
                            let d2 = group[p] == group[q] ? 0 : norm[p] + norm[q] - 2 * Double(row[q - rows.lowerBound])
                            out[offset] = d2 > 0 ? Float(d2) : 0
                        }
                        body(UnsafeBufferPointer(start: out, count: count))
                    }
                }
            }
        }
    }

    /// Row sums of K over one block's upper-triangle entries (each off-diagonal entry counted for
    /// both its row and its column) and their contribution to ‖K‖²_F.
    private func kernelRowSums(
        _ rows: Range<Int>, _ block: UnsafePointer<Float>, twoSigmaSquared: Double
    ) -> (sums: [Double], normSquared: Double) {
        let m = gram.layer.rows
        let width = m - rows.lowerBound
        let pieces = Parallel.ranges(rows.count, grain: max(32, (rows.count + 7) / 8))
        var partialSums = [Double](repeating: 0, count: pieces.count * m)
        var partialNorms = [Double](repeating: 0, count: pieces.count)
        norms.withUnsafeBufferPointer { normBuffer in
            groups.withUnsafeBufferPointer { groupBuffer in
                partialSums.withUnsafeMutableBufferPointer { sumBuffer in
                    partialNorms.withUnsafeMutableBufferPointer { normOut in
                        guard let norm = normBuffer.baseAddress, let group = groupBuffer.baseAddress,
                            let sumsBase = sumBuffer.baseAddress, let normsBase = normOut.baseAddress
                        else { return }
                        Parallel.forEach(pieces.count) { piece in
                            let sums = sumsBase + piece * m
                            var normSquared = 0.0
                            for i in pieces[piece] {
                                let p = rows.lowerBound + i
                                let row = block + i * width
                                sums[p] += 1  // K_pp = exp(0)
                                normSquared += 1
                                var rowSum = 0.0
                                var rowSquares = 0.0
                                for q in (p + 1)..<m {
                                    let d2 =
                                        group[p] == group[q]
                                        ? 0 : max(0, norm[p] + norm[q] - 2 * Double(row[q - rows.lowerBound]))
                                    let k = RBFKernelSource.kernel(d2, twoSigmaSquared)
                                    rowSum += k
                                    rowSquares += k * k
                                    sums[q] += k
                                }
                                sums[p] += rowSum
                                normSquared += 2 * rowSquares
                            }
                            normsBase[piece] = normSquared
                        }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: m)
        for piece in pieces.indices {
            for p in 0..<m { sums[p] += partialSums[piece * m + p] }
        }
        return (sums, partialNorms.reduce(0, +))
    }

    /// A group number per sample; samples get the same number exactly when their rows are bitwise
    /// identical (rows are hashed, and equal hashes are confirmed by comparing the bytes).
    static func duplicateGroups(of layer: PreparedLayer) -> [Int] {
        let d = layer.columns
        var groups = [Int](repeating: 0, count: layer.rows)
        var representatives: [Int: [Int]] = [:]  // hash → first row of each group with that hash
        layer.withValues { x in
            for p in 0..<layer.rows {
                let row = UnsafeRawBufferPointer(start: x + p * d, count: d * MemoryLayout<Float>.stride)
                var hasher = Hasher()
                hasher.combine(bytes: row)
                let hash = hasher.finalize()
                let match = representatives[hash, default: []].first { q in
                    memcmp(x + q * d, x + p * d, d * MemoryLayout<Float>.stride) == 0
                }
                if let match {
                    groups[p] = groups[match]
                } else {
                    groups[p] = p
                    representatives[hash, default: []].append(p)
                }
            }
        }
        return groups
    }
}
