public import DeepArcTensor

/// Global average pooling: the mean over the spatial axes, `[N, C, H, W] → [N, C]`.
///
/// Backward spreads each gradient evenly over its plane. The training forward pass caches only the
/// input shape.
public final class GlobalAvgPool: Layer {
    private static let layerName = "globalAvgPool"

    // MARK: - Training cache

    private var cachedInputShape: [Int]?

    // MARK: - Initialisation

    /// Creates a global average-pooling layer.
    public init() {}

    // MARK: - Layer

    /// `.globalAvgPool`.
    public var spec: LayerSpec { .globalAvgPool }

    /// None: global average pooling has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// The output shape `[N, C]` for an input shape `[N, C, H, W]`.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a rank other than 4 or an
    ///   empty channel or spatial axis.
    public func outputShape(for inputShape: [Int]) throws(NNError) -> [Int] {
        guard inputShape.count == 4, inputShape[0] >= 0, inputShape[1] > 0, inputShape[2] > 0, inputShape[3] > 0
        else {
            throw .shapeMismatch(layer: Self.layerName, expected: "[N, C, H, W] with C, H, W ≥ 1", actual: inputShape)
        }
        return [inputShape[0], inputShape[1]]
    }

    /// Averages every plane; in training mode remembers the input shape.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input is not `[N, C, H, W]`.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        let outputShape = try outputShape(for: input.shape)
        let planes = outputShape[0] * outputShape[1]
        let plane = input.shape[2] * input.shape[3]
        let output = Tensor(shape: outputShape) { out in
            input.withUnsafeBufferPointer { x in
                guard planes > 0, let x = x.baseAddress, let y = out.baseAddress else { return }
                ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: plane) { index in
                    let source = x + index * plane
                    var total: Float = 0
                    for t in 0..<plane { total += source[t] }
                    y[index] = total / Float(plane)
                }
            }
        }
        if mode == .training { cachedInputShape = input.shape }
        return output
    }

    /// Spreads each gradient evenly over its plane (divided by H·W).
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training forward,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient` is not `[N, C]`.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let inputShape = cachedInputShape else { throw .backwardWithoutForward(layer: Self.layerName) }
        let expected = [inputShape[0], inputShape[1]]
        guard outputGradient.shape == expected else {
            throw .shapeMismatch(layer: Self.layerName, expected: "\(expected)", actual: outputGradient.shape)
        }
        guard needsInputGradient else { return nil }
        let planes = expected[0] * expected[1]
        let plane = inputShape[2] * inputShape[3]
        let scale = 1 / Float(plane)
        let inputGradient = Tensor(shape: inputShape) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                guard planes > 0, let dx = dx.baseAddress, let dy = dy.baseAddress else { return }
                ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: plane) { index in
                    (dx + index * plane).update(repeating: dy[index] * scale, count: plane)
                }
            }
        }
        return inputGradient
    }
}
