/// Default option values shared by the similarity metrics of this target.
public enum CKADefaults {
    /// 1 GiB: the default bound on the bytes the kernel (Gram) matrices may occupy at once.
    public static let memoryBudget = 1 << 30
    /// 1e-5: the default rtol of the degenerate rule, the spec's value for `Float` Gram matrices
    /// (every metric here forms its Grams in `Float` and reduces them in `Double`).
    public static let degenerateTolerance = 1e-5
}
