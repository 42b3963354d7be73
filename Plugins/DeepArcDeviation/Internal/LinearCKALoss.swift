import DeepArcCore
import DeepArcTensor

/// 1 − linear CKA between two equally sized sets of representations, and its gradient with respect
/// to the first set, in the Gram form.
///
/// With X, Y the b × d representations, H = I − 𝟙𝟙ᵀ/b, Xc = HX, Yc = HY, K = XcXcᵀ and L = YcYcᵀ:
/// ‖YcᵀXc‖²_F = ⟨K, L⟩ =: a, ‖XcᵀXc‖_F = ‖K‖_F =: n_K, ‖YcᵀYc‖_F = ‖L‖_F =: n_L, and
/// CKA = a / (n_K n_L). Differentiating, dK = dXc Xcᵀ + Xc dXcᵀ, so da = 2⟨dXc, L Xc⟩ and
/// dn_K = 2⟨dXc, K Xc⟩ / n_K, giving ∂CKA/∂Xc = 2 / (n_K n_L) · (L − (a / n_K²) K) Xc. The chain
/// through the centring multiplies by H; K and L have zero row and column sums (H𝟙 = 0), so that
/// matrix already has zero column sums and H leaves it unchanged:
/// ∂(1 − CKA)/∂X = −2 / (n_K n_L) · (L − (a / n_K²) K) · Xc.
enum LinearCKALoss {
    /// The loss and its gradient with respect to `x`.
    /// - Parameters:
    ///   - x: the b × d matrix whose gradient is wanted (row-major).
    ///   - y: the b × d target matrix.
    ///   - rows: b, at least 2.
    ///   - columns: d.
    /// - Throws: `DeepArcError.invalidActivations` when either set has no variance (all its rows
    ///   equal) or the Grams overflow.
    static func lossAndGradient(
        x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, rows: Int, columns: Int
    ) throws(DeepArcError) -> (value: Double, gradient: [Float]) {
        let meansX = FeatureBlocks.columnMeans(x, rows: rows, columns: columns)
        let meansY = FeatureBlocks.columnMeans(y, rows: rows, columns: columns)
        let ranges = FeatureBlocks.ranges(rows: rows, columns: columns)
        var gramX = DoubleMatrix(rows: rows, columns: rows)
        var gramY = DoubleMatrix(rows: rows, columns: rows)
        for range in ranges {
            let blockX = FeatureBlocks.block(of: x, rows: rows, columns: columns, range: range, subtracting: meansX)
            let blockY = FeatureBlocks.block(of: y, rows: rows, columns: columns, range: range, subtracting: meansY)
            gramX.multiply(blockX, blockX, transposeB: true, beta: 1)
            gramY.multiply(blockY, blockY, transposeB: true, beta: 1)
        }
        let cross = gramX.frobeniusProduct(with: gramY)
        let normX = gramX.frobeniusProduct(with: gramX).squareRoot()
        let normY = gramY.frobeniusProduct(with: gramY).squareRoot()
        guard cross.isFinite, normX.isFinite, normY.isFinite else {
            throw .invalidActivations(
                layer: nil, reason: "explicit (cka): the Gram matrices overflow; the representations are too large")
        }
        guard normX > 0 else {
            throw .invalidActivations(
                layer: nil,
                reason:
                    "explicit (cka): all \(rows) batch representations are equal (no variance), so linear CKA is "
                    + "undefined")
        }
        guard normY > 0 else {
            throw .invalidActivations(
                layer: nil,
                reason:
                    "explicit (cka): the \(rows) source representations of the batch are all equal (no variance), "
                    + "so linear CKA is undefined")
        }
        let cka = cross / (normX * normY)
        // M = −2 / (n_K n_L) · (L − (a / n_K²) K); the gradient is M · Xc.
        let outer = -2 / (normX * normY)
        let ratio = cross / (normX * normX)
        var weights = DoubleMatrix(rows: rows, columns: rows)
        weights.values.withUnsafeMutableBufferPointer { w in
            gramX.values.withUnsafeBufferPointer { k in
                gramY.values.withUnsafeBufferPointer { l in
                    for index in 0..<w.count { w[index] = outer * (l[index] - ratio * k[index]) }
                }
            }
        }
        var gradient = [Float](repeating: 0, count: rows * columns)
        gradient.withUnsafeMutableBufferPointer { g in
            for range in ranges {
                let blockX = FeatureBlocks.block(of: x, rows: rows, columns: columns, range: range, subtracting: meansX)
                let blockG = DoubleMatrix.product(weights, blockX)
                FeatureBlocks.write(blockG, into: g, columns: columns, range: range)
            }
        }
        return (1 - cka, gradient)
    }
}
