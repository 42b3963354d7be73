public import DeepArcTensor

/// A 2-D convolution over NCHW batches: square kernel, the same stride and zero padding on both
/// axes, optional bias.
///
/// For an input `[N, C, H, W]` the output is `[N, outChannels, Ho, Wo]` with
/// `Ho = (H + 2·padding − kernel) / stride + 1` (likewise `Wo`).
///
/// ## Implementation
/// A 3×3 convolution with stride 1 and padding 1 ("same") on planes of at least 2×2 with at least
/// 8 input and output channels, and a batch large enough to win back the filter transforms, takes
/// the Winograd F(2×2, 3×3) path (Lavin & Gray 2016; see ``usesWinograd(inputShape:)`` for the
/// rule and the measurements behind it). The filters are
/// transformed once per call into 16 matrices `U[ξ]` (`outChannels × inChannels`); each core then
/// takes tasks of a few samples (at least ``winogradMinimumTaskTiles`` 2×2 output tiles), transforms
/// their 4×4 input tiles into 16 matrices `V[ξ]` (`inChannels × tiles`) in private scratch and runs
/// 16 single-threaded GEMMs `M[ξ] = U[ξ]·V[ξ]` before transforming back (bias and a fused epilogue
/// are applied there). Backward runs the adjoint maps through 16 GEMMs each: `dV[ξ] = U[ξ]ᵀ·dM[ξ]`
/// for the input gradient and `dU[ξ] += dM[ξ]·V[ξ]ᵀ` (per-core accumulators, summed and mapped back
/// by `Gᵀ·dU·G`) for the weight gradient. That is 16 multiply-adds per 2×2 output tile and channel
/// pair instead of 36.
///
/// A 1×1 input plane with a 1×1 output plane (a padded 3×3 convolution at the end of a VGG on
/// small images) is one GEMM with the single kernel tap that touches the input (im2col would
/// multiply `k²` times as many values, all but one padding).
///
/// Otherwise, a weight of at most ``sampleParallelWeightLimit`` elements (all of ResNet-20's) takes the
/// sample-parallel path: each core repeatedly takes a task of a few samples (as many as fit
/// ``taskScratchElements``), builds their im2col block in a private cache-sized buffer and runs a
/// single-threaded `sgemm` (`BLAS.withSingleThreadedCalls`); backward keeps one weight-gradient
/// accumulator per core and sums them at the end.
///
/// Larger weights take the batch-chunked path: the batch is processed in chunks of samples whose im2col matrix `[C·k·k, chunk·Ho·Wo]` (plus the
/// GEMM result `[outChannels, chunk·Ho·Wo]`) fits ``maximumScratchElements``; each chunk is one
/// large `sgemm` (`W[out, C·k·k] × columns`), followed by a transpose into NCHW. A 1×1 kernel with
/// stride 1 and no padding whose planes hold at least ``pointwiseDirectMinimumPlane`` positions skips
/// im2col and multiplies each sample's `[C, H·W]` input directly. im2col, col2im and the layout
/// transposes run in parallel over the samples of a chunk.
///
/// The training forward pass caches only its input (a copy-on-write reference, no copy); backward
/// recomputes the column matrix chunk by chunk rather than keeping it, since it is `k²` times larger
/// than the input. Scratch memory comes from a pool shared by all convolutions, so a deep network
/// keeps one warm buffer rather than one per layer.
///
/// Backward adds `dY × columnsᵀ` into the weight gradient (skipped when the weight is frozen), the
/// per-channel sums of `dY` into the bias gradient (skipped when the bias is frozen), and returns
/// `col2im(Wᵀ × dY)` when the input gradient is wanted.
///
/// ```swift
/// var generator = SeededGenerator(seed: 7)
/// let conv = try Conv2D(inChannels: 1, outChannels: 16, kernel: 3, padding: 1, generator: &generator)
/// let y = try conv.forward(x, mode: .training)            // x: [N, 1, 28, 28] → y: [N, 16, 28, 28]
/// let dx = try conv.backward(dy, needsInputGradient: true)
/// ```
public final class Conv2D: Layer {
    // MARK: - Configuration

    /// The number of input channels C.
    public let inChannels: Int
    /// The number of output channels (filters).
    public let outChannels: Int
    /// The side of the square kernel.
    public let kernelSize: Int
    /// The step between neighbouring windows, on both axes.
    public let stride: Int
    /// The zero padding added to each side of both spatial axes.
    public let padding: Int
    /// The filters, shape `[outChannels, inChannels, kernel, kernel]`, kind `.weight`.
    public let weight: Parameter
    /// The per-filter offsets, shape `[outChannels]`, kind `.bias`; `nil` when built without bias.
    public let bias: Parameter?

    /// Planes (`H·W`) at least this large take the im2col-free path for 1×1, stride-1, unpadded
    /// convolutions (one GEMM per sample); smaller ones go through the chunked path, whose GEMMs are
    /// larger.
    public static let pointwiseDirectMinimumPlane = 256

    /// The budget, in floats, for one chunk's im2col matrix plus GEMM result (default 1 Mi floats,
    /// 4 MB). Chunks that stay cache-resident measured faster than tens of MB (the GEMM reads the
    /// columns right after im2col wrote them). A single sample whose matrices exceed the budget is
    /// still processed, as a chunk of one.
    package var maximumScratchElements: Int = 1 << 20

    /// Weights with at most this many elements take the sample-parallel path (each core convolves
    /// its own few samples with single-threaded BLAS, in cache); larger ones, which every task
    /// would have to stream again, take the batch-chunked path with multi-threaded BLAS.
    package var sampleParallelWeightLimit: Int = 1 << 17

    /// The scratch budget, in floats, of one task on the sample-parallel path (512 KB: the
    /// columns and GEMM result stay in a core's L2 cache).
    package var taskScratchElements: Int = 1 << 17

    /// Whether 3×3, stride-1, padding-1 convolutions may take the Winograd F(2×2, 3×3) path when
    /// they meet the rule of ``usesWinograd(inputShape:)``; off forces the im2col paths (for
    /// comparisons and tests).
    package var winogradEnabled = true

    /// The Winograd path needs at least this many input and output channels. Measured at batch 128
    /// on 28×28 planes (2 cores, Haswell kernels): 8→8 and 8→16 run 1.2–1.4× faster than im2col,
    /// while 1→16 and 3→16 (the stems) run 1.2–1.9× slower forward: with k = 1–3 the 16 GEMMs are
    /// too thin for the tile transforms to pay off.
    package var winogradMinimumChannels = 8

    /// The Winograd path needs planes at least this high and wide. Measured at batch 128 (2 cores,
    /// Haswell kernels), Winograd against im2col: 28², 14² and 7² planes 1.4–1.6× faster (16–256
    /// channels); 4² 1.8× (512 channels); 3² from even (256→512) to 1.2× (512→512, 128→128); 2²,
    /// where one tile is exactly the plane, 1.7–2×. On 1×1 planes the 4×4 tile is mostly padding
    /// (16 products per channel pair instead of the 9 im2col computes): 512→512 ran 1.2–1.8× slower
    /// (the 64→64 case was faster only because im2col's overheads dominate there).
    package var winogradMinimumSide = 2

    /// The Winograd path needs the batch to save at least this many multiply-adds per
    /// input–output channel pair: `N·(9·H·W − 16·⌈H/2⌉·⌈W/2⌉)` (im2col's products minus the
    /// transformed domain's). Transforming the filters, and for backward zeroing, reducing and
    /// transforming back the per-core filter-gradient accumulators, cost a fixed amount per channel
    /// pair that a small batch does not win back. Measured (2 cores, Haswell kernels): 256→256 on
    /// 7² planes loses at batch 4 (740 saved), is even at batch 8 (1 480) and 1.3–1.9× faster from
    /// batch 16; 512→512 on 3² planes loses at batch 32 (544) and wins from batch 64 (1 088); on 2²
    /// planes it loses at batch 32 (640) and is 1.2–1.6× faster at batch 64 (1 280).
    package var winogradMinimumSavedProducts = 1024

    /// Whether a 1×1 input plane with a 1×1 output plane takes the single-tap path (one GEMM with
    /// the only kernel tap that touches the input, see `Conv2D+SingleTap.swift`); off forces the
    /// im2col paths (for comparisons and tests).
    package var singleTapEnabled = true

    /// The fewest GEMM columns (tiles) a Winograd task aims for.
    package var winogradMinimumTaskTiles = 128

    /// The scratch budget, in floats, of one Winograd task's transformed input and product
    /// (1 MB); a task may exceed it to reach ``winogradMinimumTaskTiles``.
    package var winogradTaskScratchElements = 1 << 18

    // MARK: - Training cache

    /// The input of the last training-mode forward pass.
    private var cachedInput: Tensor?

    private static let layerName = "conv2D"

    // MARK: - Initialisation

    /// Creates a convolution with He (Kaiming) normal weights, `std = sqrt(2 / (inChannels·kernel²))`,
    /// and a zero bias.
    /// - Parameters:
    ///   - inChannels: input channels C (> 0).
    ///   - outChannels: output channels (> 0).
    ///   - kernel: the side of the square kernel (> 0).
    ///   - stride: the window step (> 0).
    ///   - padding: zero padding per side (≥ 0).
    ///   - bias: whether the layer has a bias.
    ///   - generator: the random source for the weights.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` (layer `conv2D`) for a value out of range
    ///   or a weight too large to address.
    public init(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
        generator: inout SeededGenerator
    ) throws(NNError) {
        func invalid(_ reason: String) -> NNError { .invalidConfiguration(layer: Self.layerName, reason: reason) }
        guard inChannels > 0 else { throw invalid("inChannels must be positive, got \(inChannels)") }
        guard outChannels > 0 else { throw invalid("outChannels must be positive, got \(outChannels)") }
        guard kernel > 0 else { throw invalid("kernel must be positive, got \(kernel)") }
        guard stride > 0 else { throw invalid("stride must be positive, got \(stride)") }
        guard padding >= 0 else { throw invalid("padding must not be negative, got \(padding)") }
        // BLAS addresses matrices with 32-bit dimensions; also guards the weight allocation.
        let limit = Int(Int32.max)
        let (kernelArea, o1) = kernel.multipliedReportingOverflow(by: kernel)
        let (fanIn, o2) = kernelArea.multipliedReportingOverflow(by: inChannels)
        let (weightCount, o3) = fanIn.multipliedReportingOverflow(by: outChannels)
        guard !o1, !o2, !o3, weightCount <= limit, padding <= limit / 4 else {
            throw invalid(
                "weight [\(outChannels), \(inChannels), \(kernel), \(kernel)] with padding \(padding) is too large")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernel
        self.stride = stride
        self.padding = padding
        let standardDeviation = Float((2.0 / Double(fanIn)).squareRoot())
        self.weight = Parameter(
            Tensor.randomNormal(
                shape: [outChannels, inChannels, kernel, kernel], standardDeviation: standardDeviation,
                using: &generator),
            kind: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outChannels]), kind: .bias) : nil
    }

    // MARK: - Layer

    /// `.conv2D` with this layer's configuration.
    public var spec: LayerSpec {
        .conv2D(
            inChannels: inChannels, outChannels: outChannels, kernel: kernelSize, stride: stride, padding: padding,
            bias: bias != nil)
    }

    /// `weight`, then `bias` when present.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    /// The output shape `[N, outChannels, Ho, Wo]` for an input shape `[N, inChannels, H, W]`.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a wrong rank or channel count,
    ///   an empty spatial axis or an input smaller than the kernel (after padding).
    public func outputShape(for inputShape: [Int]) throws(NNError) -> [Int] {
        let geometry = try geometry(for: inputShape)
        return [inputShape[0], outChannels, geometry.outputHeight, geometry.outputWidth]
    }

    /// Convolves a batch `[N, inChannels, H, W]`. In training mode the input is cached for backward.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` when the input does not fit.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        try forward(input, mode: mode, epilogue: nil)
    }

    /// The forward pass, with `epilogue` (a folded batch normalisation and ReLU) applied to each
    /// task's output while it is in cache.
    func forward(_ input: Tensor, mode: ForwardMode, epilogue: ChannelEpilogue?) throws(NNError) -> Tensor {
        try checkParameterShapes(gradients: false)
        let g = try geometry(for: input.shape)
        let batch = input.shape[0]
        let outputShape = [batch, outChannels, g.outputHeight, g.outputWidth]
        do { _ = try Tensor.elementCount(of: outputShape) } catch { throw .tensor(layer: Self.layerName, error) }

        let output: Tensor
        if batch > 0 {
            output = Tensor(shape: outputShape) { out in
                input.withUnsafeBufferPointer { x in
                    weight.value.withUnsafeBufferPointer { w in
                        withOptionalPointer(bias?.value) { b in
                            // Non-empty: batch > 0 and every dimension was checked positive.
                            guard let x = x.baseAddress, let w = w.baseAddress, let y = out.baseAddress else { return }
                            forwardKernel(x: x, w: w, b: b, y: y, batch: batch, g: g, epilogue: epilogue)
                        }
                    }
                }
            }
        } else {
            output = Tensor(zeros: outputShape)
        }
        if mode == .training { cachedInput = input }
        return output
    }

    /// Back-propagates through the last training-mode forward pass (see the type's documentation).
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training forward,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient` has the wrong shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let input = cachedInput else { throw .backwardWithoutForward(layer: Self.layerName) }
        try checkParameterShapes(gradients: true)
        let g = try geometry(for: input.shape)
        let batch = input.shape[0]
        let expected = [batch, outChannels, g.outputHeight, g.outputWidth]
        guard outputGradient.shape == expected else {
            throw .shapeMismatch(layer: Self.layerName, expected: "\(expected)", actual: outputGradient.shape)
        }
        let weightTrainable = weight.isTrainable
        let biasTrainable = bias?.isTrainable ?? false

        // Bias: per-channel sums of dY over samples and positions.
        if biasTrainable, let bias, batch > 0 {
            bias.gradient.withUnsafeMutableBufferPointer { db in
                outputGradient.withUnsafeBufferPointer { dy in
                    guard let db = db.baseAddress, let dy = dy.baseAddress else { return }
                    ConvolutionKernels.accumulateChannelSums(
                        dy, samples: batch, channels: outChannels, plane: g.outputPlane, into: db)
                }
            }
        }

        guard batch > 0 else { return needsInputGradient ? Tensor(zeros: input.shape) : nil }
        // Left uninitialised: the backward kernel writes every element (it zero-fills before it
        // accumulates).
        var inputGradient: Tensor? = needsInputGradient ? Tensor(shape: input.shape) { _ in } : nil
        guard weightTrainable || needsInputGradient else { return inputGradient }

        let weightValue = weight.value
        // Move the weight gradient out of the parameter while accumulating into it (only when it
        // trains): the local then holds the only reference, so mutable access does not copy the
        // storage, and the parameter is not accessed while the pointer is live. Moved back below.
        var weightGradient = weightTrainable ? weight.gradient : Tensor(zeros: [0])
        if weightTrainable { weight.gradient = Tensor(zeros: [0]) }
        defer { if weightTrainable { weight.gradient = weightGradient } }

        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weightValue.withUnsafeBufferPointer { w in
                    weightGradient.withUnsafeMutableBufferPointer { dw in
                        withOptionalMutablePointer(&inputGradient) { dx in
                            guard let x = x.baseAddress, let dy = dy.baseAddress, let w = w.baseAddress else { return }
                            backwardKernel(
                                x: x, dy: dy, w: w, dw: weightTrainable ? dw.baseAddress : nil, dx: dx, batch: batch,
                                g: g)
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    // MARK: - Shapes

    /// Parameter values (and, for backward, trainable gradients) can be replaced from outside, for
    /// example by a checkpoint loader; the kernels read them through raw pointers, so check them.
    private func checkParameterShapes(gradients: Bool) throws(NNError) {
        let weightShape = [outChannels, inChannels, kernelSize, kernelSize]
        var problems: [(String, [Int], [Int])] = [("weight", weight.value.shape, weightShape)]
        if gradients, weight.isTrainable { problems.append(("weight gradient", weight.gradient.shape, weightShape)) }
        if let bias {
            problems.append(("bias", bias.value.shape, [outChannels]))
            if gradients, bias.isTrainable { problems.append(("bias gradient", bias.gradient.shape, [outChannels])) }
        }
        for (what, actual, expected) in problems where actual != expected {
            throw .invalidConfiguration(
                layer: Self.layerName, reason: "\(what) has shape \(actual), expected \(expected)")
        }
    }

    private func geometry(for shape: [Int]) throws(NNError) -> ConvolutionGeometry {
        let expected = "[N, \(inChannels), H, W] with H, W ≥ 1 and H + 2·\(padding), W + 2·\(padding) ≥ \(kernelSize)"
        guard shape.count == 4, shape[0] >= 0, shape[1] == inChannels,
            let geometry = ConvolutionGeometry(
                channels: inChannels, height: shape[2], width: shape[3], kernel: kernelSize, stride: stride,
                padding: padding),
            geometry.outputPlane <= Int(Int32.max), geometry.columnRows <= Int(Int32.max)
        else {
            throw .shapeMismatch(layer: Self.layerName, expected: expected, actual: shape)
        }
        return geometry
    }

    /// Whether this call takes the im2col-free 1×1 path.
    private func usesPointwiseDirect(_ g: ConvolutionGeometry) -> Bool {
        kernelSize == 1 && stride == 1 && padding == 0 && g.inputPlane >= Self.pointwiseDirectMinimumPlane
    }

    /// Whether this call takes the Winograd path: ``winogradEnabled``, a 3×3 kernel with stride 1
    /// and padding 1, at least ``winogradMinimumChannels`` input and output channels, planes of at
    /// least ``winogradMinimumSide`` on both axes, and a batch that saves at least
    /// ``winogradMinimumSavedProducts`` multiply-adds per channel pair.
    func usesWinograd(_ g: ConvolutionGeometry, batch: Int) -> Bool {
        guard
            winogradEnabled, kernelSize == 3, stride == 1, padding == 1,
            min(inChannels, outChannels) >= winogradMinimumChannels,
            min(g.height, g.width) >= winogradMinimumSide
        else { return false }
        let tiles = WinogradTransforms.tileCount(g.height) * WinogradTransforms.tileCount(g.width)
        let (saved, overflow) = batch.multipliedReportingOverflow(by: 9 * g.inputPlane - 16 * tiles)
        return overflow || saved >= winogradMinimumSavedProducts
    }

    /// Whether a call with input shape `[N, inChannels, H, W]` takes the Winograd path: the layer
    /// is 3×3 with stride 1 and padding 1, both channel counts are at least
    /// ``winogradMinimumChannels`` (8), `H` and `W` are at least ``winogradMinimumSide`` (2), the
    /// batch saves at least ``winogradMinimumSavedProducts`` (1 024) multiply-adds per channel pair
    /// — `N·(9·H·W − 16·⌈H/2⌉·⌈W/2⌉)`, for example N ≥ 1 on 28² planes, N ≥ 6 on 7², N ≥ 61 on 3² —
    /// and ``winogradEnabled`` is set. False for a shape the layer rejects.
    package func usesWinograd(inputShape: [Int]) -> Bool {
        guard let g = try? geometry(for: inputShape) else { return false }
        return usesWinograd(g, batch: inputShape[0])
    }

    /// Whether this call takes the sample-parallel path (small weight, more than one sample).
    private func usesSampleParallel(batch: Int) -> Bool {
        batch > 1 && outChannels * inChannels * kernelSize * kernelSize <= sampleParallelWeightLimit
    }

    /// How many samples go into one chunk, balanced so that chunks have nearly equal sizes.
    private func chunkSize(batch: Int, g: ConvolutionGeometry) -> Int {
        let perSample = (g.columnRows + outChannels) * g.outputPlane
        let fit = max(1, maximumScratchElements / max(perSample, 1))
        // Keep one chunk's column count addressable by 32-bit BLAS.
        let addressable = max(1, Int(Int32.max) / max(g.outputPlane, 1))
        let maximum = min(fit, addressable, batch)
        let chunks = (batch + maximum - 1) / maximum
        return (batch + chunks - 1) / chunks
    }

    // MARK: - Forward kernel

    private func forwardKernel(
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
        batch: Int, g: ConvolutionGeometry, epilogue: ChannelEpilogue?
    ) {
        let plane = g.outputPlane
        if usesSingleTap(g) {
            singleTapForward(x: x, w: w, b: b, y: y, batch: batch, epilogue: epilogue)
            return
        }
        if usesWinograd(g, batch: batch) {
            winogradForward(x: x, w: w, b: b, y: y, batch: batch, g: g, epilogue: epilogue)
            return
        }
        if usesSampleParallel(batch: batch) {
            sampleParallelForward(
                x: x, w: w, b: b, y: y, batch: batch, g: g, pointwise: usesPointwiseDirect(g), epilogue: epilogue)
            return
        }
        defer {
            if let epilogue {
                ConvolutionKernels.parallelFor(iterations: batch, workPerIteration: outChannels * plane) { n in
                    epilogue.apply(to: y + n * outChannels * plane, samples: 1, channels: outChannels, plane: plane)
                }
            }
        }
        if usesPointwiseDirect(g) {
            // y[n] = W[out, C] × x[n][C, H·W], written straight into NCHW.
            for n in 0..<batch {
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: outChannels, n: plane, k: inChannels,
                    a: w, lda: inChannels, b: x + n * g.inputSample, ldb: plane,
                    c: y + n * outChannels * plane, ldc: plane)
            }
            if let b { ConvolutionKernels.addBias(b, samples: batch, channels: outChannels, plane: plane, to: y) }
            return
        }

        let chunk = chunkSize(batch: batch, g: g)
        let rows = g.columnRows
        let columnsCount = rows * chunk * plane
        ConvolutionScratchPool.shared.withBuffer(count: columnsCount + outChannels * chunk * plane) { scratch in
            let columns = scratch
            let product = scratch + columnsCount
            var start = 0
            while start < batch {
                let count = min(chunk, batch - start)
                let width = count * plane
                ConvolutionKernels.parallelFor(iterations: count, workPerIteration: rows * plane) { j in
                    ConvolutionKernels.im2col(
                        x + (start + j) * g.inputSample, geometry: g, into: columns + j * plane, rowStride: width)
                }
                let outputStart = y + start * outChannels * plane
                if count == 1 {
                    // One sample: the GEMM result is already NCHW.
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: outChannels, n: width, k: rows,
                        a: w, lda: rows, b: columns, ldb: width, c: outputStart, ldc: width)
                    if let b {
                        ConvolutionKernels.addBias(b, samples: 1, channels: outChannels, plane: plane, to: outputStart)
                    }
                } else {
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: outChannels, n: width, k: rows,
                        a: w, lda: rows, b: columns, ldb: width, c: product, ldc: width)
                    ConvolutionKernels.scatter(
                        product, rowStride: width, samples: count, channels: outChannels, plane: plane, bias: b,
                        into: outputStart)
                }
                start += count
            }
        }
    }

    // MARK: - Backward kernel

    /// Adds the weight gradient into `dw` (when non-nil) and writes every element of the input
    /// gradient `dx` (when non-nil; its contents on entry do not matter).
    private func backwardKernel(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?, batch: Int, g: ConvolutionGeometry
    ) {
        let plane = g.outputPlane
        let rows = g.columnRows
        if usesSingleTap(g) {
            singleTapBackward(x: x, dy: dy, w: w, dw: dw, dx: dx, batch: batch)
            return
        }
        if usesWinograd(g, batch: batch) {
            winogradBackward(x: x, dy: dy, w: w, dw: dw, dx: dx, batch: batch, g: g)
            return
        }
        if usesSampleParallel(batch: batch) {
            sampleParallelBackward(
                x: x, dy: dy, w: w, dw: dw, dx: dx, batch: batch, g: g, pointwise: usesPointwiseDirect(g))
            return
        }
        if let dx { dx.update(repeating: 0, count: batch * g.inputSample) }
        if usesPointwiseDirect(g) {
            for n in 0..<batch {
                let dyn = dy + n * outChannels * plane
                if let dw {
                    // dW[out, C] += dY[n][out, HW] × x[n][C, HW]ᵀ
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: outChannels, n: inChannels, k: plane,
                        a: dyn, lda: plane, b: x + n * g.inputSample, ldb: plane, beta: 1, c: dw, ldc: inChannels)
                }
                if let dx {
                    // dx[n][C, HW] = Wᵀ[C, out] × dY[n][out, HW]
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: inChannels, n: plane, k: outChannels,
                        a: w, lda: inChannels, b: dyn, ldb: plane, c: dx + n * g.inputSample, ldc: plane)
                }
            }
            return
        }

        let chunk = chunkSize(batch: batch, g: g)
        let columnsCount = rows * chunk * plane
        ConvolutionScratchPool.shared.withBuffer(count: columnsCount + outChannels * chunk * plane) { scratch in
            let columns = scratch
            let gradientMatrix = scratch + columnsCount
            var start = 0
            while start < batch {
                let count = min(chunk, batch - start)
                let width = count * plane
                // dY of the chunk as [out, count·plane]; for one sample it already is.
                let dyMatrix: UnsafePointer<Float>
                if count == 1 {
                    dyMatrix = dy + start * outChannels * plane
                } else {
                    ConvolutionKernels.gather(
                        dy + start * outChannels * plane, samples: count, channels: outChannels, plane: plane,
                        into: gradientMatrix, rowStride: width)
                    dyMatrix = UnsafePointer(gradientMatrix)
                }
                if let dw {
                    ConvolutionKernels.parallelFor(iterations: count, workPerIteration: rows * plane) { j in
                        ConvolutionKernels.im2col(
                            x + (start + j) * g.inputSample, geometry: g, into: columns + j * plane, rowStride: width)
                    }
                    // dW[out, rows] += dY[out, width] × columns[rows, width]ᵀ
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: outChannels, n: rows, k: width,
                        a: dyMatrix, lda: width, b: columns, ldb: width, beta: 1, c: dw, ldc: rows)
                }
                if let dx {
                    // dColumns[rows, width] = Wᵀ[rows, out] × dY[out, width] (reuses the column buffer).
                    BLAS.sgemm(
                        transposeA: true, transposeB: false, m: rows, n: width, k: outChannels,
                        a: w, lda: rows, b: dyMatrix, ldb: width, c: columns, ldc: width)
                    ConvolutionKernels.parallelFor(iterations: count, workPerIteration: rows * plane) { j in
                        ConvolutionKernels.col2im(
                            columns + j * plane, rowStride: width, geometry: g, into: dx + (start + j) * g.inputSample)
                    }
                }
                start += count
            }
        }
    }
}

// MARK: - Optional buffer helpers

/// Calls `body` with a pointer to `tensor`'s values, or with `nil` when there is no tensor.
private func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { buffer in body(buffer.baseAddress) }
}

/// Calls `body` with a mutable pointer to `tensor`'s values, or with `nil` when there is no tensor.
private func withOptionalMutablePointer<R>(
    _ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> R
) -> R {
    guard var unwrapped = tensor else { return body(nil) }
    tensor = nil  // keep the storage uniquely referenced so the mutable access does not copy
    defer { tensor = unwrapped }
    return unwrapped.withUnsafeMutableBufferPointer { buffer in body(buffer.baseAddress) }
}
