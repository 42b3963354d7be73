public import DeepArcCore

/// The label-conditioned deviation (spec `readaption.md`, `gaussian`; the paper's implicit
/// reference): per class c, a Gaussian N(μ_c, Σ_c) fitted on the reduced representations of D's
/// samples with label c that the model predicts correctly. Identifier `gaussian`.
///
/// Dev(x′) is the negative log-density of the reduced representation z′ of x′ under the Gaussian of
/// x′'s label, with the full constant: ½ (z′ − μ)ᵀ Σ⁻¹ (z′ − μ) + ½ log det Σ + (k/2) log 2π, from a
/// Cholesky factorisation of Σ in `Double`. Dev(D′) is the mean over the batch; its gradient flows
/// back through the reduction to the representations.
///
/// - Reduction (``Reduction``): ``Reduction/pool`` (default) averages `[N, C, H, W]` over its spatial
///   axes (k = C; any rank ≥ 3 pools every axis after the channels) and keeps `[N, F]` as it is
///   (k = F). ``Reduction/projection`` multiplies the flattened representation by a fixed Gaussian
///   random matrix of F × k entries N(0, 1/k), drawn from `SeededGenerator(seed:)` row by row
///   (k = ``Options/dimensions``). k is at most ``maximumDimensions``.
/// - Covariance: the maximum-likelihood covariance S (divided by n) of the class's samples about
///   their mean, shrunk to (1 − λ) S + λ · tr(S)/k · I. ``Shrinkage/ledoitWolf`` (default) takes the
///   Ledoit–Wolf (2004) estimate λ = min(b̄², d²) / d², with d² = ‖S − (tr S/k) I‖² and
///   b̄² = n⁻² Σᵢ ‖zᵢzᵢᵀ − S‖² (zᵢ centred, ‖A‖² = tr(AAᵀ)/k), clamped to [0, 1]; λ = 1 when S is
///   already a multiple of I. ``Shrinkage/fixed(_:)`` uses a given λ ∈ [0, 1].
/// - Predictions: when the reference carries the model's predictions, each class is fitted on the
///   samples predicted correctly; without them, on every sample of the class.
/// - Every class present among the reference's labels needs at least 2 such samples. When the model
///   predicts fewer than 2 of a class correctly, ``Fallback/all`` (default) fits that class on all of
///   its samples instead (a badly broken model can miss a whole class) and ``Fallback/error`` throws;
///   fewer than 2 samples with the label at all always throws, naming the class and the count.
///
/// ```swift
/// let measure = try GaussianDeviation(options: .init(reduction: .projection, dimensions: 32))
/// let fitted = try measure.fitGaussians(ReferenceRepresentations(representations: clean, labels: y, predictions: p))
/// let value = try fitted.deviation(of: DeviationBatch(representations: failing, labels: yFailing))
/// ```
public struct GaussianDeviation: DeviationMeasure {
    /// How each representation is reduced before fitting.
    public enum Reduction: String, Sendable, Codable, CaseIterable {
        /// Global average pooling over the spatial axes; identity for `[N, F]`.
        case pool
        /// A fixed seeded Gaussian random projection to ``Options/dimensions`` dimensions.
        case projection
    }

    /// What to fit a class on when the model predicts fewer than 2 of its reference samples correctly.
    public enum Fallback: String, Sendable, Codable, CaseIterable {
        /// Fit that class on all of its reference samples (default): a badly broken model, such as a
        /// 50 % repair mutant, can miss a whole class, and its D′ still needs a reference.
        case all
        /// Refuse, naming the class and the counts.
        case error
    }

    /// The shrinkage λ of the covariance towards tr(S)/k · I.
    public enum Shrinkage: Sendable, Equatable, Codable {
        /// The Ledoit–Wolf (2004) estimate of the optimal λ, computed per class. Written `ledoit-wolf`.
        case ledoitWolf
        /// A fixed λ ∈ [0, 1], written as a number. λ = 0 keeps S, which is singular with fewer
        /// samples than dimensions.
        case fixed(Double)

        /// The configuration spelling of ``ledoitWolf``.
        public static let ledoitWolfName = "ledoit-wolf"

        /// Decodes `ledoit-wolf` or a number.
        /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for anything else.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let name = try? container.decode(String.self) {
                guard name == Self.ledoitWolfName else {
                    throw DeepArcError.invalidOption(
                        strategy: GaussianDeviation.identifier, option: "shrinkage",
                        reason: "'\(name)' is neither '\(Self.ledoitWolfName)' nor a number in [0, 1]")
                }
                self = .ledoitWolf
            } else if let value = try? container.decode(Double.self) {
                self = .fixed(value)
            } else {
                throw DeepArcError.invalidOption(
                    strategy: GaussianDeviation.identifier, option: "shrinkage",
                    reason: "must be '\(Self.ledoitWolfName)' or a number in [0, 1]")
            }
        }

        /// Encodes `ledoit-wolf` or the number.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .ledoitWolf: try container.encode(Self.ledoitWolfName)
            case .fixed(let value): try container.encode(value)
            }
        }
    }

    /// The options: `{reduction: pool, dimensions: 64, seed: 0, shrinkage: ledoit-wolf, fallback: all}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The reduction (default ``Reduction/pool``).
        public var reduction: Reduction
        /// k for ``Reduction/projection``, 1…``GaussianDeviation/maximumDimensions`` (default 64);
        /// unused by pooling.
        public var dimensions: Int
        /// The seed of the projection matrix, 0…2⁵³ (default 0); unused by pooling.
        public var seed: UInt64
        /// The covariance shrinkage (default ``Shrinkage/ledoitWolf``).
        public var shrinkage: Shrinkage
        /// What to fit a class on when fewer than 2 of its samples are predicted correctly (default
        /// ``Fallback/all``).
        public var fallback: Fallback

        /// Creates options; every field has its default.
        /// - Parameters:
        ///   - reduction: the reduction (default ``Reduction/pool``).
        ///   - dimensions: the projection's k (default 64).
        ///   - seed: the projection's seed (default 0).
        ///   - shrinkage: the covariance shrinkage (default ``Shrinkage/ledoitWolf``).
        ///   - fallback: what to fit a class on when too few of its samples are predicted correctly
        ///     (default ``Fallback/all``).
        public init(
            reduction: Reduction = .pool, dimensions: Int = 64, seed: UInt64 = 0, shrinkage: Shrinkage = .ledoitWolf,
            fallback: Fallback = .all
        ) {
            self.reduction = reduction
            self.dimensions = dimensions
            self.seed = seed
            self.shrinkage = shrinkage
            self.fallback = fallback
        }

        private enum CodingKeys: String, CodingKey {
            case reduction, dimensions, seed, shrinkage, fallback
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a reduction other than
        ///   `pool` and `projection` or a shrinkage other than `ledoit-wolf` or a number; a
        ///   `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            reduction =
                try container.decodeChoiceIfPresent(Reduction.self, forKey: .reduction, strategy: GaussianDeviation.identifier)
                ?? defaults.reduction
            // Whole numbers are read as Double and checked here: Foundation's JSONDecoder reports a
            // fractional or negative value for an integer field without naming the field.
            if let value = try Self.wholeNumber(in: container, key: .dimensions, range: -9.0e15...9.0e15) {
                dimensions = Int(value)
            } else {
                dimensions = defaults.dimensions
            }
            if let value = try Self.wholeNumber(in: container, key: .seed, range: 0...9_007_199_254_740_992) {
                seed = UInt64(value)
            } else {
                seed = defaults.seed
            }
            shrinkage = try container.decodeIfPresent(Shrinkage.self, forKey: .shrinkage) ?? defaults.shrinkage
            fallback =
                try container.decodeChoiceIfPresent(Fallback.self, forKey: .fallback, strategy: GaussianDeviation.identifier)
                ?? defaults.fallback
        }

        /// The value of `key` when present: a whole number within `range`.
        /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming the key otherwise.
        private static func wholeNumber(
            in container: KeyedDecodingContainer<CodingKeys>, key: CodingKeys, range: ClosedRange<Double>
        ) throws -> Double? {
            guard let value = try container.decodeIfPresent(Double.self, forKey: key) else { return nil }
            guard value.rounded() == value, range.contains(value) else {
                throw DeepArcError.invalidOption(
                    strategy: GaussianDeviation.identifier, option: key.stringValue,
                    reason: "\(value) is not a whole number in \(Int(range.lowerBound))…\(Int(range.upperBound))")
            }
            return value
        }
    }

    /// `gaussian`.
    public static let identifier = "gaussian"
    /// One line for `deeparc strategies`.
    public static let summary =
        "per-class Gaussian of D's correctly predicted samples (pooled or projected, shrunk covariance); "
        + "deviation = mean negative log-density of D′ under its label's Gaussian"
    /// The largest number of reduced dimensions k (covariances are k × k in `Double`).
    public static let maximumDimensions = 2048

    /// The options in effect.
    public let options: Options

    /// Creates the measure, validating `options`.
    /// - Parameter options: the options.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` naming `dimensions` when it is
    ///   outside 1…``maximumDimensions``, or `shrinkage` when a fixed λ is outside [0, 1].
    public init(options: Options) throws {
        guard (1...Self.maximumDimensions).contains(options.dimensions) else {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "dimensions",
                reason: "\(options.dimensions) is not in 1…\(Self.maximumDimensions)")
        }
        if case .fixed(let lambda) = options.shrinkage, !(lambda >= 0 && lambda <= 1) {
            throw DeepArcError.invalidOption(
                strategy: Self.identifier, option: "shrinkage", reason: "\(lambda) is not in [0, 1]")
        }
        self.options = options
    }

    /// ``DeviationPairing/labelConditioned``: batches carry each sample's label.
    public var pairing: DeviationPairing { .labelConditioned }

    /// Fits one Gaussian per class of the reference.
    /// - Parameter reference: the representations of D at the module output, with labels (and
    ///   preferably the model's predictions).
    /// - Returns: a ``GaussianDeviation/Fitted``.
    /// - Throws: as ``fitGaussians(_:)``.
    public func fit(_ reference: ReferenceRepresentations) throws -> any FittedDeviation {
        try fitGaussians(reference)
    }

    /// ``fit(_:)`` with its concrete result type.
    /// - Parameter reference: the representations of D at the module output, with labels.
    /// - Returns: the fitted measure.
    /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` when the reference has no labels,
    ///   when the reduction would give more than ``maximumDimensions`` dimensions (or the projection
    ///   matrix would be too large), when a class has fewer than 2 usable samples (naming the class and
    ///   the count), or when a class's samples are all equal or its covariance is singular.
    public func fitGaussians(_ reference: ReferenceRepresentations) throws -> Fitted {
        try Fitted(options: options, reference: reference)
    }
}
