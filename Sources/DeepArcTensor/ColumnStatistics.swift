internal import CDeepArcKernels

/// Element-wise single-to-double kernels for exact statistics of activation matrices (the
/// similarity metrics' column moments and centring), with an AVX-512 path and a portable one.
///
/// Law: both paths perform the same operations in the same order (no fused multiply-adds), so
/// they return the same bits.
public enum ColumnStatistics {
    /// Adds, for each of `width` columns starting at `x`, Σ x and Σ x² over `rows` rows (row stride
    /// `stride`) to `sums` and `squares`, in `Double`, row by row.
    public static func accumulateMoments(
        _ x: UnsafePointer<Float>, rows: Int, stride: Int, width: Int, sums: UnsafeMutablePointer<Double>,
        squares: UnsafeMutablePointer<Double>
    ) {
        accumulateMoments(
            x, rows: rows, stride: stride, width: width, sums: sums, squares: squares,
            vectorised: GEMMKernel.avx512Available)
    }

    /// ``accumulateMoments(_:rows:stride:width:sums:squares:)`` on the AVX-512 path (`vectorised`,
    /// which needs ``GEMMKernel/avx512Available``) or the portable one.
    package static func accumulateMoments(
        _ x: UnsafePointer<Float>, rows: Int, stride: Int, width: Int, sums: UnsafeMutablePointer<Double>,
        squares: UnsafeMutablePointer<Double>, vectorised: Bool
    ) {
        guard rows > 0, width > 0 else { return }
        if vectorised {
            deeparc_accumulate_column_moments_avx512(x, rows, stride, width, sums, squares)
            return
        }
        for row in 0..<rows {
            let values = x + row * stride
            for k in 0..<width {
                let v = Double(values[k])
                sums[k] += v
                squares[k] += v * v
            }
        }
    }

    /// Writes `Float((Double(x) − means[k]) · scale)` for every element of a `rows` × `columns`
    /// row-major matrix.
    public static func centreRows(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, means: UnsafePointer<Double>, scale: Double,
        into out: UnsafeMutablePointer<Float>
    ) {
        centreRows(
            x, rows: rows, columns: columns, means: means, scale: scale, into: out,
            vectorised: GEMMKernel.avx512Available)
    }

    /// ``centreRows(_:rows:columns:means:scale:into:)`` on the AVX-512 path (`vectorised`, which
    /// needs ``GEMMKernel/avx512Available``) or the portable one.
    package static func centreRows(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, means: UnsafePointer<Double>, scale: Double,
        into out: UnsafeMutablePointer<Float>, vectorised: Bool
    ) {
        guard rows > 0, columns > 0 else { return }
        if vectorised {
            deeparc_centre_rows_avx512(x, rows, columns, means, scale, out)
            return
        }
        for row in 0..<rows {
            let source = x + row * columns
            let destination = out + row * columns
            for k in 0..<columns {
                destination[k] = Float((Double(source[k]) - means[k]) * scale)
            }
        }
    }
}
