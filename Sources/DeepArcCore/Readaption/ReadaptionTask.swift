/// The two re-adaption tasks of the paper (§III.E).
public enum ReadaptionTask: String, Sendable, Codable, CaseIterable {
    /// Fit adversarial samples D′ derived from D (robustness enhancement).
    case enhancement
    /// Fit the samples D′ of D that a (mutated) model gets wrong (repair).
    case repair
}
