/// How a ``DeviationMeasure`` relates the new samples D′ to the reference samples D.
public enum DeviationPairing: String, Sendable, Codable, CaseIterable {
    /// Each sample of D′ is derived from one sample of D (enhancement: x′ = attack(x)); a batch of D′
    /// names the reference index of each sample's source (``DeviationBatch/sources``). The `explicit`
    /// measure works this way.
    case paired
    /// D′ is scored by its labels against per-class statistics of D (repair, or enhancement without
    /// pairs); a batch of D′ carries each sample's label (``DeviationBatch/labels``). The `gaussian`
    /// measure works this way.
    case labelConditioned
}
