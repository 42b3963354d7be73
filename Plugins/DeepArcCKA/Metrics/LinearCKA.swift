public import DeepArcCore

/// `cka.linear` (the default metric): linear centred kernel alignment (Kornblith et al. 2019).
///
/// Each layer's features are centred once (Xc = X − column means, the means in `Double`); then
/// CKA(X, Y) = ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F), which equals the alignment of the HKH-centred
/// Gram matrices without ever forming the m × m centring matrix H.
///
/// **How the matrix is computed.** The n × n matrix needs ⟨Kc_i, Kc_j⟩ for every pair, which has
/// two exact forms (see ``LinearKernelForm``):
/// - sample space: each centred Gram Kc_l = Xc Xcᵀ is formed once (upper triangle: `ssyrk` plus
///   `sgemm`, Σ_l m²·d_l / 2 multiply-adds — the spec's cost floor), and all pairs come from one
///   product of the stacked n × m² Grams with their transpose, streamed in row blocks so that the
///   Grams never take more than ``Options/memoryBudget`` bytes;
/// - feature space: ⟨Kc_i, Kc_j⟩ = ‖Xc_jᵀ Xc_i‖²_F, m·d_i·d_j per pair — cheaper when layers are
///   narrow compared with m.
///
/// `auto` picks the form with fewer multiply-adds. Grams are `Float` (at the machine's `sgemm`
/// rate); every reduction after them is in `Double`, and results agree with a `Double` computation
/// to about 1e-6 on thousands of samples.
///
/// **Degenerate layers.** A layer whose centred Gram has ‖Kc‖_F ≤ rtol · ‖K‖_F (rtol =
/// ``Options/degenerateTolerance``, 1e-5 by default) — a constant or dead layer — gets NaN in its
/// whole row and column and its flag set. No second Gram is formed for ‖K‖_F: the free bound
/// ‖K‖_F ≤ tr(K) = ‖X‖²_F clears almost every layer, and for the rest ‖K‖²_F = ‖Kc‖²_F + 2m‖v‖² +
/// ‖μ‖⁴m² (v = Xc μ, μ the column means) needs one pass over the layer.
///
/// **Small-sample bias.** Linear CKA is biased upwards when m is not much larger than the layer
/// widths: with m = 64, independent random layers of width 200 score up to about 0.7. DeepArc's
/// threshold 0.99 therefore needs m ≫ d, or ``DebiasedCKA``.
///
/// ```swift
/// let metric = try LinearCKA()
/// let matrix = try metric.similarityMatrix(of: [layer0, layer1, layer2])   // each [m, …]
/// ```
public struct LinearCKA: SimilarityMetric {
    /// `cka.linear`.
    public static let identifier = "cka.linear"
    /// One line for `deeparc strategies`.
    public static let summary = "linear CKA (Kornblith et al. 2019) on centred features; the default metric"

    /// The options of ``LinearCKA``; every field has a default.
    public struct Options: Codable, Sendable, Equatable {
        /// Bytes the Gram matrices may occupy at once (default 1 GiB). Larger problems are streamed
        /// in row blocks with the same result; the floor is one row per layer (n·m floats). The
        /// centred copy of the activations (m·Σd floats) comes on top.
        public var memoryBudget: Int
        /// rtol of the degenerate rule (default 1e-5, for `Float` Grams).
        public var degenerateTolerance: Double
        /// Sample-space Grams or feature-space cross-covariances (default `auto`: the cheaper).
        public var form: LinearKernelForm

        /// Creates options; every argument has its default.
        public init(
            memoryBudget: Int = CKADefaults.memoryBudget,
            degenerateTolerance: Double = CKADefaults.degenerateTolerance,
            form: LinearKernelForm = .auto
        ) {
            self.memoryBudget = memoryBudget
            self.degenerateTolerance = degenerateTolerance
            self.form = form
        }

        /// Decodes a possibly partial configuration; missing fields take their defaults.
        /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for an unknown key.
        public init(from decoder: any Decoder) throws {
            try OptionKeys.rejectUnknown(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), strategy: LinearCKA.identifier)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            memoryBudget = try container.decodeIfPresent(Int.self, forKey: .memoryBudget) ?? CKADefaults.memoryBudget
            degenerateTolerance =
                try container.decodeIfPresent(Double.self, forKey: .degenerateTolerance)
                ?? CKADefaults.degenerateTolerance
            form = try container.decodeIfPresent(LinearKernelForm.self, forKey: .form) ?? .auto
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case memoryBudget, degenerateTolerance, form
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

    /// Starts accumulating `layerCount` layers' activations.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        try GramAccumulator(
            metric: Self.identifier, kernel: .linear(options.form), layerCount: layerCount,
            memoryBudget: options.memoryBudget, tolerance: options.degenerateTolerance)
    }
}
