public import DeepArcTensor

/// Max pooling over NCHW batches with a square window and no padding.
///
/// For an input `[N, C, H, W]` the output is `[N, C, Ho, Wo]` with `Ho = (H − size) / stride + 1`
/// (rows and columns that no window reaches are ignored). Backward routes each output gradient to
/// the position of its window's maximum — the first one in row-major order on ties; a NaN in a
/// window counts as its maximum, so NaNs propagate. The training forward pass caches those argmax
/// positions (one `Int32` per output element); inference caches nothing.
public final class MaxPool2D: Layer {
    // MARK: - Configuration

    /// The side of the square window.
    public let size: Int
    /// The step between neighbouring windows, on both axes.
    public let stride: Int

    private static let layerName = "maxPool"

    // MARK: - Training cache

    private var cachedInputShape: [Int]?
    /// For every output element, the index of its maximum within its input plane (H·W).
    private var cachedArgmax: [Int32] = []

    // MARK: - Initialisation

    /// Creates a max-pooling layer.
    /// - Parameters:
    ///   - size: the side of the square window (> 0).
    ///   - stride: the window step (> 0).
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` (layer `maxPool`) for a value ≤ 0.
    public init(size: Int, stride: Int) throws(NNError) {
        try PoolingSupport.validate(layer: Self.layerName, size: size, stride: stride)
        self.size = size
        self.stride = stride
    }

    // MARK: - Layer

    /// `.maxPool` with this layer's window.
    public var spec: LayerSpec { .maxPool(size: size, stride: stride) }

    /// None: max pooling has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// The output shape `[N, C, Ho, Wo]` for an input shape `[N, C, H, W]`.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit.
    public func outputShape(for inputShape: [Int]) throws(NNError) -> [Int] {
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: inputShape)
        return [inputShape[0], g.channels, g.outputHeight, g.outputWidth]
    }

    /// Takes the maximum of every window; in training mode remembers where each maximum was.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: input.shape)
        let planes = input.shape[0] * g.channels
        let outputShape = [input.shape[0], g.channels, g.outputHeight, g.outputWidth]
        let outputCount = planes * g.outputPlane
        let training = mode == .training
        if training, cachedArgmax.count != outputCount {
            cachedArgmax = []  // release the old cache before allocating the new one
            cachedArgmax = [Int32](repeating: 0, count: outputCount)
        }
        let output = Tensor(shape: outputShape) { out in
            input.withUnsafeBufferPointer { x in
                cachedArgmax.withUnsafeMutableBufferPointer { argmax in
                    guard planes > 0, let x = x.baseAddress, let y = out.baseAddress else { return }
                    let indices = training ? argmax.baseAddress : nil
                    ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: g.inputPlane) { plane in
                        Self.maxPlane(
                            x + plane * g.inputPlane, geometry: g, into: y + plane * g.outputPlane,
                            argmax: indices.map { $0 + plane * g.outputPlane })
                    }
                }
            }
        }
        if training { cachedInputShape = input.shape }
        return output
    }

    /// Routes each output gradient to its window's maximum (gradients of overlapping windows add up).
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training forward,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient` has the wrong shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let inputShape = cachedInputShape else { throw .backwardWithoutForward(layer: Self.layerName) }
        let g = try PoolingSupport.geometry(layer: Self.layerName, size: size, stride: stride, shape: inputShape)
        let expected = [inputShape[0], g.channels, g.outputHeight, g.outputWidth]
        try PoolingSupport.checkGradient(layer: Self.layerName, outputGradient, expected: expected)
        guard needsInputGradient else { return nil }
        let planes = inputShape[0] * g.channels
        var inputGradient = Tensor(zeros: inputShape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                cachedArgmax.withUnsafeBufferPointer { argmax in
                    guard planes > 0, let dx = dx.baseAddress, let dy = dy.baseAddress,
                        let argmax = argmax.baseAddress
                    else { return }
                    ConvolutionKernels.parallelFor(iterations: planes, workPerIteration: g.outputPlane) { plane in
                        let target = dx + plane * g.inputPlane
                        let source = dy + plane * g.outputPlane
                        let indices = argmax + plane * g.outputPlane
                        for o in 0..<g.outputPlane { target[Int(indices[o])] += source[o] }
                    }
                }
            }
        }
        return inputGradient
    }

    // MARK: - Kernel

    private static func maxPlane(
        _ x: UnsafePointer<Float>, geometry g: ConvolutionGeometry, into y: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>?
    ) {
        if g.kernel == 2, g.stride == 2 {
            maxPlane2x2(x, geometry: g, into: y, argmax: argmax)
            return
        }
        let k = g.kernel, s = g.stride, width = g.width
        var o = 0
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                let origin = oh * s * width + ow * s
                var best = x[origin]
                var bestIndex = origin
                for i in 0..<k {
                    let row = origin + i * width
                    for j in 0..<k {
                        let value = x[row + j]
                        if Self.replaces(best, with: value) {
                            best = value
                            bestIndex = row + j
                        }
                    }
                }
                y[o] = best
                argmax?[o] = Int32(truncatingIfNeeded: bestIndex)
                o += 1
            }
        }
    }

    /// Whether a window's later candidate `value` replaces the maximum so far: strictly greater keeps
    /// the first maximum; the first NaN wins and stays. (The 2×2 kernel's vector merge is this rule
    /// lane by lane.)
    @inline(__always)
    private static func replaces(_ best: Float, with value: Float) -> Bool {
        value > best || (value.isNaN && !best.isNaN)
    }

    /// ``maxPlane(_:geometry:into:argmax:)`` for 2×2 windows with stride 2, four outputs at a time:
    /// the candidates are taken in the same order — (0, 0), (0, 1), (1, 0), (1, 1) — with the same
    /// rule (strictly greater replaces; a NaN replaces a number and then stays), so the values and
    /// indices are those of the general loop.
    private static func maxPlane2x2(
        _ x: UnsafePointer<Float>, geometry g: ConvolutionGeometry, into y: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>?
    ) {
        let width = g.width, outputWidth = g.outputWidth
        let lanes = SIMD4<Int32>(0, 2, 4, 6)
        @inline(__always) func merge(
            _ best: inout SIMD4<Float>, _ index: inout SIMD4<Int32>, _ value: SIMD4<Float>, _ at: SIMD4<Int32>
        ) {
            let take = (value .> best) .| ((value .!= value) .& (best .== best))
            best.replace(with: value, where: take)
            index.replace(with: at, where: take)
        }
        for oh in 0..<g.outputHeight {
            let top = oh * 2 * width
            let rowTop = x + top, rowBottom = x + top + width
            let out = y + oh * outputWidth
            var ow = 0
            while ow + 4 <= outputWidth {
                let column = 2 * ow
                let upper = UnsafeRawPointer(rowTop + column).loadUnaligned(as: SIMD8<Float>.self)
                let lower = UnsafeRawPointer(rowBottom + column).loadUnaligned(as: SIMD8<Float>.self)
                let origin = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: top + column)) &+ lanes
                var best = upper.evenHalf
                var index = origin
                merge(&best, &index, upper.oddHalf, origin &+ 1)
                merge(&best, &index, lower.evenHalf, origin &+ Int32(truncatingIfNeeded: width))
                merge(&best, &index, lower.oddHalf, origin &+ Int32(truncatingIfNeeded: width + 1))
                UnsafeMutableRawPointer(out + ow).storeBytes(of: best, as: SIMD4<Float>.self)
                if let argmax {
                    UnsafeMutableRawPointer(argmax + oh * outputWidth + ow).storeBytes(of: index, as: SIMD4<Int32>.self)
                }
                ow += 4
            }
            while ow < outputWidth {
                let origin = top + 2 * ow
                var best = x[origin]
                var bestIndex = origin
                @inline(__always) func consider(_ candidate: Int) {
                    let value = x[candidate]
                    if Self.replaces(best, with: value) {
                        best = value
                        bestIndex = candidate
                    }
                }
                consider(origin + 1)
                consider(origin + width)
                consider(origin + width + 1)
                out[ow] = best
                argmax?[oh * outputWidth + ow] = Int32(truncatingIfNeeded: bestIndex)
                ow += 1
            }
        }
    }
}
