import DeepArcTensor

/// The linear kernel K = X Xᵀ of a prepared layer (centred or not), block by block.
///
/// A block's leading square comes from `ssyrk` (upper triangle only) and the rest of its rows from
/// one `sgemm`, so forming the whole upper triangle costs m(m+1)/2 · d multiply-adds: the Gram
/// cost floor.
final class LinearKernelSource: KernelBlockSource {
    /// The activations (m × d).
    let layer: PreparedLayer
    /// Whether ``referenceNorm`` is exact for a centred layer (else the free trace bound).
    let exactReference: Bool

    /// Creates the source of `layer`'s Gram matrix.
    /// - Parameter exactReference: compute ‖K‖ exactly (one pass over the activations) instead of
    ///   reporting the bound tr(K) (see ``ReferenceNorm``).
    init(layer: PreparedLayer, exactReference: Bool) {
        self.layer = layer
        self.exactReference = exactReference
    }

    func fillBlock(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let m = layer.rows
        let d = layer.columns
        let width = m - rows.lowerBound
        layer.withValues { x in
            let top = x + rows.lowerBound * d
            BLAS.ssyrkUpper(transpose: false, n: rows.count, k: d, a: top, lda: d, c: out, ldc: width)
            if rows.upperBound < m {
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: rows.count, n: m - rows.upperBound, k: d,
                    a: top, lda: d, b: x + rows.upperBound * d, ldb: d, c: out + rows.count, ldc: width)
            }
        }
    }

    /// For an uncentred layer the kernel is its own reference. For a centred one,
    /// X = Xc + 1μᵀ gives K = Kc + v1ᵀ + 1vᵀ + ‖μ‖²·11ᵀ with v = Xc μ; since Kc·1 = 0 and 1ᵀv = 0 the
    /// cross terms vanish and ‖K‖² = ‖Kc‖² + 2m‖v‖² + ‖μ‖⁴m² — no second Gram needed.
    var referenceNorm: ReferenceNorm {
        guard layer.isCentred else { return ReferenceNorm(base: 0, kernelWeight: 1) }
        guard exactReference else { return .traceBound(layer.uncentredTrace) }
        return ReferenceNorm(base: uncentringExcess(), kernelWeight: 1)
    }

    /// 2m‖v‖² + ‖μ‖⁴m² of the identity above (v from one `Float` matrix-vector product).
    func uncentringExcess() -> Double {
        let m = layer.rows
        let means = layer.scaledMeans
        let meanSquare = means.reduce(0) { $0 + $1 * $1 }
        guard meanSquare > 0 else { return 0 }
        let meansFloat = means.map { Float($0) }
        var v = [Float](repeating: 0, count: m)
        layer.withValues { x in
            meansFloat.withUnsafeBufferPointer { mu in
                v.withUnsafeMutableBufferPointer { out in
                    guard let muBase = mu.baseAddress, let outBase = out.baseAddress else { return }
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: m, n: 1, k: layer.columns, a: x, lda: layer.columns,
                        b: muBase, ldb: 1, c: outBase, ldc: 1)
                }
            }
        }
        let vSquare = v.reduce(0.0) { $0 + Double($1) * Double($1) }
        return 2 * Double(m) * vSquare + meanSquare * meanSquare * Double(m) * Double(m)
    }
}
