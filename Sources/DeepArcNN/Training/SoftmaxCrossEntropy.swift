public import DeepArcTensor
internal import Foundation

/// The softmax cross-entropy loss of a batch of logits against integer class labels.
///
/// loss = (1/N) Σᵢ wᵢ·(log Σⱼ exp(zᵢⱼ) − zᵢ,yᵢ), computed with the log-sum-exp shift so large
/// logits do not overflow (wᵢ = 1 without weights). The gradient with respect to the logits is
/// (wᵢ/N)·(softmax(zᵢ) − onehot(yᵢ)).
///
/// ```swift
/// let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
/// _ = try model.backward(result.gradient, needsInputGradient: false)
/// ```
public enum SoftmaxCrossEntropy {
    /// Evaluates the mean loss, its gradient with respect to `logits` and the number of correct predictions.
    ///
    /// - Parameters:
    ///   - logits: shape [N, C] with N ≥ 1 and C ≥ 1.
    ///   - labels: N class indices in 0..<C.
    ///   - weights: optional per-sample weights wᵢ ≥ 0 (N of them). The loss stays divided by N
    ///     (not by Σwᵢ), so weights of 1 give the unweighted loss.
    /// - Returns: the loss (a `Double`), its gradient (shape [N, C]) and how many rows' argmax
    ///   (the first on ties) equals the label.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for logits that are not a
    ///   non-empty matrix, ``NNError/invalidConfiguration(layer:reason:)`` naming the sample and
    ///   the bad label (or weight) for a label outside 0..<C, a wrong count of labels or weights, or a
    ///   negative or non-finite weight.
    public static func evaluate(
        logits: Tensor, labels: [Int], weights: [Float]? = nil
    ) throws(NNError) -> (loss: Double, gradient: Tensor, correct: Int) {
        let name = "softmax cross-entropy"
        guard logits.rank == 2, logits.shape[0] > 0, logits.shape[1] > 0 else {
            throw .shapeMismatch(layer: name, expected: "logits [N, C] with N, C ≥ 1", actual: logits.shape)
        }
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        guard labels.count == batch else {
            throw .invalidConfiguration(layer: name, reason: "got \(labels.count) labels for a batch of \(batch)")
        }
        for (sample, label) in labels.enumerated() where label < 0 || label >= classes {
            throw .invalidConfiguration(
                layer: name, reason: "label \(label) of sample \(sample) is outside 0..<\(classes)")
        }
        if let weights {
            guard weights.count == batch else {
                throw .invalidConfiguration(layer: name, reason: "got \(weights.count) weights for a batch of \(batch)")
            }
            for (sample, weight) in weights.enumerated() where !(weight >= 0 && weight.isFinite) {
                throw .invalidConfiguration(
                    layer: name, reason: "weight \(weight) of sample \(sample) must be finite and non-negative")
            }
        }

        var total = 0.0
        var correct = 0
        let gradient = Tensor(shape: logits.shape) { grad in
            logits.withUnsafeBufferPointer { z in
                for row in 0..<batch {
                    let start = row * classes
                    let label = labels[row]
                    var best = 0
                    var maximum = z[start]
                    for column in 1..<classes where z[start + column] > maximum {
                        maximum = z[start + column]
                        best = column
                    }
                    if best == label { correct += 1 }
                    var sumExp = 0.0
                    for column in 0..<classes { sumExp += exp(Double(z[start + column] - maximum)) }
                    let logSumExp = Double(maximum) + log(sumExp)
                    let weight = Double(weights?[row] ?? 1)
                    total += weight * (logSumExp - Double(z[start + label]))
                    let scale = weight / Double(batch)
                    for column in 0..<classes {
                        let probability = exp(Double(z[start + column]) - logSumExp)
                        grad[start + column] = Float(scale * (probability - (column == label ? 1 : 0)))
                    }
                }
            }
        }
        return (total / Double(batch), gradient, correct)
    }
}
