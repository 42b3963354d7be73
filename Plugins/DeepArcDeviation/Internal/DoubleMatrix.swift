import DeepArcTensor
import Foundation

/// A dense row-major matrix of `Double`s: the working precision of the deviation measures.
///
/// Representations arrive as `Float`; the measures convert them (block by block where they are
/// large) so that values, Gram matrices, covariances and Cholesky factors carry no `Float` rounding
/// beyond that of the inputs. Matrix products go to `BLAS.dgemm`.
struct DoubleMatrix: Sendable, Equatable {
    /// The number of rows.
    let rows: Int
    /// The number of columns.
    let columns: Int
    /// The values, row-major, `rows · columns` of them.
    var values: [Double]

    /// A zero matrix.
    init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "DoubleMatrix: negative size \(rows) × \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = [Double](repeating: 0, count: rows * columns)
    }

    // MARK: - Products

    /// `self ← alpha · op(a) · op(b) + beta · self`, with op(X) = Xᵀ when the flag is set.
    mutating func multiply(
        _ a: DoubleMatrix, transposeA: Bool = false, _ b: DoubleMatrix, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let n = transposeB ? b.rows : b.columns
        precondition((transposeB ? b.columns : b.rows) == k, "DoubleMatrix: inner dimensions differ")
        precondition(rows == m && columns == n, "DoubleMatrix: result is \(rows) × \(columns), need \(m) × \(n)")
        let (rows, columns) = (self.rows, self.columns)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                values.withUnsafeMutableBufferPointer { pc in
                    guard rows > 0, columns > 0, let ba = pa.baseAddress, let bb = pb.baseAddress,
                        let bc = pc.baseAddress
                    else { return }
                    BLAS.dgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: ba, lda: a.columns, b: bb, ldb: b.columns, beta: beta, c: bc, ldc: columns)
                }
            }
        }
    }

    /// `alpha · op(a) · op(b)` as a new matrix.
    static func product(
        _ a: DoubleMatrix, transposeA: Bool = false, _ b: DoubleMatrix, transposeB: Bool = false, alpha: Double = 1
    ) -> DoubleMatrix {
        var result = DoubleMatrix(
            rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
        result.multiply(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha)
        return result
    }

    // MARK: - Reductions

    /// The Frobenius inner product ⟨self, other⟩ = Σ selfᵢⱼ · otherᵢⱼ.
    func frobeniusProduct(with other: DoubleMatrix) -> Double {
        precondition(values.count == other.values.count, "DoubleMatrix: sizes differ")
        return values.withUnsafeBufferPointer { x in
            other.values.withUnsafeBufferPointer { y in
                var sum = 0.0
                for index in 0..<x.count { sum += x[index] * y[index] }
                return sum
            }
        }
    }

    /// The trace of a square matrix.
    var trace: Double {
        precondition(rows == columns, "DoubleMatrix: trace of a non-square matrix")
        return values.withUnsafeBufferPointer { x in
            var sum = 0.0
            for index in 0..<rows { sum += x[index * columns + index] }
            return sum
        }
    }

    // MARK: - Cholesky

    /// The lower Cholesky factor L of this symmetric matrix (A = L·Lᵀ, upper triangle zero), reading
    /// only the lower triangle; nil when the matrix is not numerically positive definite (a pivot not
    /// above 10⁻¹² times its diagonal entry, or not finite).
    func choleskyFactor() -> DoubleMatrix? {
        precondition(rows == columns, "DoubleMatrix: Cholesky of a non-square matrix")
        let k = rows
        var factor = DoubleMatrix(rows: k, columns: k)
        let succeeded = values.withUnsafeBufferPointer { a in
            factor.values.withUnsafeMutableBufferPointer { l in
                for j in 0..<k {
                    let rowJ = j * k
                    var pivot = a[rowJ + j]
                    for p in 0..<j { pivot -= l[rowJ + p] * l[rowJ + p] }
                    guard pivot.isFinite, pivot > 1e-12 * abs(a[rowJ + j]), pivot > 0 else { return false }
                    let diagonal = pivot.squareRoot()
                    l[rowJ + j] = diagonal
                    for i in (j + 1)..<k {
                        let rowI = i * k
                        var sum = a[rowI + j]
                        for p in 0..<j { sum -= l[rowI + p] * l[rowJ + p] }
                        l[rowI + j] = sum / diagonal
                    }
                }
                return true
            }
        }
        return succeeded ? factor : nil
    }

    /// The inverse of this lower-triangular matrix with a positive diagonal (lower-triangular too),
    /// by forward substitution on the rows of L · L⁻¹ = I.
    func lowerTriangularInverse() -> DoubleMatrix {
        precondition(rows == columns, "DoubleMatrix: inverse of a non-square matrix")
        let k = rows
        var inverse = DoubleMatrix(rows: k, columns: k)
        values.withUnsafeBufferPointer { l in
            inverse.values.withUnsafeMutableBufferPointer { x in
                for i in 0..<k {
                    let rowI = i * k
                    // Row i of X: (eᵢ − Σ_{p<i} L[i][p] · X[p]) / L[i][i]; X[p] is zero beyond column p.
                    x[rowI + i] = 1
                    for p in 0..<i {
                        let factor = l[rowI + p]
                        if factor == 0 { continue }
                        let rowP = p * k
                        for column in 0...p { x[rowI + column] -= factor * x[rowP + column] }
                    }
                    let scale = 1 / l[rowI + i]
                    for column in 0...i { x[rowI + column] *= scale }
                }
            }
        }
        return inverse
    }
}
