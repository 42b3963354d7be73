public import DeepArcTensor

/// A deviation of a batch of D′ and its gradient: the β·Dev term of the paper's Eq. 5 and what it
/// injects into the backward pass at the module's output.
public struct DeviationValue: Sendable, Equatable {
    /// The deviation of the batch.
    public var value: Double
    /// ∂value/∂representations, the same shape as the batch's representations.
    public var gradient: Tensor

    /// Creates a value.
    public init(value: Double, gradient: Tensor) {
        self.value = value
        self.gradient = gradient
    }

    /// The value and gradient as a tuple.
    public var destructured: (value: Double, gradient: Tensor) { (value, gradient) }
}
