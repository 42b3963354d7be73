/// Measures how far the representations of new samples D′ stray from those of the original samples D
/// at one module's output. It is the paper's Dev, used twice: to locate the critical module, and as
/// the β·Dev term of the retraining loss (paper Eq. 5; see `specs/readaption.md`).
///
/// A measure is first *fitted* on reference representations of D at a module output
/// (``fit(_:)``), which gives a ``FittedDeviation``. That fitted object scores batches of D′
/// representations at the same output: a value and its gradient with respect to those
/// representations. Two uses exist, named by ``pairing``:
/// - ``DeviationPairing/paired`` (`explicit`): each x′ ∈ D′ comes from a source x ∈ D. The batch gives
///   each sample's source index into the reference, and the deviation compares each pair. The spec
///   offers the mean of ‖r(x′) − r(x)‖² / dim (the authors' code), or 1 − linear CKA of the two sets.
/// - ``DeviationPairing/labelConditioned`` (`gaussian`): per class c, a Gaussian fitted on the reduced
///   representations of D's samples with label c that the model predicts correctly. The batch gives
///   each sample's label, and the deviation is the mean negative log-density.
///
/// Laws (for every conformer):
/// 1. Deterministic: fitting on the same reference and scoring the same batch give the same bits.
/// 2. The gradient has the batch's shape and is the derivative of the value: it agrees with
///    central finite differences of ``FittedDeviation/deviation(of:)``.
/// 3. A paired measure needs ``DeviationBatch/sources``; a source outside the reference is an error.
///    A label-conditioned measure needs ``DeviationBatch/labels``; a label that was not fitted is an
///    error. Both are ``DeepArcError/invalidActivations(layer:reason:)``, like a batch whose features
///    per sample differ from the reference.
/// 4. A deviation grows as D′ moves away from D. For a paired distance, a batch equal to its sources'
///    representations has deviation 0, the minimum.
/// 5. Fitting does not keep a reference to mutable state: the fitted value is `Sendable` and
///    immutable, so one fit can score batches from several threads.
///
/// ```swift
/// let measure = try registry.deviationMeasures.make("explicit")
/// let fitted = try measure.fit(ReferenceRepresentations(representations: clean))      // [m, d]
/// let batch = try DeviationBatch(representations: adversarial, sources: Array(0..<m))
/// let (value, gradient) = try fitted.deviation(of: batch).destructured
/// ```
public protocol DeviationMeasure: Strategy {
    /// Whether batches are tied to the reference by source indices or by labels.
    var pairing: DeviationPairing { get }

    /// Fits the measure on reference representations of D at one module output.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when the reference lacks what the
    ///   measure needs (labels for a label-conditioned measure, enough samples per class).
    func fit(_ reference: ReferenceRepresentations) throws -> any FittedDeviation
}

/// A ``DeviationMeasure`` fitted on a reference: scores batches of D′ at the same module output.
public protocol FittedDeviation: Sendable {
    /// The number of features per sample the reference had; batches must match it.
    var featureCount: Int { get }

    /// The deviation of `batch` and its gradient with respect to `batch.representations`.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` for a batch whose features per
    ///   sample differ from the reference, or that lacks (or has out-of-range) sources or labels.
    func deviation(of batch: DeviationBatch) throws -> DeviationValue
}
