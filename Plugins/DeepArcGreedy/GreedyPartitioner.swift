public import DeepArcCore

/// The paper's Algorithm 1: walk the layers in order and grow the current module while the
/// criterion holds, `O(n)`. Identifier `greedy`.
///
/// Starting with module [0], each next layer k+1 is tried as an extension of the current module
/// [a…k]. It joins when the criterion holds for the extended module [a…k+1]; otherwise the module
/// is closed and [k+1] starts a new one.
/// - ``Criterion/mean`` (default, Algorithm 1 as written): simmod([a…k+1]) ≥ th, where simmod is the
///   mean of the adjacent similarities inside the module (paper Eq. 3).
/// - ``Criterion/link`` (what the authors' published code does): the new link S[k][k+1] ≥ th.
///
/// A NaN link S[k][k+1] never satisfies either criterion, so it always closes the module. (The
/// paper's "split if sim < th" would merge on NaN.)
///
/// ```swift
/// let greedy = try GreedyPartitioner(options: .init(threshold: 0.99, criterion: .link))
/// let partition = try greedy.partition(matrix)
/// ```
public struct GreedyPartitioner: Partitioner {
    /// When the next layer joins the current module.
    public enum Criterion: String, Sendable, Codable, CaseIterable {
        /// The extended module's simmod (mean adjacent similarity) is at least th.
        case mean
        /// The new adjacent similarity is at least th.
        case link
    }

    /// The options: `{threshold: 0.99, criterion: mean}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The threshold th, 0 < th ≤ 1 (default 0.99).
        public var threshold: Double
        /// The joining criterion (default ``Criterion/mean``).
        public var criterion: Criterion

        /// Creates options; every field has its default.
        public init(threshold: Double = 0.99, criterion: Criterion = .mean) {
            self.threshold = threshold
            self.criterion = criterion
        }

        private enum CodingKeys: String, CodingKey {
            case threshold, criterion
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: `DeepArcError/invalidOption(strategy:option:reason:)` for a criterion other than
        ///   `mean` and `link`; a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? defaults.threshold
            criterion =
                try container.decodeChoiceIfPresent(Criterion.self, forKey: .criterion, strategy: GreedyPartitioner.identifier)
                ?? defaults.criterion
        }
    }

    /// `greedy`.
    public static let identifier = "greedy"
    /// One line for `deeparc strategies`.
    public static let summary =
        "Algorithm 1: grow each module while its mean adjacent similarity (or the new link) ≥ th"

    /// The options in effect.
    public let options: Options

    /// Creates the partitioner.
    /// - Throws: `DeepArcError/invalidOption(strategy:option:reason:)` when the threshold is not in (0, 1].
    public init(options: Options) throws {
        try Self.validateThreshold(options.threshold)
        self.options = options
    }

    /// The options' threshold.
    public var threshold: Double { options.threshold }

    /// Partitions the layers of `matrix` greedily with threshold `threshold`.
    /// - Throws: `DeepArcError/invalidOption(strategy:option:reason:)` when `threshold` is not in (0, 1].
    public func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        try Self.validateThreshold(threshold)
        let n = matrix.count
        let criterion = options.criterion
        var starts = [0]
        matrix.values.withUnsafeBufferPointer { values in
            var linkSum = 0.0
            var linkCount = 0
            for k in 0..<(n - 1) {
                let link = values[k * n + k + 1]
                let joins: Bool
                if link.isNaN {
                    joins = false
                } else {
                    switch criterion {
                    case .link: joins = link >= threshold
                    case .mean: joins = (linkSum + link) / Double(linkCount + 1) >= threshold
                    }
                }
                if joins {
                    linkSum += link
                    linkCount += 1
                } else {
                    starts.append(k + 1)
                    linkSum = 0
                    linkCount = 0
                }
            }
        }
        return try Partition(moduleStarts: starts, layerCount: n)
    }
}
