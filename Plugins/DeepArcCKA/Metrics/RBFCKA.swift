public import DeepArcCore

/// `cka.rbf`: CKA with a Gaussian (RBF) kernel (Kornblith et al. 2019).
///
/// K_pq = exp(−D²_pq / (2s²)) with D² the squared Euclidean distances between samples and
/// s² = f² · median(D² over all m·m entries, the zero diagonal included), f =
/// ``Options/sigmaFraction`` (0.5 by default). K is centred (K − row means − column means + grand
/// mean) and the alignment is ⟨Kc, Lc⟩ / (‖Kc‖ ‖Lc‖). When the median is 0 (more than half of the
/// sample pairs coincide) the kernel is its s → 0 limit: 1 for coinciding samples, else 0.
///
/// Distances come from each layer's `Float` Gram of centred features; the median is exact (radix
/// selection over the distances' bit patterns) and the kernel sums are in `Double`. Each layer's
/// kernel is formed once when n·m² floats fit in ``Options/memoryBudget``; otherwise the Grams are
/// streamed in row blocks (four passes per layer: two for the median, one for the row sums, one
/// for the cross products).
///
/// A layer is degenerate when ‖Kc‖_F ≤ rtol · ‖K‖_F (constant layers). Like linear CKA, RBF CKA is
/// biased upwards for small m: with m = 64, random layers of width 200 score up to about 0.96.
public struct RBFCKA: SimilarityMetric {
    /// `cka.rbf`.
    public static let identifier = "cka.rbf"
    /// One line for `deeparc strategies`.
    public static let summary = "CKA with an RBF kernel, bandwidth sigmaFraction x median distance"

    /// The options of ``RBFCKA``; every field has a default.
    public struct Options: Codable, Sendable, Equatable {
        /// f in s² = f² · median(D²) (default 0.5); must be positive.
        public var sigmaFraction: Double
        /// Bytes the kernel matrices may occupy at once (default 1 GiB).
        public var memoryBudget: Int
        /// rtol of the degenerate rule (default 1e-5).
        public var degenerateTolerance: Double

        /// Creates options; every argument has its default.
        public init(
            sigmaFraction: Double = 0.5, memoryBudget: Int = CKADefaults.memoryBudget,
            degenerateTolerance: Double = CKADefaults.degenerateTolerance
        ) {
            self.sigmaFraction = sigmaFraction
            self.memoryBudget = memoryBudget
            self.degenerateTolerance = degenerateTolerance
        }

        /// Decodes a possibly partial configuration; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try OptionKeys.rejectUnknown(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), strategy: RBFCKA.identifier)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sigmaFraction = try container.decodeIfPresent(Double.self, forKey: .sigmaFraction) ?? 0.5
            memoryBudget = try container.decodeIfPresent(Int.self, forKey: .memoryBudget) ?? CKADefaults.memoryBudget
            degenerateTolerance =
                try container.decodeIfPresent(Double.self, forKey: .degenerateTolerance)
                ?? CKADefaults.degenerateTolerance
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sigmaFraction, memoryBudget, degenerateTolerance
        }
    }

    /// The options in effect.
    public let options: Options

    /// Creates the metric.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for a `sigmaFraction` that is
    ///   not a positive number, a non-positive `memoryBudget` or a `degenerateTolerance` outside [0, 1).
    public init(options: Options = Options()) throws {
        guard options.sigmaFraction.isFinite, options.sigmaFraction > 0 else {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "sigmaFraction",
                reason: "must be a positive number, got \(options.sigmaFraction)")
        }
        try OptionKeys.checkMemoryBudget(options.memoryBudget, strategy: Self.identifier)
        try OptionKeys.checkTolerance(options.degenerateTolerance, strategy: Self.identifier)
        self.options = options
    }

    /// Starts accumulating `layerCount` layers' activations.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        try GramAccumulator(
            metric: Self.identifier, kernel: .rbf(sigmaFraction: options.sigmaFraction), layerCount: layerCount,
            memoryBudget: options.memoryBudget, tolerance: options.degenerateTolerance)
    }
}
