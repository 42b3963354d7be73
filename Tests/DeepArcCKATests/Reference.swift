import DeepArcTensor
import Foundation

// Independent float64 references, written from the definitions in specs/similarity.md and the
// papers, in the most literal form that is still affordable: explicit m × m Gram and centring
// matrices for small m, the feature-space formulas (which the spec states for cka.linear and
// gram-cosine) for large m. None of this shares code with the implementation.

/// A dense row-major float64 matrix.
struct Matrix {
    var rows: Int
    var columns: Int
    var values: [Double]

    init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, values: Array(repeating: 0, count: rows * columns))
    }

    /// The exact values of a `[m, …]` tensor, flattened per sample.
    init(_ tensor: Tensor) {
        let m = tensor.shape[0]
        self.init(rows: m, columns: tensor.count / m, values: tensor.scalars.map(Double.init))
    }

    subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows)
        var c = Matrix(zeros: a.rows, b.columns)
        for i in 0..<a.rows {
            for k in 0..<a.columns {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<b.columns { c.values[i * b.columns + j] += aik * b.values[k * b.columns + j] }
            }
        }
        return c
    }

    var transposed: Matrix {
        var t = Matrix(zeros: columns, rows)
        for i in 0..<rows {
            for j in 0..<columns { t[j, i] = self[i, j] }
        }
        return t
    }

    /// Rows `range` only.
    func rows(_ range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count, columns: columns,
            values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    static func identity(_ n: Int) -> Matrix {
        var m = Matrix(zeros: n, n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }
}

/// ⟨A, B⟩_F.
func frobenius(_ a: Matrix, _ b: Matrix) -> Double {
    zip(a.values, b.values).reduce(0) { $0 + $1.0 * $1.1 }
}

enum Reference {
    // MARK: - Kernels

    /// K = X Xᵀ.
    static func linearGram(_ x: Matrix) -> Matrix { x * x.transposed }

    /// H = I − 11ᵀ/m.
    static func centring(_ m: Int) -> Matrix {
        var h = Matrix.identity(m)
        for i in 0..<m {
            for j in 0..<m { h[i, j] -= 1 / Double(m) }
        }
        return h
    }

    /// RBF kernel with s² = f² · median of all m·m squared distances (zero diagonal included; the
    /// median of an even count is the mean of the two middle values).
    static func rbfGram(_ x: Matrix, sigmaFraction f: Double) -> Matrix {
        let m = x.rows
        var d2 = Matrix(zeros: m, m)
        for p in 0..<m {
            for q in 0..<m {
                var s = 0.0
                for k in 0..<x.columns { s += (x[p, k] - x[q, k]) * (x[p, k] - x[q, k]) }
                d2[p, q] = s
            }
        }
        let sorted = d2.values.sorted()
        let n = sorted.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        let s2 = f * f * median
        return Matrix(rows: m, columns: m, values: d2.values.map { s2 > 0 ? exp(-$0 / (2 * s2)) : ($0 == 0 ? 1 : 0) })
    }

    // MARK: - Alignments

    /// ⟨HKH, HLH⟩ / (‖HKH‖ ‖HLH‖) with the explicit centring matrix.
    static func centredAlignment(_ k: Matrix, _ l: Matrix) -> Double {
        let h = centring(k.rows)
        let kc = h * k * h
        let lc = h * l * h
        return frobenius(kc, lc) / (frobenius(kc, kc) * frobenius(lc, lc)).squareRoot()
    }

    /// ⟨K, L⟩ / (‖K‖ ‖L‖) (no centring: the paper's Eq. 1–2).
    static func cosine(_ k: Matrix, _ l: Matrix) -> Double {
        frobenius(k, l) / (frobenius(k, k) * frobenius(l, l)).squareRoot()
    }

    /// Song et al. (2012), Eq. 5: the unbiased HSIC₁ by its three-term formula.
    static func hsic1(_ k: Matrix, _ l: Matrix) -> Double {
        let m = k.rows
        var kt = k
        var lt = l
        for i in 0..<m {
            kt[i, i] = 0
            lt[i, i] = 0
        }
        let trace = frobenius(kt, lt)  // tr(K̃L̃) for symmetric matrices
        let sumK = kt.values.reduce(0, +)
        let sumL = lt.values.reduce(0, +)
        var rowK = [Double](repeating: 0, count: m)
        var rowL = [Double](repeating: 0, count: m)
        for i in 0..<m {
            for j in 0..<m {
                rowK[i] += kt[i, j]
                rowL[i] += lt[i, j]
            }
        }
        let cross = zip(rowK, rowL).reduce(0) { $0 + $1.0 * $1.1 }  // 1ᵀK̃L̃1
        let md = Double(m)
        return (trace + sumK * sumL / ((md - 1) * (md - 2)) - 2 / (md - 2) * cross) / (md * (md - 3))
    }

    static func debiased(_ k: Matrix, _ l: Matrix) -> Double {
        hsic1(k, l) / (hsic1(k, k) * hsic1(l, l)).squareRoot()
    }

    /// Nguyen et al. (2021): Σ_b HSIC₁ / √(Σ_b HSIC₁ · Σ_b HSIC₁) over contiguous batches of `b`;
    /// a trailing batch of fewer than 4 samples is dropped.
    static func minibatch(_ x: Matrix, _ y: Matrix, batchSize b: Int) -> Double {
        var kl = 0.0
        var kk = 0.0
        var ll = 0.0
        var start = 0
        while start < x.rows {
            let end = min(x.rows, start + b)
            if end - start >= 4 {
                let k = linearGram(x.rows(start..<end))
                let l = linearGram(y.rows(start..<end))
                kl += hsic1(k, l)
                kk += hsic1(k, k)
                ll += hsic1(l, l)
            }
            start = end
        }
        return kl / (kk * ll).squareRoot()
    }

    // MARK: - Feature-space forms (large m)

    /// X with its column means subtracted.
    static func centred(_ x: Matrix) -> Matrix {
        var c = x
        for k in 0..<x.columns {
            var mean = 0.0
            for p in 0..<x.rows { mean += x[p, k] }
            mean /= Double(x.rows)
            for p in 0..<x.rows { c[p, k] -= mean }
        }
        return c
    }

    /// ‖YᵀX‖²_F.
    static func crossNorm(_ x: Matrix, _ y: Matrix) -> Double {
        let c = y.transposed * x
        return frobenius(c, c)
    }

    /// The spec's cka.linear: ‖YcᵀXc‖² / (‖XcᵀXc‖ ‖YcᵀYc‖).
    static func linearCKA(_ x: Matrix, _ y: Matrix) -> Double {
        let xc = centred(x)
        let yc = centred(y)
        return crossNorm(xc, yc) / (crossNorm(xc, xc).squareRoot() * crossNorm(yc, yc).squareRoot())
    }

    /// HSIC₁ of linear kernels by the three-term formula, in feature space:
    /// tr(K̃L̃) = ‖YᵀX‖² − Σ_p K_pp L_pp, 1ᵀK̃1 = ‖Σ_p x_p‖² − Σ_p K_pp, (K̃1)_p = x_p·Σ_q x_q − K_pp.
    static func hsic1Features(_ x: Matrix, _ y: Matrix) -> Double {
        let m = x.rows
        func rowStats(_ a: Matrix) -> (diag: [Double], total: [Double]) {
            var total = [Double](repeating: 0, count: a.columns)
            var diag = [Double](repeating: 0, count: m)
            for p in 0..<m {
                for k in 0..<a.columns {
                    total[k] += a[p, k]
                    diag[p] += a[p, k] * a[p, k]
                }
            }
            return (diag, total)
        }
        let (kd, sx) = rowStats(x)
        let (ld, sy) = rowStats(y)
        var trace = crossNorm(x, y)
        for p in 0..<m { trace -= kd[p] * ld[p] }
        let sumK = sx.reduce(0) { $0 + $1 * $1 } - kd.reduce(0, +)
        let sumL = sy.reduce(0) { $0 + $1 * $1 } - ld.reduce(0, +)
        var cross = 0.0
        for p in 0..<m {
            var a = -kd[p]
            var b = -ld[p]
            for k in 0..<x.columns { a += x[p, k] * sx[k] }
            for k in 0..<y.columns { b += y[p, k] * sy[k] }
            cross += a * b
        }
        let md = Double(m)
        return (trace + sumK * sumL / ((md - 1) * (md - 2)) - 2 / (md - 2) * cross) / (md * (md - 3))
    }

    static func debiasedFeatures(_ x: Matrix, _ y: Matrix) -> Double {
        hsic1Features(x, y) / (hsic1Features(x, x) * hsic1Features(y, y)).squareRoot()
    }

    /// Pearson correlation of two vectors.
    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for (u, v) in zip(a, b) {
            sab += (u - ma) * (v - mb)
            saa += (u - ma) * (u - ma)
            sbb += (v - mb) * (v - mb)
        }
        return sab / (saa * sbb).squareRoot()
    }
}
