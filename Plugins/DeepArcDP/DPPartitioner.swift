public import DeepArcCore

/// The exact optimum of the paper's Eq. 4 by dynamic programming, `O(n²)` time and `O(n)` extra
/// memory. Identifier `dp`.
///
/// Eq. 4 maximises Σ_k simmod(p_k) − c · Σ_{i<j in different modules} S[i][j], subject to
/// simmod(p) > th (strictly) for every multi-layer module p. The paper calls this NP-complete, but for
/// contiguous partitions it is not. The cross-module sum is the total T = Σ_{i<j} S[i][j] minus the
/// within-module sums W(p) = Σ_{i<j in p} S[i][j]. So the objective is Σ_k [simmod(p_k) + c · W(p_k)] − c · T,
/// a sum over segments, and a dynamic programme over segment ends finds its maximum.
///
/// Rules:
/// - ``Pairs/unordered`` (default): c = 1, each cross pair counted once, the diagonal never.
///   ``Pairs/ordered``: c = 2 (both S[i][j] and S[j][i]).
/// - A NaN adjacent similarity makes any segment containing that link infeasible. NaN entries off the
///   adjacent diagonal contribute 0 to W and T.
/// - simmod of a segment is the mean of its adjacent similarities summed from first to last (as
///   `SemanticModule.simmod(of:in:)` computes it); a single-layer module has simmod 0 and W 0 and is
///   always feasible.
/// - Ties: for each segment end j, the smallest start attaining the maximum wins. Values within a
///   relative 1e-12 of the maximum count as attaining it, so rounding noise in the running sums never
///   decides a tie.
///
/// ```swift
/// let dp = try DPPartitioner(options: .init(threshold: 0.99, pairs: .unordered))
/// let partition = try dp.partition(matrix)
/// ```
public struct DPPartitioner: Partitioner {
    /// How cross-module pairs are counted in Eq. 4's penalty.
    public enum Pairs: String, Sendable, Codable, CaseIterable {
        /// Each unordered pair {i, j} once: c = 1.
        case unordered
        /// Both ordered pairs (i, j) and (j, i): c = 2.
        case ordered

        /// The penalty weight c.
        public var weight: Double { self == .ordered ? 2 : 1 }
    }

    /// The options: `{threshold: 0.99, pairs: unordered}`.
    public struct Options: Sendable, Equatable, Codable {
        /// The threshold th, 0 < th ≤ 1 (default 0.99); every multi-layer module needs simmod > th.
        public var threshold: Double
        /// How cross-module pairs are counted (default ``Pairs/unordered``).
        public var pairs: Pairs

        /// Creates options; every field has its default.
        public init(threshold: Double = 0.99, pairs: Pairs = .unordered) {
            self.threshold = threshold
            self.pairs = pairs
        }

        private enum CodingKeys: String, CodingKey {
            case threshold, pairs
        }

        /// Decodes a partial configuration: a missing field takes its default.
        /// - Throws: `DeepArcError/invalidOption(strategy:option:reason:)` for a `pairs` other than
        ///   `unordered` and `ordered`; a `DecodingError` for a value of the wrong type.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Options()
            threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? defaults.threshold
            pairs =
                try container.decodeChoiceIfPresent(Pairs.self, forKey: .pairs, strategy: DPPartitioner.identifier)
                ?? defaults.pairs
        }
    }

    /// `dp`.
    public static let identifier = "dp"
    /// One line for `deeparc strategies`.
    public static let summary =
        "exact optimum of Eq. 4 (Σ simmod − c·cross-module similarity, simmod > th) by dynamic programming"

    /// The relative tolerance within which two candidate values count as tied.
    public static let tieTolerance = 1e-12

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

    /// Partitions the layers of `matrix` optimally for Eq. 4 with threshold `threshold`.
    /// - Throws: `DeepArcError/invalidOption(strategy:option:reason:)` when `threshold` is not in (0, 1].
    public func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        try Self.validateThreshold(threshold)
        let n = matrix.count
        let starts = Self.optimalStarts(
            values: matrix.values, count: n, threshold: threshold, weight: options.pairs.weight)
        return try Partition(moduleStarts: starts, layerCount: n)
    }

    // MARK: - The dynamic programme

    /// The module starts of the optimal partition.
    ///
    /// For each end j (ascending), with `best[a]` the optimum over the prefix `0..<a`:
    /// `value(a) = best[a] + simmod(a…j) + c · W(a…j)` for every feasible start a ≤ j, and
    /// `best[j + 1] = max_a value(a)`; `start[j]` is the smallest a within the tie tolerance of it.
    /// Running per-start sums keep each step `O(j)`:
    /// - `linkSums[a]` = S[a][a+1] + … + S[j−1][j], added in that order;
    /// - `within[a]` = W(a…j), updated from W(a…j−1) by adding the column sums Σ_{i=a}^{j−1} S[i][j];
    /// - `lastNaNLink` = the last k < j with S[k][k+1] NaN; a segment [a…j] is infeasible when a ≤ it.
    private static func optimalStarts(values: [Double], count n: Int, threshold: Double, weight c: Double) -> [Int] {
        var best = [Double](repeating: 0, count: n + 1)
        var startOf = [Int](repeating: 0, count: n)
        var linkSums = [Double](repeating: 0, count: n)
        var within = [Double](repeating: 0, count: n)
        var candidates = [Double](repeating: 0, count: n)
        values.withUnsafeBufferPointer { s in
            best.withUnsafeMutableBufferPointer { best in
                startOf.withUnsafeMutableBufferPointer { startOf in
                    linkSums.withUnsafeMutableBufferPointer { linkSums in
                        within.withUnsafeMutableBufferPointer { within in
                            candidates.withUnsafeMutableBufferPointer { candidates in
                                var lastNaNLink = -1
                                for j in 0..<n {
                                    // Extend the running sums from end j − 1 to end j.
                                    if j > 0 {
                                        let link = s[(j - 1) * n + j]
                                        if link.isNaN {
                                            lastNaNLink = j - 1
                                        } else {
                                            for a in (lastNaNLink + 1)..<j { linkSums[a] += link }
                                        }
                                        var column = 0.0
                                        for a in stride(from: j - 1, through: 0, by: -1) {
                                            let entry = s[a * n + j]
                                            if !entry.isNaN { column += entry }
                                            within[a] += column
                                        }
                                    }
                                    // Score every start a ≤ j.
                                    var maximum = best[j]  // the single-layer module [j], always feasible
                                    candidates[j] = maximum
                                    for a in 0..<j {
                                        guard a > lastNaNLink else {
                                            candidates[a] = -.infinity
                                            continue
                                        }
                                        let simmod = linkSums[a] / Double(j - a)
                                        guard simmod > threshold else {
                                            candidates[a] = -.infinity
                                            continue
                                        }
                                        let value = best[a] + simmod + c * within[a]
                                        candidates[a] = value
                                        if value > maximum { maximum = value }
                                    }
                                    let floor = maximum - tieTolerance * max(1, abs(maximum))
                                    var start = j
                                    for a in 0...j where candidates[a] >= floor {
                                        start = a
                                        break
                                    }
                                    best[j + 1] = maximum
                                    startOf[j] = start
                                }
                            }
                        }
                    }
                }
            }
        }
        var starts: [Int] = []
        var end = n - 1
        while end >= 0 {
            let start = startOf[end]
            starts.append(start)
            end = start - 1
        }
        return starts.reversed()
    }
}
