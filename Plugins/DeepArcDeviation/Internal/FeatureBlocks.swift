import DeepArcTensor

/// Moves a row-major `Float` matrix (samples × features) to and from `Double` in column blocks, so
/// that wide representations (10⁴–10⁵ features per sample) never exist in full as `Double`.
enum FeatureBlocks {
    /// How many `Double`s one block may hold (2 MiB).
    static let blockBudget = 1 << 18

    /// The column ranges covering `columns` features of a `rows`-row matrix, each block holding at
    /// most ``blockBudget`` values (but at least 16 columns wide).
    static func ranges(rows: Int, columns: Int) -> [Range<Int>] {
        let width = max(16, blockBudget / max(rows, 1))
        return stride(from: 0, to: columns, by: width).map { $0..<min(columns, $0 + width) }
    }

    /// The mean of each column of the `rows × columns` matrix `x`, accumulated in `Double`.
    static func columnMeans(_ x: UnsafeBufferPointer<Float>, rows: Int, columns: Int) -> [Double] {
        var means = [Double](repeating: 0, count: columns)
        means.withUnsafeMutableBufferPointer { sums in
            for row in 0..<rows {
                let offset = row * columns
                for column in 0..<columns { sums[column] += Double(x[offset + column]) }
            }
            let scale = 1 / Double(rows)
            for column in 0..<columns { sums[column] *= scale }
        }
        return means
    }

    /// Columns `range` of the `rows × columns` matrix `x` as a `rows × range.count` block, each column
    /// minus `means[column]` when `means` is given.
    static func block(
        of x: UnsafeBufferPointer<Float>, rows: Int, columns: Int, range: Range<Int>, subtracting means: [Double]? = nil
    ) -> DoubleMatrix {
        let width = range.count
        var block = DoubleMatrix(rows: rows, columns: width)
        block.values.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                let source = row * columns + range.lowerBound
                let target = row * width
                for column in 0..<width { out[target + column] = Double(x[source + column]) }
            }
            guard let means else { return }
            means.withUnsafeBufferPointer { shift in
                for row in 0..<rows {
                    let target = row * width
                    for column in 0..<width { out[target + column] -= shift[range.lowerBound + column] }
                }
            }
        }
        return block
    }

    /// Writes `block` (`rows × range.count`) into columns `range` of the row-major `Float` matrix `y`
    /// with `columns` columns.
    static func write(_ block: DoubleMatrix, into y: UnsafeMutableBufferPointer<Float>, columns: Int, range: Range<Int>)
    {
        let width = range.count
        block.values.withUnsafeBufferPointer { values in
            for row in 0..<block.rows {
                let target = row * columns + range.lowerBound
                let source = row * width
                for column in 0..<width { y[target + column] = Float(values[source + column]) }
            }
        }
    }
}
