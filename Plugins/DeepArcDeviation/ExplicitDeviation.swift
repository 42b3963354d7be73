public import DeepArcCore

/// The paired deviation (spec `readaption.md`, `explicit`): each sample x′ of D′ was derived from a
/// source x of D, and the deviation compares the representation r(x′) with the fixed target r(x),
/// the representation of the source under the original model. Identifier `explicit`.
///
/// - ``Distance/mse`` (default, the authors' code): mean over the b pairs of ‖r(x′) − r(x)‖² / dim,
///   where dim is the number of features per sample. Gradient 2 (r(x′) − r(x)) / (b · dim).
/// - ``Distance/cka``: 1 − linear CKA between the batch of r(x′) and the batch of their targets r(x),
///   computed in the Gram form (b × b Grams of the column-centred representations), so the cost is
///   O(b² · dim) and no dim × dim matrix is formed. CKA needs at least 2 pairs and a batch (and
///   targets) that are not all equal; otherwise scoring throws rather than returning NaN.
///
/// Values, Grams and gradients are computed in `Double` from the `Float` representations; the
/// gradient is returned as `Float`.
///
/// ```swift
/// let measure = try ExplicitDeviation(options: .init(distance: .cka))
/// let fitted = try measure.fitPairs(ReferenceRepresentations(representations: clean))
/// let value = try fitted.deviation(of: DeviationBatch(representations: adversarial, sources: Array(0..<m)))
/// ```
public struct ExplicitDeviation: DeviationMeasure {
    /// How a pair (or the two sets) of representations is compared.
    public enum Distance: String, Sendable, Codable, CaseIterable {
        /// Mean squared difference per feature, averaged over the pairs (the authors' code).
        case mse
        /// One minus linear CKA of the two sets of representations.
        case cka
    }

    /// The options: `{distance: mse}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The distance (default ``Distance/mse``).
        public var distance: Distance

        /// Creates options; every field has its default.
        /// - Parameter distance: the distance (default ``Distance/mse``).
        public init(distance: Distance = .mse) {
            self.distance = distance
        }

        private enum CodingKeys: String, CodingKey {
            case distance
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a distance other than
        ///   `mse` and `cka`; a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            distance =
                try container.decodeChoiceIfPresent(Distance.self, forKey: .distance, strategy: ExplicitDeviation.identifier)
                ?? Options().distance
        }
    }

    /// `explicit`.
    public static let identifier = "explicit"
    /// One line for `deeparc strategies`.
    public static let summary =
        "paired deviation of D′ from its sources in D: mean squared distance per feature, or 1 − linear CKA"

    /// The options in effect.
    public let options: Options

    /// Creates the measure (every option value is valid).
    /// - Parameter options: the options.
    public init(options: Options) throws {
        self.options = options
    }

    /// ``DeviationPairing/paired``: batches name each sample's source row in the reference.
    public var pairing: DeviationPairing { .paired }

    /// Fits the measure: keeps the reference representations as the fixed targets.
    /// - Parameter reference: the representations of D at the module output (labels are not used).
    /// - Returns: an ``ExplicitDeviation/Fitted``.
    public func fit(_ reference: ReferenceRepresentations) throws -> any FittedDeviation {
        fitPairs(reference)
    }

    /// ``fit(_:)`` with its concrete result type.
    /// - Parameter reference: the representations of D at the module output.
    /// - Returns: the fitted measure.
    public func fitPairs(_ reference: ReferenceRepresentations) -> Fitted {
        Fitted(distance: options.distance, reference: reference.representations)
    }
}
