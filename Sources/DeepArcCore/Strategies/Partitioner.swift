/// Splits a network's layers into semantic modules: an n × n ``SimilarityMatrix`` and a threshold th →
/// a ``Partition`` of `0..<n` into consecutive modules.
///
/// The threshold is part of each partitioner's options (``threshold``, the paper uses 0.99). It can
/// also be given per call with ``partition(_:threshold:)``, which is what a ``ThresholdSweep`` uses.
///
/// Laws (checked by `DeepArcTestKit.checkPartitionerLaws`):
/// 1. The result covers every layer of the matrix with consecutive modules: its
///    ``Partition/layerCount`` equals the matrix's ``SimilarityMatrix/count``.
/// 2. Deterministic: the same matrix and threshold give the same partition.
/// 3. A NaN link never joins a module: when `S[k][k+1]` is NaN, layers k and k+1 lie in different
///    modules (a degenerate layer, whose row is NaN, is therefore a single-layer module).
/// 4. The threshold must satisfy 0 < th ≤ 1. Any other value, NaN included, throws
///    ``DeepArcError/invalidOption(strategy:option:reason:)`` naming the option `threshold` and the value
///    (``validateThreshold(_:)`` does this).
///
/// ```swift
/// let partitioner = try GreedyPartitioner(options: .init(threshold: 0.99, criterion: .link))
/// let partition = try partitioner.partition(matrix)          // uses options.threshold
/// let looser = try partitioner.partition(matrix, threshold: 0.95)
/// ```
public protocol Partitioner: Strategy {
    /// The threshold th of the options, used by ``partition(_:)``.
    var threshold: Double { get }

    /// Partitions the layers of `matrix` with threshold `threshold`.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` when `threshold` is not in (0, 1].
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition
}

extension Partitioner {
    /// Partitions the layers of `matrix` with the options' ``threshold``.
    public func partition(_ matrix: SimilarityMatrix) throws -> Partition {
        try partition(matrix, threshold: threshold)
    }

    /// Checks that `threshold` satisfies 0 < th ≤ 1.
    /// - Returns: `threshold` unchanged.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming the strategy, the option
    ///   `threshold` and the value.
    @discardableResult
    public static func validateThreshold(_ threshold: Double) throws(DeepArcError) -> Double {
        guard threshold > 0, threshold <= 1 else {
            throw .invalidOption(
                strategy: identifier, option: "threshold", reason: "must satisfy 0 < threshold ≤ 1; got \(threshold)")
        }
        return threshold
    }
}
