public import DeepArcTensor

/// The rectified linear unit, y = max(x, 0), elementwise on a batch of any shape.
///
/// Its gradient passes where the input was positive (0 at the kink, as PyTorch); NaN propagates.
public final class ReLU: Layer {
    /// The output of the last training-mode forward pass (positive exactly where the input was).
    private var cachedOutput: Tensor?

    /// Creates a ReLU.
    public init() {}

    // MARK: - Layer

    /// `.relu`.
    public var spec: LayerSpec { .relu }

    /// None: a ReLU has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// Applies max(x, 0); caches the output in training mode.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a rank-0 input (no batch axis).
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        guard input.rank >= 1 else { throw .shapeMismatch(layer: "relu", expected: "[N, …]", actual: input.shape) }
        let output = Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                guard let source = x.baseAddress, let target = y.baseAddress else { return }
                VectorKernels.relu(source, into: target, count: x.count)
            }
        }
        if mode == .training { cachedOutput = output }
        return output
    }

    /// Passes `outputGradient` where the input was positive and zeroes it elsewhere.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training pass,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` for a gradient of another shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let output = cachedOutput else { throw .backwardWithoutForward(layer: "relu") }
        guard outputGradient.shape == output.shape else {
            throw .shapeMismatch(layer: "relu", expected: "gradient \(output.shape)", actual: outputGradient.shape)
        }
        guard needsInputGradient else { return nil }
        return Tensor(shape: output.shape) { dx in
            outputGradient.withUnsafeBufferPointer { g in
                output.withUnsafeBufferPointer { y in
                    guard let g = g.baseAddress, let y0 = y.baseAddress, let target = dx.baseAddress else { return }
                    VectorKernels.reluBackward(g, output: y0, into: target, count: y.count)
                }
            }
        }
    }
}
