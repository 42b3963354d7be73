import DeepArcCore

/// Turns the n × n kernel inner products of a metric into its ``SimilarityMatrix``.
enum SimilarityAssembly {
    /// Whether a layer is degenerate under the centred metrics' rule: its final kernel's norm is at
    /// most `tolerance` times its uncentred kernel's norm, or either norm is zero (or not a number).
    static func isDegenerate(kernelNormSquared: Double, referenceNormSquared: Double, tolerance: Double) -> Bool {
        guard kernelNormSquared > 0, referenceNormSquared > 0 else { return true }
        return kernelNormSquared.squareRoot() <= tolerance * referenceNormSquared.squareRoot()
    }

    /// S_ij = P_ij / √(P_ii P_jj); 1 on the diagonal; NaN in the row and column of a degenerate layer.
    static func matrix(products: [Double], count n: Int, degenerate: [Bool]) throws(DeepArcError) -> SimilarityMatrix {
        var values = [Double](repeating: .nan, count: n * n)
        let roots = (0..<n).map { products[$0 * n + $0].squareRoot() }
        for i in 0..<n where !degenerate[i] {
            values[i * n + i] = 1
            for j in (i + 1)..<n where !degenerate[j] {
                let value = products[i * n + j] / (roots[i] * roots[j])
                values[i * n + j] = value
                values[j * n + i] = value
            }
        }
        return try SimilarityMatrix(count: n, values: values, degenerate: degenerate)
    }
}
