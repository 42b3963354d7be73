/// Module count and modularity Y as a function of the threshold th for one matrix and partitioner
/// (the paper's Fig. 11): the curve users read to choose th.
///
/// ```swift
/// let sweep = try ThresholdSweep(matrix: matrix, partitioner: GreedyPartitioner(options: .init()))
/// for row in sweep.rows { print(row.threshold, row.moduleCount, row.modularity) }
/// ```
public struct ThresholdSweep: Sendable, Equatable, Codable {
    /// One point of the curve.
    public struct Row: Sendable, Equatable, Codable {
        /// The threshold th.
        public var threshold: Double
        /// The number of modules at th.
        public var moduleCount: Int
        /// The modularity Y at th: layers in multi-layer modules / n.
        public var modularity: Double

        /// Creates a row.
        public init(threshold: Double, moduleCount: Int, modularity: Double) {
            self.threshold = threshold
            self.moduleCount = moduleCount
            self.modularity = modularity
        }
    }

    /// The default thresholds: 0.90, 0.91, …, 0.99 (each computed as k/100, so no drift accumulates).
    public static let defaultThresholds: [Double] = (90...99).map { Double($0) / 100 }

    /// The identifier of the partitioner that produced the rows.
    public let partitioner: String
    /// One row per threshold, in the order the thresholds were given.
    public let rows: [Row]

    /// Partitions `matrix` at every threshold.
    /// - Parameters:
    ///   - matrix: the layer-similarity matrix.
    ///   - partitioner: the partitioner; its own threshold option is ignored.
    ///   - thresholds: the thresholds, each in (0, 1]; ``defaultThresholds`` unless given.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for a threshold outside (0, 1],
    ///   and whatever the partitioner throws.
    public init(
        matrix: SimilarityMatrix, partitioner: some Partitioner, thresholds: [Double] = ThresholdSweep.defaultThresholds
    ) throws {
        var rows: [Row] = []
        rows.reserveCapacity(thresholds.count)
        for threshold in thresholds {
            let partition = try partitioner.partition(matrix, threshold: threshold)
            let architecture = try SemanticArchitecture(partition: partition, matrix: matrix, threshold: threshold)
            rows.append(
                Row(threshold: threshold, moduleCount: partition.moduleCount, modularity: architecture.modularity))
        }
        self.partitioner = type(of: partitioner).identifier
        self.rows = rows
    }
}
