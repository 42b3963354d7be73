public import DeepArcNN
import DeepArcTensor

/// The loss of re-adaption (paper Eq. 5) for one model and data: α · CE(model(x), y) over the
/// batch's rows of D ∪ D′ plus β · Dev of the batch's D′ rows at the retrained modules' outputs.
///
/// The deviation measure is fitted once, on D's representations under the model *before*
/// retraining (the fixed targets of `explicit`, the per-class Gaussians of `gaussian` on D's
/// correctly predicted samples). With several retrained modules, Dev is the mean over their
/// outputs. Its gradient is injected into the backward pass at each output (the D′ rows only),
/// next to α times the cross-entropy gradient at the logits.
public struct RetrainingObjective: Sendable {
    /// α, the weight of the cross-entropy.
    public let alpha: Double
    /// β, the weight of the deviation.
    public let beta: Double
    /// The fitted deviation at each module output unit (empty when β = 0).
    public let deviations: [Int: any FittedDeviation]
    /// How D′ rows are tied to the reference (nil when β = 0).
    public let pairing: DeviationPairing?
    /// A description of each deviation unit's module for messages.
    let moduleNames: [Int: String]

    /// Creates an objective from fitted deviations.
    /// - Parameters:
    ///   - alpha: α ≥ 0.
    ///   - beta: β ≥ 0.
    ///   - deviations: a fitted deviation per output unit (may be empty only when β = 0).
    ///   - pairing: the measure's pairing.
    ///   - moduleNames: optional names of the units' modules for error messages.
    public init(
        alpha: Double, beta: Double, deviations: [Int: any FittedDeviation], pairing: DeviationPairing?,
        moduleNames: [Int: String] = [:]
    ) {
        self.alpha = alpha
        self.beta = beta
        self.deviations = beta > 0 ? deviations : [:]
        self.pairing = pairing
        self.moduleNames = moduleNames
    }

    /// The units whose outputs the deviation needs.
    public var capturedUnits: Set<Int> { Set(deviations.keys) }

    /// Runs `model` on `batch` in training mode from `startUnit` and returns the loss; with
    /// `backward`, also zeroes the model's gradients and back-propagates α·∂CE/∂logits with
    /// β·∂Dev/∂representation injected at each deviation unit, so every trainable parameter's
    /// `gradient` holds ∂loss/∂parameter afterwards.
    ///
    /// When the loss (or a captured representation) is NaN or infinite, no backward pass runs and
    /// the result's ``RetrainingLoss/total`` is NaN or infinite: the caller stops training.
    /// - Throws: the model's errors; ``DeepArcError/invalidActivations(layer:reason:)`` naming the
    ///   module when the deviation cannot score the batch.
    public func evaluate(
        _ model: Model, batch: RetrainingBatch, startUnit: Int = 0, backward: Bool = false
    ) throws -> RetrainingLoss {
        let (logits, captured) = try model.forward(
            batch.inputs, mode: .training, capturing: capturedUnits, startUnit: startUnit)
        var crossEntropy = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: batch.labels)
        var deviation = 0.0
        var injected: [Int: Tensor] = [:]
        let units = deviations.keys.sorted()
        if !batch.newRows.isEmpty, !units.isEmpty {
            let share = 1 / Double(units.count)
            for unit in units {
                guard let fitted = deviations[unit], let output = captured[unit] else { continue }
                let rows = try output.gather(batch: batch.newRows)
                guard rows.isFinite else {
                    return RetrainingLoss(
                        total: .nan, crossEntropy: crossEntropy.loss, deviation: .nan, correct: crossEntropy.correct,
                        count: batch.count)
                }
                let value: DeviationValue
                do {
                    let scored = try DeviationBatch(
                        representations: rows, sources: pairing == .paired ? batch.newSources : nil,
                        labels: pairing == .labelConditioned ? batch.newRows.map { batch.labels[$0] } : nil)
                    value = try fitted.deviation(of: scored)
                } catch {
                    let name = moduleNames[unit] ?? "output unit \(unit)"
                    throw DeepArcError.invalidActivations(
                        layer: unit, reason: "\(name), deviation of a training batch: \(ModuleLayout.reason(of: error))"
                    )
                }
                deviation += share * value.value
                if backward {
                    injected[unit] = Self.scatter(
                        value.gradient, rows: batch.newRows, into: output.shape, scale: Float(beta * share))
                }
            }
        }
        let total = alpha * crossEntropy.loss + beta * deviation
        let predicted = logits.argmaxRows()
        let loss = RetrainingLoss(
            total: total, crossEntropy: crossEntropy.loss, deviation: deviation, correct: crossEntropy.correct,
            count: batch.count, correctNew: batch.newRows.filter { predicted[$0] == batch.labels[$0] }.count,
            countNew: batch.newRows.count)
        guard backward, total.isFinite else { return loss }
        crossEntropy.gradient.scale(by: Float(alpha))
        model.zeroGradients()
        _ = try model.backward(crossEntropy.gradient, injecting: injected)
        return loss
    }

    /// A zero tensor of `shape` whose rows `rows` hold `scale` times the rows of `gradient`.
    static func scatter(_ gradient: Tensor, rows: [Int], into shape: [Int], scale: Float) -> Tensor {
        Tensor(shape: shape) { out in
            let width = gradient.itemCount
            for index in 0..<out.count { out[index] = 0 }
            gradient.withUnsafeBufferPointer { source in
                for (position, row) in rows.enumerated() {
                    for offset in 0..<width { out[row * width + offset] = scale * source[position * width + offset] }
                }
            }
        }
    }
}
