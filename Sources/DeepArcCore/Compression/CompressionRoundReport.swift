/// What one round of a ``CompressionRun`` did: prune, fine-tune, evaluate.
public struct CompressionRoundReport: Sendable, Equatable, Codable {
    /// The round, from 1.
    public var round: Int
    /// The fraction of the remaining prunable weights the compressor was asked to remove.
    public var amount: Double
    /// Weights this round pruned (Σ of the compressor's counts).
    public var prunedCount: Int
    /// Prunable weights still kept after the round.
    public var keptCount: Int
    /// Kept weights per prunable tensor, in model order (see ``CompressionReport/layerNames``).
    public var keptPerLayer: [Int]
    /// kept / prunable weights of the model being pruned.
    public var density: Double
    /// kept / prunable weights of the original model (before any preprocessing): the remaining density
    /// Table II reports. Equal to ``density`` without preprocessing.
    public var densityOfOriginal: Double
    /// Test accuracy after the round's fine-tuning.
    public var accuracy: Double
    /// Mean test cross-entropy after the round's fine-tuning.
    public var loss: Double
    /// The dense model's accuracy minus ``accuracy``.
    public var accuracyDrop: Double
    /// Wall time of the whole round (pruning, fine-tuning, evaluation), in seconds.
    public var seconds: Double
    /// Whether the compressor pruned nothing. Such a round is not fine-tuned and ends the run: the
    /// allocation depends only on the masks and weights, so repeating it would change nothing.
    public var isNoOp: Bool
    /// Whether the round's result was kept. A round whose accuracy drop exceeds the schedule's bound is
    /// reported with `accepted == false` and its masks and weights are discarded.
    public var accepted: Bool

    /// Creates a round report.
    public init(
        round: Int, amount: Double, prunedCount: Int, keptCount: Int, keptPerLayer: [Int], density: Double,
        densityOfOriginal: Double, accuracy: Double, loss: Double, accuracyDrop: Double, seconds: Double,
        isNoOp: Bool, accepted: Bool
    ) {
        self.round = round
        self.amount = amount
        self.prunedCount = prunedCount
        self.keptCount = keptCount
        self.keptPerLayer = keptPerLayer
        self.density = density
        self.densityOfOriginal = densityOfOriginal
        self.accuracy = accuracy
        self.loss = loss
        self.accuracyDrop = accuracyDrop
        self.seconds = seconds
        self.isNoOp = isNoOp
        self.accepted = accepted
    }
}
