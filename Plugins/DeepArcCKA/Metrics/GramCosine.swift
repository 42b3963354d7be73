public import DeepArcCore

/// `gram-cosine`: the DeepArc paper's literal similarity (Eq. 1–2), the cosine between two layers'
/// *uncentred* Gram matrices K = X Xᵀ and L = Y Yᵀ:
/// ⟨K, L⟩_F / (‖K‖_F ‖L‖_F) = ‖XᵀY‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F).
///
/// This is not CKA: without centring, the mean activation dominates, so post-ReLU layers all look
/// alike. It is kept for fidelity to the paper; prefer ``LinearCKA`` (the default metric).
/// Only an all-zero layer is degenerate (NaN row and column). Values lie in [0, 1] for
/// non-negative activations and in [−1, 1] otherwise.
///
/// ```swift
/// let matrix = try GramCosine().similarityMatrix(of: [layer0, layer1])   // each [m, …]
/// ```
public struct GramCosine: SimilarityMetric {
    /// `gram-cosine`.
    public static let identifier = "gram-cosine"
    /// One line for `deeparc strategies`.
    public static let summary =
        "paper Eq. 1-2: cosine of uncentred Gram matrices (not CKA: mean activations dominate it)"

    /// The options of ``GramCosine``; every field has a default.
    public struct Options: Codable, Sendable, Equatable {
        /// Bytes the Gram matrices may occupy at once (default 1 GiB); larger problems are streamed
        /// in row blocks with the same result.
        public var memoryBudget: Int
        /// Sample-space Grams or feature-space cross-covariances (default `auto`: the cheaper).
        public var form: LinearKernelForm

        /// Creates options; every argument has its default.
        public init(memoryBudget: Int = CKADefaults.memoryBudget, form: LinearKernelForm = .auto) {
            self.memoryBudget = memoryBudget
            self.form = form
        }

        /// Decodes a possibly partial configuration; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try OptionKeys.rejectUnknown(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), strategy: GramCosine.identifier)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            memoryBudget = try container.decodeIfPresent(Int.self, forKey: .memoryBudget) ?? CKADefaults.memoryBudget
            form = try container.decodeIfPresent(LinearKernelForm.self, forKey: .form) ?? .auto
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case memoryBudget, form
        }
    }

    /// The options in effect.
    public let options: Options

    /// Creates the metric.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for a non-positive `memoryBudget`.
    public init(options: Options = Options()) throws {
        try OptionKeys.checkMemoryBudget(options.memoryBudget, strategy: Self.identifier)
        self.options = options
    }

    /// Starts accumulating `layerCount` layers' activations.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        try GramAccumulator(
            metric: Self.identifier, kernel: .gramCosine(options.form), layerCount: layerCount,
            memoryBudget: options.memoryBudget, tolerance: 0)
    }
}
