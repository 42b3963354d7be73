/// The kinds of strategy DeepArc looks up by name.
public enum StrategyKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// ``SimilarityMetric``: activations → layer-similarity matrix.
    case similarity
    /// ``Partitioner``: similarity matrix → modules.
    case partitioner
    /// ``DeviationMeasure``: how far new samples' representations stray from the reference.
    case deviation
    /// ``Compressor``: prunable tensors + amount → per-layer prune counts.
    case compressor
    /// ``AdversarialAttack``: clean samples + model → adversarial samples.
    case attack

    /// The name used in messages, e.g. `similarity metric`.
    public var description: String {
        switch self {
        case .similarity: return "similarity metric"
        case .partitioner: return "partitioner"
        case .deviation: return "deviation measure"
        case .compressor: return "compressor"
        case .attack: return "adversarial attack"
        }
    }
}
