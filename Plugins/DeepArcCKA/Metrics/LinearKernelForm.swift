/// How the linear-kernel metrics (`gram-cosine`, `cka.linear`) compute ⟨K_i, K_j⟩.
///
/// - `gram`: form each layer's m × m Gram once (upper triangle, `ssyrk`/`sgemm`: Σ_l m²·d_l / 2
///   multiply-adds, the cost floor) and take all pairs from one stacked product streamed in row
///   blocks (n(n+1)/2 · m²/2 more). Best when layers are wide (d ≳ m), the usual case for
///   convolutional activations.
/// - `features`: ⟨K_i, K_j⟩ = ‖X_jᵀ X_i‖²_F, costing m · d_i · d_j per pair (m(D² + Σd_l²)/2 in all,
///   D = Σ_l d_l) and no m² memory. Best for narrow layers and many samples.
/// - `auto` (the default): whichever of the two costs fewer multiply-adds.
///
/// Both give the same value up to `Float` rounding.
public enum LinearKernelForm: String, Codable, Sendable, CaseIterable {
    /// Pick the cheaper form from the layer widths and the sample count.
    case auto
    /// Gram matrices in sample space, streamed within the memory budget.
    case gram
    /// Cross-covariances in feature space.
    case features
}
