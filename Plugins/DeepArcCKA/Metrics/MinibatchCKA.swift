public import DeepArcCore

/// `cka.minibatch`: minibatch CKA (Nguyen, Raghu & Kornblith 2021), the estimator the DeepArc
/// authors' code used.
///
/// The samples are split, in order, into contiguous batches of b = ``Options/batchSize`` (the
/// split ignores how samples were handed to the accumulator), and
/// CKA = Σ_b HSIC₁(K_b, L_b) / √(Σ_b HSIC₁(K_b, K_b) · Σ_b HSIC₁(L_b, L_b)) with the unbiased HSIC₁ of
/// ``DebiasedCKA`` on each batch's Grams. A trailing batch of fewer than 4 samples is dropped; a
/// trailing batch of 4 … b − 1 samples counts.
///
/// It streams: memory is O(n² + n·b²) (plus up to b pending samples per layer), never O(n·m²), so it
/// suits very large sample counts; one batch's n·b² floats are further bounded by
/// ``Options/memoryBudget``. A layer is degenerate when Σ_b ‖Ũ_b‖² ≤ rtol² · Σ_b ‖K_b‖².
public struct MinibatchCKA: SimilarityMetric {
    /// `cka.minibatch`.
    public static let identifier = "cka.minibatch"
    /// One line for `deeparc strategies`.
    public static let summary = "minibatch CKA with unbiased HSIC over contiguous batches (the authors' estimator)"

    /// The options of ``MinibatchCKA``; every field has a default.
    public struct Options: Codable, Sendable, Equatable {
        /// b, samples per batch (default 256); at least 4.
        public var batchSize: Int
        /// rtol of the degenerate rule (default 1e-5).
        public var degenerateTolerance: Double
        /// Bytes one batch's Grams (n·b² floats) may occupy at once (default 1 GiB); beyond it a batch
        /// is streamed in row blocks with the same result.
        public var memoryBudget: Int

        /// Creates options; every argument has its default.
        public init(
            batchSize: Int = 256, degenerateTolerance: Double = CKADefaults.degenerateTolerance,
            memoryBudget: Int = CKADefaults.memoryBudget
        ) {
            self.batchSize = batchSize
            self.degenerateTolerance = degenerateTolerance
            self.memoryBudget = memoryBudget
        }

        /// Decodes a possibly partial configuration; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try OptionKeys.rejectUnknown(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), strategy: MinibatchCKA.identifier)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 256
            degenerateTolerance =
                try container.decodeIfPresent(Double.self, forKey: .degenerateTolerance)
                ?? CKADefaults.degenerateTolerance
            memoryBudget = try container.decodeIfPresent(Int.self, forKey: .memoryBudget) ?? CKADefaults.memoryBudget
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case batchSize, degenerateTolerance, memoryBudget
        }
    }

    /// The options in effect.
    public let options: Options

    /// Creates the metric.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for a `batchSize` below 4, a
    ///   non-positive `memoryBudget` or a `degenerateTolerance` outside [0, 1).
    public init(options: Options = Options()) throws {
        guard options.batchSize >= 4 else {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "batchSize",
                reason: "must be at least 4 (unbiased HSIC needs 4 samples per batch), got \(options.batchSize)")
        }
        try OptionKeys.checkMemoryBudget(options.memoryBudget, strategy: Self.identifier)
        try OptionKeys.checkTolerance(options.degenerateTolerance, strategy: Self.identifier)
        self.options = options
    }

    /// Starts accumulating `layerCount` layers' activations; ``SimilarityAccumulator/finalize()``
    /// throws when fewer than 4 samples were added.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        try MinibatchAccumulator(
            metric: Self.identifier, batchSize: options.batchSize, tolerance: options.degenerateTolerance,
            memoryBudget: options.memoryBudget, layerCount: layerCount)
    }
}
