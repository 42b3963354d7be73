/// One layer's final m × m kernel matrix (a centred Gram, an RBF kernel, a U-centred Gram, …),
/// produced in row blocks of its upper triangle so that the cross products of many layers can be
/// streamed within a memory budget (see ``GramCrossProducts``).
protocol KernelBlockSource: AnyObject {
    /// Writes rows `rows` and columns `rows.lowerBound..<m` of the kernel into `out`, whose row
    /// stride is `m − rows.lowerBound`. Entries below the diagonal of the leading
    /// `rows.count × rows.count` square are ignored and may hold anything.
    ///
    /// Blocks are requested in order (`0..<r₁`, `r₁..<r₂`, …) and each exactly once per pass; a
    /// source may rely on that to accumulate statistics.
    func fillBlock(rows: Range<Int>, into out: UnsafeMutablePointer<Float>)

    /// The squared Frobenius norm of the uncentred kernel, which the degenerate rule compares the
    /// final kernel's norm against (or an upper bound on it). Valid once every block has been filled.
    var referenceNorm: ReferenceNorm { get }
}

/// ‖K‖²_F of a layer's uncentred kernel, expressed as `base + kernelWeight · ‖final kernel‖²_F` because
/// some sources only know it in terms of the final kernel's norm (computed by the cross products).
///
/// It may instead be an upper bound: for a linear kernel ‖K‖_F ≤ tr(K) = ‖X‖²_F (K is positive
/// semi-definite), which is free. A layer whose centred norm exceeds rtol times the bound cannot be
/// degenerate, so the exact norm — a pass over the activations — is only needed for the rare layers
/// below it, and the accumulator computes it then.
struct ReferenceNorm {
    /// The part known to the source.
    var base: Double
    /// How many times the final kernel's squared norm to add.
    var kernelWeight: Double
    /// Whether the value is only an upper bound.
    var isUpperBound = false

    /// tr(K)² for a layer whose uncentred Gram has trace `trace`: an upper bound on ‖K‖²_F.
    static func traceBound(_ trace: Double) -> ReferenceNorm {
        ReferenceNorm(base: trace * trace, kernelWeight: 0, isUpperBound: true)
    }

    /// The value, given the final kernel's squared norm.
    func squared(kernelNormSquared: Double) -> Double {
        base + kernelWeight * kernelNormSquared
    }
}
