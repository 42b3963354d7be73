public import DeepArcCore

/// Layer-adaptive magnitude-based pruning, LAMP (`specs/pruning.md` §4; Lee et al., ICLR 2021).
/// Identifier `lamp`.
///
/// Each unmasked entry gets the score `s_i / (s_i + s_{i+1} + … + s_k)` over its layer's magnitude
/// order, where `s_i = v_i²` (binary64, suffix sums accumulated from the largest entry down, `0/0 := 0`;
/// see ``scores(of:)``). Then `S = R((1 − a) × U)` entries survive:
/// - ``TieRule/exact`` (default): all unmasked entries are ranked by ascending (score, layer index,
///   position in the layer's magnitude order) and the first `U − S` are pruned, leaving exactly S.
/// - ``TieRule/official``: every entry whose score is ≥ τ, the S-th largest score, survives (the
///   official code's rule). It keeps more than S when scores tie at τ; in particular, when fewer than
///   S weights are non-zero, τ = 0 and nothing is pruned.
///
/// With `S ≤ 0` everything is pruned, with `S ≥ U` nothing, under either rule. Scores never decrease
/// along a layer's magnitude order, so the pruned entries of a layer are always a prefix of it and
/// the masks of `MagnitudePruning` prune exactly the ranked entries.
///
/// Layer rules (``PruningOptions``): ignored tensors leave the ranking. A `maxSparsity` cap skips the
/// capped tensor's entries once its allowance is used up and keeps walking down the ranking, so the
/// exact rule still leaves exactly S survivors (or throws when the caps make that unreachable). Under
/// the official rule with caps, τ is the score of the first entry that walk would prune next, and the
/// entries pruned by the walk whose score equals τ are kept.
public struct LAMPCompressor: Compressor {
    /// How entries whose scores tie at the cut are treated.
    public enum TieRule: String, Sendable, Codable, CaseIterable {
        /// Exactly S survivors, ties broken by (layer index, position in the layer).
        case exact
        /// Every entry scoring ≥ τ survives (official code, may keep more than S).
        case official
    }

    /// The options: `{ties: exact, ignore: [], maxSparsity: {}}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The tie rule (default ``TieRule/exact``).
        public var ties: TieRule
        /// Tensor names that are never pruned (see ``PruningOptions/ignore``).
        public var ignore: [String]
        /// Tensor name → largest sparsity in [0, 1] (see ``PruningOptions/maxSparsity``).
        public var maxSparsity: [String: Double]

        /// Creates options; every field has its default.
        /// - Parameters:
        ///   - ties: the tie rule.
        ///   - ignore: tensor names that are never pruned.
        ///   - maxSparsity: per-tensor sparsity caps in [0, 1].
        public init(ties: TieRule = .exact, ignore: [String] = [], maxSparsity: [String: Double] = [:]) {
            self.ties = ties
            self.ignore = ignore
            self.maxSparsity = maxSparsity
        }

        private enum CodingKeys: String, CodingKey {
            case ties, ignore, maxSparsity
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Parameter decoder: the decoder to read from.
        /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a tie rule other than
        ///   `exact` and `official`; a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            ties = try container.decodeChoiceIfPresent(TieRule.self, forKey: .ties, strategy: LAMPCompressor.identifier) ?? .exact
            ignore = try container.decodeIfPresent([String].self, forKey: .ignore) ?? []
            maxSparsity = try container.decodeIfPresent([String: Double].self, forKey: .maxSparsity) ?? [:]
        }

        /// The layer rules part of the options.
        var layerRules: PruningOptions { PruningOptions(ignore: ignore, maxSparsity: maxSparsity) }
    }

    /// `lamp`.
    public static let identifier = "lamp"
    /// One line for `deeparc strategies`.
    public static let summary =
        "LAMP: keep the R((1−a)·U) entries with the largest scores w²/Σ(w'² ≥ w²) of their layer"

    /// The options in effect.
    public let options: Options

    /// Creates the compressor.
    /// - Parameter options: the tie rule and layer rules.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a cap outside [0, 1] or an
    ///   empty tensor name.
    public init(options: Options) throws {
        try options.layerRules.validate(strategy: Self.identifier)
        self.options = options
    }

    // MARK: - Scores

    /// The LAMP scores of a tensor's unmasked entries, in its magnitude order (ascending |w|):
    /// `score_i = s_i / D_i` with `s_i = Double(v_i)²` and `D_k = s_k`, `D_i = D_{i+1} + s_i` accumulated
    /// from the largest entry down, and `0/0 := 0`. The scores never decrease along the order, and the
    /// largest entry scores 1 unless the layer is all zeros.
    /// - Parameter tensor: the tensor to score.
    /// - Returns: one score per unmasked entry, in ascending magnitude order.
    public static func scores(of tensor: PrunableTensor) -> [Double] {
        scores(ofSortedMagnitudes: PrunableLayerSet.sortedMagnitudes(of: tensor))
    }

    /// The scores of ascending magnitudes (see ``scores(of:)``).
    static func scores(ofSortedMagnitudes magnitudes: [Float]) -> [Double] {
        [Double](unsafeUninitializedCapacity: magnitudes.count) { output, initialized in
            magnitudes.withUnsafeBufferPointer { values in
                var suffix = 0.0
                var position = values.count
                while position > 0 {
                    position -= 1
                    let value = Double(values[position])
                    let square = value * value
                    suffix += square
                    output[position] = suffix == 0 ? 0 : square / suffix
                }
            }
            initialized = magnitudes.count
        }
    }

    // MARK: - Allocation

    /// The per-tensor prune counts of LAMP.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1).
    /// - Returns: one count per tensor (0 for ignored tensors). Under the exact rule the survivors add
    ///   up to `R((1 − amount) × U)`.
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an invalid amount, an empty list, or
    ///   caps that leave too few prunable weights; `DeepArcError.invalidOption(strategy:option:reason:)`
    ///   for an unknown tensor name in the options.
    public func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let layers = try PrunableLayerSet(strategy: Self.identifier, tensors: tensors, rules: options.layerRules)
        let zero = [Int](repeating: 0, count: layers.count)
        let total = layers.totalUnmasked
        guard amount > 0 else { return layers.scatter(zero) }
        let survivors = roundedCount((1 - amount) * Double(total))
        let toPrune = survivors <= 0 ? total : max(total - survivors, 0)
        guard toPrune > 0 else { return layers.scatter(zero) }
        let scores = (0..<layers.count).map { Self.scores(ofSortedMagnitudes: layers.sortedMagnitudes($0)) }
        let ranking = RankedSelection(keys: scores, limits: layers.allowance)
        guard toPrune <= ranking.available else {
            throw layers.unreachable(
                amount: amount,
                "it keeps \(max(survivors, 0)) of \(total) unmasked weights, so it prunes \(toPrune), but the "
                    + "maxSparsity caps allow only \(ranking.available)")
        }
        switch options.ties {
        case .exact:
            return layers.scatter(ranking.counts(smallest: toPrune))
        case .official:
            // S ≤ 0 prunes everything; with nothing left to rank after the cut, the rules agree.
            guard survivors > 0, toPrune < ranking.available else {
                return layers.scatter(ranking.counts(smallest: toPrune))
            }
            let threshold = ranking.key(atRank: toPrune + 1)
            return layers.scatter(ranking.counts(below: threshold))
        }
    }
}
