// A third-party similarity metric, written only against the public API of DeepArcCore (and
// DeepArcTensor inside its accumulator), exactly as a package depending on DeepArc would write it.
public import DeepArcCore

/// `acme.cosine`: representational similarity analysis (RSA) with cosine similarities.
///
/// For each layer l, with activations X_l of m samples × d_l features (flattened per sample):
/// 1. every feature is centred over the samples: x̃_p = x_p − x̄;
/// 2. the layer's *representational similarity matrix* is R_l[p][q] = cos(x̃_p, x̃_q), an m × m matrix
///    that no longer depends on the width d_l. A sample whose centred norm is at most
///    ``Options/tolerance`` times its uncentred norm sits at the layer's mean; its cosines are 0;
/// 3. v_l holds the m(m − 1)/2 entries above the diagonal of R_l.
///
/// The similarity of layers i and j is the Pearson correlation of v_i and v_j: the cosine of the two
/// vectors after each has its mean subtracted. It lies in [−1, 1].
///
/// Laws (those of `SimilarityMetric`):
/// - symmetric by construction, and S[i][i] = 1 exactly for a non-degenerate layer;
/// - a layer whose v_l has no spread (‖v_l − v̄_l‖ ≤ ``Options/tolerance`` · ‖v_l‖, which includes a
///   constant layer, where every cosine is 0) is degenerate: NaN in its whole row and column, flag set;
/// - samples are kept until `finalize()`, so the result does not depend on how they were batched;
/// - deterministic for a fixed BLAS thread count.
///
/// Cost: one `ssyrk` of m² · d_l / 2 multiply-adds per layer, then one `dgemm` of n² · m² / 2 for all
/// pairs. Memory: the activations (m · Σ d_l floats) plus n · m² / 2 doubles, so ``Options/maximumSamples``
/// bounds m.
///
/// ```swift
/// let metric = try AcmeCosine(options: .init(tolerance: 1e-6))
/// let matrix = try metric.similarityMatrix(of: [layer0, layer1, layer2])   // each [m, …]
/// ```
public struct AcmeCosine: SimilarityMetric {
    /// The options: `{tolerance: 1e-6, maximumSamples: 2048}`.
    public struct Options: Codable, Sendable, Equatable {
        /// The relative tolerance of both degeneracy tests (a sample at the mean, a layer without
        /// spread), in [0, 1) (default 1e-6).
        public var tolerance: Double
        /// The most samples m the metric accepts, 3…16384 (default 2048).
        public var maximumSamples: Int

        /// Creates options; every argument has its default.
        /// - Parameters:
        ///   - tolerance: the relative tolerance of the degeneracy tests.
        ///   - maximumSamples: the most samples accepted.
        public init(tolerance: Double = 1e-6, maximumSamples: Int = 2048) {
            self.tolerance = tolerance
            self.maximumSamples = maximumSamples
        }

        private enum CodingKeys: String, CodingKey {
            case tolerance, maximumSamples
        }

        /// Decodes a partial configuration: a missing field takes its default. (Synthesised
        /// `Decodable` would ignore the defaults and reject `{}`.)
        /// - Throws: a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            tolerance = try container.decodeIfPresent(Double.self, forKey: .tolerance) ?? defaults.tolerance
            maximumSamples = try container.decodeIfPresent(Int.self, forKey: .maximumSamples) ?? defaults.maximumSamples
        }
    }

    /// `acme.cosine`: lowercase and namespaced, so it cannot clash with DeepArc's own metrics.
    public static let identifier = "acme.cosine"
    /// One line for `deeparc strategies`.
    public static let summary = "RSA: Pearson correlation of the layers' sample-by-sample cosine matrices"
    /// The largest value ``Options/maximumSamples`` may take.
    public static let sampleLimit = 16384

    /// The options in effect.
    public let options: Options

    /// Creates the metric, validating `options`.
    /// - Parameter options: the options.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `tolerance` when it is
    ///   not in [0, 1), or `maximumSamples` when it is not in 3…``sampleLimit``.
    public init(options: Options = Options()) throws {
        guard options.tolerance >= 0, options.tolerance < 1 else {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "tolerance",
                reason: "must satisfy 0 ≤ tolerance < 1; got \(options.tolerance)")
        }
        guard (3...Self.sampleLimit).contains(options.maximumSamples) else {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "maximumSamples",
                reason: "must be in 3…\(Self.sampleLimit); got \(options.maximumSamples)")
        }
        self.options = options
    }

    /// Starts accumulating the activations of `layerCount` layers.
    /// - Parameter layerCount: the number of layers n.
    /// - Returns: an accumulator whose `finalize()` needs at least 3 samples.
    /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` when `layerCount` is not positive.
    public func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator {
        guard layerCount > 0 else {
            throw DeepArcError.invalidActivations(
                layer: nil, reason: "\(Self.identifier): needs at least one layer; got \(layerCount)")
        }
        return AcmeCosineAccumulator(layerCount: layerCount, options: options)
    }
}
