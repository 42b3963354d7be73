public import DeepArcCore

/// `cka.debiased`: linear CKA with the unbiased HSIC₁ estimator (Song et al. 2012) in numerator and
/// denominator, which removes linear CKA's small-sample bias.
///
/// HSIC₁(K, L) = ⟨Ũ_K, Ũ_L⟩ / (m(m − 3)), computed by U-centring — the numerically stable form (the
/// textbook three-term formula cancels badly in `Float`): with K̃ the Gram with a zero diagonal, r
/// its row sums and S their total, Ũ_pq = K̃_pq − (r_p + r_q)/(m − 2) + S/((m − 1)(m − 2)) and
/// Ũ_pp = 0. Then CKA₁ = HSIC₁(K, L) / √(HSIC₁(K, K) · HSIC₁(L, L)).
///
/// Needs m ≥ 4. Values may be slightly negative (for unrelated layers the estimate scatters around
/// 0). With m = 64, independent random layers of width 200 — which linear CKA scores up to about
/// 0.7 — stay near 0, so DeepArc's 0.99 threshold is meaningful even when m is not ≫ d.
///
/// Grams are formed once per layer and streamed within ``Options/memoryBudget`` exactly as for
/// ``LinearCKA``. A layer is degenerate when ‖Ũ‖_F ≤ rtol · ‖K‖_F (K the uncentred Gram).
public struct DebiasedCKA: SimilarityMetric {
    /// `cka.debiased`.
    public static let identifier = "cka.debiased"
    /// One line for `deeparc strategies`.
    public static let summary = "linear CKA with unbiased HSIC (U-centring); needs at least 4 samples"

    /// The options of ``DebiasedCKA``; every field has a default.
    public struct Options: Codable, Sendable, Equatable {
        /// Bytes the Gram matrices may occupy at once (default 1 GiB).
        public var memoryBudget: Int
        /// rtol of the degenerate rule (default 1e-5).
        public var degenerateTolerance: Double

        /// Creates options; every argument has its default.
        public init(
            memoryBudget: Int = CKADefaults.memoryBudget, degenerateTolerance: Double = CKADefaults.degenerateTolerance
        ) {
            self.memoryBudget = memoryBudget
            self.degenerateTolerance = degenerateTolerance
        }

        /// Decodes a possibly partial configuration; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try OptionKeys.rejectUnknown(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), strategy: DebiasedCKA.identifier)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            memoryBudget = try container.decodeIfPresent(Int.self, forKey: .memoryBudget) ?? CKADefaults.memoryBudget
            degenerateTolerance =
                try container.decodeIfPresent(Double.self, forKey: .degenerateTolerance)
                ?? CKADefaults.degenerateTolerance
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case memoryBudget, degenerateTolerance
        }
    }

    /// The options in effect.
    public let options: Options

    /// Creates the metric.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for a non-positive
    ///   `memoryBudget` or a `degenerateTolerance` outside [0, 1).
    public init(options: Options = Options()) throws {
        try OptionKeys.checkMemoryBudget(options.memoryBudget, strategy: Self.identifier)
        try OptionKeys.checkTolerance(options.degenerateTolerance, strategy: Self.identifier)
        self.options = options
    }

    /// Starts accumulating `layerCount` layers' activations; ``SimilarityAccumulator/finalize()``
    /// throws when fewer than 4 samples were added.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        try GramAccumulator(
            metric: Self.identifier, kernel: .debiased, layerCount: layerCount, memoryBudget: options.memoryBudget,
            tolerance: options.degenerateTolerance)
    }
}
