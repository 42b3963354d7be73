import DeepArcCore
import DeepArcTensor

/// Checks shared by the fitted measures: a batch matches its reference's per-sample shape.
enum BatchCheck {
    /// The shape of one sample of `tensor` (its shape without the leading batch axis).
    static func sampleShape(of tensor: Tensor) -> [Int] { Array(tensor.shape.dropFirst()) }

    /// Throws unless the batch's representations have `expected` as their per-sample shape.
    /// - Parameters:
    ///   - batch: the batch to check.
    ///   - expected: the reference's per-sample shape.
    ///   - measure: the measure's identifier, for the message.
    static func matches(_ batch: DeviationBatch, sampleShape expected: [Int], measure: String) throws(DeepArcError) {
        let shape = sampleShape(of: batch.representations)
        guard shape == expected else {
            throw .invalidActivations(
                layer: nil,
                reason:
                    "\(measure): batch representations have shape \(shape) per sample (\(batch.featureCount) "
                    + "features), but the reference has \(expected) (\(Tensor.checkedProduct(expected)) features)")
        }
    }
}

extension Tensor {
    /// The product of a shape's dimensions (which came from an existing tensor, so it cannot overflow).
    static func checkedProduct(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}
