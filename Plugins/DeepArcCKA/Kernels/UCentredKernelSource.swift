/// The U-centred Gram matrix of a prepared (centred) layer, block by block: the kernel of the
/// unbiased HSIC₁ estimator (Song et al. 2012) used by `cka.debiased` and `cka.minibatch`.
///
/// With K̃ the Gram matrix with its diagonal set to zero, r its row sums and S their total,
/// Ũ_pq = K̃_pq − (r_p + r_q)/(m − 2) + S/((m − 1)(m − 2)) off the diagonal and Ũ_pp = 0; then
/// HSIC₁(K, L) = ⟨Ũ_K, Ũ_L⟩ / (m(m − 3)). The row sums need no pass over the Gram:
/// Σ_q K_pq = x_p · Σ_q x_q, so r_p = x_p · s − ‖x_p‖² with s the column totals (all in `Double`).
/// Ũ is unchanged by centring the features (centring adds terms of the form a1ᵀ + 1aᵀ, which
/// U-centring removes), so the layer is centred first for `Float` accuracy.
final class UCentredKernelSource: KernelBlockSource {
    /// The Gram matrix being U-centred.
    let gram: LinearKernelSource
    /// r_p / (m − 2).
    private let rowTerms: [Double]
    /// S / ((m − 1)(m − 2)).
    private let constant: Double
    /// ‖Kc‖²_F of the (HKH-)centred Gram, accumulated while the blocks are filled.
    private var centredNormSquared = 0.0

    /// Whether ``referenceNorm`` is exact (else the free trace bound).
    let exactReference: Bool

    /// Creates the source of `layer`'s U-centred Gram.
    /// - Parameter exactReference: compute ‖K‖ exactly instead of reporting the bound tr(K).
    /// - Precondition: `layer.rows ≥ 4` (checked on input by the accumulators).
    init(layer: PreparedLayer, exactReference: Bool) {
        let m = layer.rows
        precondition(m >= 4, "U-centring needs at least 4 samples")
        gram = LinearKernelSource(layer: layer, exactReference: exactReference)
        self.exactReference = exactReference
        let norms = layer.rowSquaredNorms()
        let dots = layer.rowDots(with: layer.columnTotals())
        let rowSums = zip(dots, norms).map { $0 - $1 }
        let total = rowSums.reduce(0, +)
        rowTerms = rowSums.map { $0 / Double(m - 2) }
        constant = total / (Double(m - 1) * Double(m - 2))
    }

    func fillBlock(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        gram.fillBlock(rows: rows, into: out)
        let m = gram.layer.rows
        let width = m - rows.lowerBound
        let pieces = Parallel.ranges(rows.count, grain: 32)
        var norms = [Double](repeating: 0, count: pieces.count)
        let constant = self.constant
        rowTerms.withUnsafeBufferPointer { termBuffer in
            norms.withUnsafeMutableBufferPointer { normBuffer in
                guard let a = termBuffer.baseAddress, let norm = normBuffer.baseAddress else { return }
                Parallel.forEach(pieces.count) { piece in
                    var sum = 0.0
                    for i in pieces[piece] {
                        let p = rows.lowerBound + i
                        let row = out + i * width  // row[q − r₀] is column q
                        let diagonal = Double(row[i])
                        sum += diagonal * diagonal
                        row[i] = 0
                        let ap = a[p] - constant
                        var offDiagonal = 0.0
                        for q in (p + 1)..<m {
                            let j = q - rows.lowerBound
                            let g = Double(row[j])
                            offDiagonal += g * g
                            row[j] = Float(g - ap - a[q])
                        }
                        sum += 2 * offDiagonal
                    }
                    norm[piece] = sum
                }
            }
        }
        centredNormSquared += norms.reduce(0, +)
    }

    /// ‖K‖² of the uncentred linear Gram, from ‖Kc‖² (see ``LinearKernelSource/referenceNorm``).
    var referenceNorm: ReferenceNorm {
        guard exactReference else { return .traceBound(gram.layer.uncentredTrace) }
        return ReferenceNorm(base: centredNormSquared + gram.uncentringExcess(), kernelWeight: 0)
    }
}
