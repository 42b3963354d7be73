public import DeepArcCore

/// The similarity metrics this target provides, in the order `deeparc strategies` lists them.
///
/// ```swift
/// for metric in CKAMetrics.all { print(metric.identifier, metric.summary) }
/// ```
public enum CKAMetrics {
    /// `cka.linear` (the default), `cka.debiased`, `cka.minibatch`, `cka.rbf`, `gram-cosine`.
    public static let all: [any SimilarityMetric.Type] = [
        LinearCKA.self, DebiasedCKA.self, MinibatchCKA.self, RBFCKA.self, GramCosine.self,
    ]
}
