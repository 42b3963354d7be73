import DeepArcTensor

/// One layer's samples as a contiguous m × d row-major `Float` matrix, ready for BLAS: scaled by a
/// power of two and, for the centred metrics, centred.
///
/// Centring subtracts the column means, computed in `Double`, from each value in `Double` and rounds
/// once, so the centred values are as exact as `Float` allows (post-ReLU features with large means
/// would otherwise lose digits). The power-of-two scale brings the layer's root-mean-square value
/// near 1 when it is far outside [2⁻⁸, 2⁸]: every CKA variant is invariant to scaling a layer, the
/// scaling is exact, and it keeps `Float` Gram matrices and their products from overflowing or
/// underflowing on extreme (but finite) activations.
struct PreparedLayer {
    /// Samples m.
    let rows: Int
    /// Features per sample d.
    let columns: Int
    /// The m × d values (possibly one of the caller's tensors, unchanged).
    let storage: Tensor
    /// The factor applied to every value (a power of two).
    let scale: Double
    /// The column means of the scaled data before centring (zeros when not centred).
    let scaledMeans: [Double]
    /// Whether the column means were subtracted.
    let isCentred: Bool
    /// Σ_pk (scale · x_pk)² of the uncentred values: the trace of the uncentred Gram matrix.
    let uncentredTrace: Double

    /// Rows handed to one piece of parallel work while preparing.
    static let rowGrain = 128

    /// Prepares a layer held as consecutive batches.
    /// - Parameters:
    ///   - chunks: the batches, each `[b, …]` with `columns` values per sample, `rows` in total.
    ///   - columnSums: Σ_p x_pk over all rows, in `Double`.
    ///   - squareTotal: Σ_pk x_pk², in `Double` (sets the scale).
    ///   - centred: subtract the column means.
    ///   - spare: a finished prepared layer's storage to write into instead of allocating (used when
    ///     its shape matches and nothing else holds it; a shared one is copied on write, never changed).
    init(
        chunks: [Tensor], rows: Int, columns: Int, columnSums: ArraySlice<Double>, squareTotal: Double, centred: Bool,
        reusing spare: Tensor? = nil
    ) {
        precondition(rows > 0 && columns > 0, "a prepared layer needs samples and features")
        let scale = PreparedLayer.scale(rootMeanSquare: (squareTotal / (Double(rows) * Double(columns))).squareRoot())
        let means = centred ? columnSums.map { $0 / Double(rows) } : Array(repeating: 0.0, count: columns)
        self.rows = rows
        self.columns = columns
        self.scale = scale
        self.isCentred = centred
        self.scaledMeans = means.map { $0 * scale }
        self.uncentredTrace = squareTotal * scale * scale
        if !centred, scale == 1, chunks.count == 1 {
            storage = chunks[0]
            return
        }
        // Pieces of at most `rowGrain` rows: (batch, rows within it, first output row).
        var pieces: [(chunk: Int, rows: Range<Int>, output: Int)] = []
        var firstRow = 0
        for (index, chunk) in chunks.enumerated() {
            let count = chunk.shape.first ?? 0
            for range in Parallel.ranges(count, grain: PreparedLayer.rowGrain) {
                pieces.append((index, range, firstRow + range.lowerBound))
            }
            firstRow += count
        }
        precondition(firstRow == rows, "the batches hold \(firstRow) samples, not \(rows)")
        let fill = { (out: UnsafeMutablePointer<Float>) in
            means.withUnsafeBufferPointer { meanBuffer in
                guard let mean = meanBuffer.baseAddress else { return }
                Parallel.forEach(pieces.count) { index in
                    let piece = pieces[index]
                    chunks[piece.chunk].withUnsafeBufferPointer { input in
                        guard let base = input.baseAddress else { return }
                        ColumnStatistics.centreRows(
                            base + piece.rows.lowerBound * columns, rows: piece.rows.count, columns: columns,
                            means: mean, scale: scale, into: out + piece.output * columns)
                    }
                }
            }
        }
        // A fresh 2000 × 4096 buffer costs more in page faults than centring it; reuse a spare.
        if var reused = spare, reused.shape == [rows, columns] {
            reused.withUnsafeMutableBufferPointer { output in
                if let out = output.baseAddress { fill(out) }
            }
            storage = reused
        } else {
            storage = Tensor(shape: [rows, columns]) { output in
                if let out = output.baseAddress { fill(out) }
            }
        }
    }

    /// The power of two that brings a root-mean-square value `rms` near 1, or 1 when `rms` is
    /// already within [2⁻⁸, 2⁸] (or zero).
    static func scale(rootMeanSquare rms: Double) -> Double {
        guard rms > 0, rms.isFinite, rms < 0x1p-8 || rms > 0x1p8 else { return 1 }
        return Double(sign: .plus, exponent: -rms.exponent, significand: 1)
    }

    /// Calls `body` with a pointer to the m × d values.
    func withValues<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        storage.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { preconditionFailure("a prepared layer is never empty") }
            return body(base)
        }
    }

    // MARK: - Row and column statistics (Double)

    /// ‖x_p‖² for every row, in `Double`.
    func rowSquaredNorms() -> [Double] {
        rowReductions { row in
            var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
            var k = 0
            while k + 4 <= columns {
                let v0 = Double(row[k]), v1 = Double(row[k + 1]), v2 = Double(row[k + 2]), v3 = Double(row[k + 3])
                a += v0 * v0
                b += v1 * v1
                c += v2 * v2
                d += v3 * v3
                k += 4
            }
            while k < columns {
                let v = Double(row[k])
                a += v * v
                k += 1
            }
            return (a + b) + (c + d)
        }
    }

    /// Σ_k x_pk · vector_k for every row p, in `Double`.
    func rowDots(with vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "vector length \(vector.count) ≠ \(columns) columns")
        return vector.withUnsafeBufferPointer { vectorBuffer in
            guard let w = vectorBuffer.baseAddress else { return Array(repeating: 0, count: rows) }
            return rowReductions { row in
                var (a, b) = (0.0, 0.0)
                var k = 0
                while k + 2 <= columns {
                    a += Double(row[k]) * w[k]
                    b += Double(row[k + 1]) * w[k + 1]
                    k += 2
                }
                if k < columns { a += Double(row[k]) * w[k] }
                return a + b
            }
        }
    }

    /// Σ_p x_pk for every column, in `Double` (rows in order).
    func columnTotals() -> [Double] {
        var totals = [Double](repeating: 0, count: columns)
        let ranges = Parallel.ranges(columns, grain: 2048)
        totals.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            withValues { values in
                Parallel.forEach(ranges.count) { index in
                    let range = ranges[index]
                    let t = out + range.lowerBound
                    for row in 0..<rows {
                        let x = values + row * columns + range.lowerBound
                        for k in 0..<range.count { t[k] += Double(x[k]) }
                    }
                }
            }
        }
        return totals
    }

    /// Applies a per-row reduction to every row, in parallel over fixed row ranges.
    private func rowReductions(_ reduce: (UnsafePointer<Float>) -> Double) -> [Double] {
        var result = [Double](repeating: 0, count: rows)
        let ranges = Parallel.ranges(rows, grain: PreparedLayer.rowGrain)
        result.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            withValues { values in
                Parallel.forEach(ranges.count) { index in
                    for row in ranges[index] { out[row] = reduce(values + row * columns) }
                }
            }
        }
        return result
    }
}
