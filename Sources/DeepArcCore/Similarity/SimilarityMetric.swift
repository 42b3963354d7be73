public import DeepArcTensor

/// Measures how similarly n layers represent the same m samples: activations → an n × n
/// ``SimilarityMatrix``.
///
/// Activations arrive batch by batch through a ``SimilarityAccumulator``, so an implementation can
/// compute each layer's Gram matrix once and bound its memory. Each batch holds one tensor per
/// layer, `[b, …]`, flattened per sample in the layer's own (NCHW) order.
///
/// Laws (checked by `DeepArcTestKit.checkSimilarityLaws`):
/// 1. The result is n × n and symmetric; S[i][i] = 1 (within rounding) for every non-degenerate layer.
/// 2. A degenerate layer (constant, dead) has NaN in its whole row and column and its flag set;
///    no epsilon smoothing.
/// 3. The result does not depend on how the samples were split into batches, except for metrics
///    whose definition uses the batches (`cka.minibatch`).
/// 4. Deterministic: the same activations give the same bits.
///
/// ```swift
/// let metric = try LinearCKA(options: .init())
/// let matrix = try metric.similarityMatrix(of: [layer0, layer1, layer2])   // each [m, d_l]
/// ```
public protocol SimilarityMetric: Strategy {
    /// Starts accumulating the activations of `layerCount` layers.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator
}

/// Collects activations batch by batch and produces the similarity matrix.
public protocol SimilarityAccumulator {
    /// Adds one batch of samples: one tensor per layer, all with the same batch size.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` for a wrong layer count,
    ///   differing batch sizes, a layer whose feature count changed, or NaN/Inf values.
    mutating func add(_ batch: [Tensor]) throws
    /// The n × n matrix over every sample added so far.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when too few samples were added.
    func finalize() throws -> SimilarityMatrix
}

extension SimilarityMetric {
    /// The similarity matrix of layers given whole: one `[m, …]` tensor per layer.
    public func similarityMatrix(of activations: [Tensor]) throws -> SimilarityMatrix {
        var accumulator = try makeAccumulator(layerCount: activations.count)
        try accumulator.add(activations)
        return try accumulator.finalize()
    }
}
