public import DeepArcData

/// The samples of a re-adaption task (spec `readaption.md`, "Data"): the original samples D on
/// which the model performs well, and the samples D′ it should now fit.
///
/// - **Enhancement**: D′ holds adversarial samples, each derived from a sample of D;
///   ``sources`` gives, for every sample of D′, the index of its source in D (D′ is *paired*).
/// - **Repair**: D′ holds the samples of D that the (mutated) model gets wrong; ``sources`` may be
///   `nil` (a label-conditioned deviation such as `gaussian` needs no pairing).
///
/// The labels of D′ are the labels the model should predict (for an adversarial sample, its
/// source's true label).
///
/// ```swift
/// let data = try ReadaptionData(original: clean, new: adversarial, sources: Array(0..<clean.count))
/// ```
public struct ReadaptionData: Sendable {
    /// D: the original samples.
    public let original: Dataset
    /// D′: the new samples to fit, with their correct labels.
    public let new: Dataset
    /// For each sample of D′, the index of its source in D; `nil` when D′ is not paired.
    public let sources: [Int]?

    /// Creates the data of a task after checking that the parts fit together.
    /// - Parameters:
    ///   - original: D (at least one sample).
    ///   - new: D′ (at least one sample), with the same per-sample shape as D.
    ///   - sources: one index into `original` per sample of `new`, or `nil`.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming D or D′ when either is empty,
    ///   when their sample shapes differ, or when `sources` has a different count than D′ or an
    ///   index outside D.
    public init(original: Dataset, new: Dataset, sources: [Int]? = nil) throws(DeepArcError) {
        guard original.count > 0 else {
            throw .invalidConfiguration(reason: "re-adaption: D (the original samples, \(original.name)) is empty")
        }
        guard new.count > 0 else {
            throw .invalidConfiguration(reason: "re-adaption: D′ (the new samples, \(new.name)) is empty")
        }
        guard original.sampleShape == new.sampleShape else {
            throw .invalidConfiguration(
                reason:
                    "re-adaption: D′ (\(new.name)) has samples of shape \(new.sampleShape), D (\(original.name)) "
                    + "of shape \(original.sampleShape)")
        }
        if let sources {
            guard sources.count == new.count else {
                throw .invalidConfiguration(
                    reason: "re-adaption: \(sources.count) source indices for the \(new.count) samples of D′")
            }
            if let position = sources.firstIndex(where: { $0 < 0 || $0 >= original.count }) {
                throw .invalidConfiguration(
                    reason:
                        "re-adaption: source index \(sources[position]) of D′ sample \(position) is outside D's "
                        + "\(original.count) samples (0..<\(original.count))")
            }
        }
        self.original = original
        self.new = new
        self.sources = sources
    }

    /// The per-sample input shape shared by D and D′.
    public var sampleShape: [Int] { original.sampleShape }
}
