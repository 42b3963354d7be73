public import DeepArcTensor

/// Average pooling over NCHW batches with a square window and no padding.
///
/// For an input `[N, C, H, W]` the output is `[N, C, Ho, Wo]` with `Ho = (H − size) / stride + 1`;
/// every output is the mean of its `size²` window. Backward spreads each output gradient evenly over
/// its window. The training forward pass caches only the input shape.
public final class AvgPool2D: Layer {
    // MARK: - Configuration

    /// The side of the square window.
    public let size: Int
    /// The step between neighbouring windows, on both axes.
    public let stride: Int

    private static let layerName = "avgPool"

    // MARK: - Training cache

    private var cachedInputShape: [Int]?

    // MARK: - Initialisation

    /// Creates an average-pooling layer.
    /// - Parameters:
    ///   - size: the side of the square window (> 0).
    ///   - stride: the window step (> 0).
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` (layer `avgPool`) for a value ≤ 0.
    public init(size: Int, stride: Int) throws(NNError) {
        try PoolingSupport.validate(layer: Self.layerName, size: size, stride: stride)
        self.size = size
        self.stride = stride
    }

    // MARK: - Layer

    /// `.avgPool` with this layer's window.
    public var spec: LayerSpec { .avgPool(size: size, stride: stride) }

    /// None: average pooling has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// The output shape `[N, C, Ho, Wo]` for an input shape `[N, C, H, W]`.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit.
    public func outputShape(for inputShape: [Int]) throws(NNError) -> [Int] {
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: inputShape)
        return [inputShape[0], g.channels, g.outputHeight, g.outputWidth]
    }

    /// Averages every window; in training mode remembers the input shape.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: input.shape)
        let planes = input.shape[0] * g.channels
        let scale = 1 / Float(size * size)
        let output = Tensor(shape: [input.shape[0], g.channels, g.outputHeight, g.outputWidth]) { out in
            input.withUnsafeBufferPointer { x in
                guard planes > 0, let x = x.baseAddress, let y = out.baseAddress else { return }
                ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: g.inputPlane) { plane in
                    let source = x + plane * g.inputPlane
                    let target = y + plane * g.outputPlane
                    var o = 0
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            let origin = oh * g.stride * g.width + ow * g.stride
                            var total: Float = 0
                            for i in 0..<g.kernel {
                                let row = source + origin + i * g.width
                                for j in 0..<g.kernel { total += row[j] }
                            }
                            target[o] = total * scale
                            o += 1
                        }
                    }
                }
            }
        }
        if mode == .training { cachedInputShape = input.shape }
        return output
    }

    /// Spreads each output gradient over its window, divided by `size²`.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training forward,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient` has the wrong shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let inputShape = cachedInputShape else { throw .backwardWithoutForward(layer: Self.layerName) }
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: inputShape)
        let expected = [inputShape[0], g.channels, g.outputHeight, g.outputWidth]
        try PoolingSupport.checkGradient(layer: Self.layerName, outputGradient, expected: expected)
        guard needsInputGradient else { return nil }
        let planes = inputShape[0] * g.channels
        let scale = 1 / Float(size * size)
        var inputGradient = Tensor(zeros: inputShape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                guard planes > 0, let dx = dx.baseAddress, let dy = dy.baseAddress else { return }
                ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: g.inputPlane) { plane in
                    let target = dx + plane * g.inputPlane
                    let source = dy + plane * g.outputPlane
                    var o = 0
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            let share = source[o] * scale
                            let origin = oh * g.stride * g.width + ow * g.stride
                            for i in 0..<g.kernel {
                                let row = target + origin + i * g.width
                                for j in 0..<g.kernel { row[j] += share }
                            }
                            o += 1
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
