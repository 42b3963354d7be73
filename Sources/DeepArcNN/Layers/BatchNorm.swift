public import DeepArcTensor

/// Batch normalisation over the channel axis of [N, C, H, W] (statistics over N·H·W) or the
/// features of [N, C] (statistics over N), with PyTorch's semantics.
///
/// In training mode the batch mean and biased variance normalise the batch, and the running
/// statistics move towards the batch's mean and *unbiased* variance:
/// running = (1 − momentum)·running + momentum·batch. In inference mode the running statistics
/// normalise. y = γ·x̂ + β with γ = ``weight`` (starts at 1) and β = ``bias`` (starts at 0).
/// Per-channel sums are accumulated in `Double`.
public final class BatchNorm: Layer {
    // MARK: - Configuration and parameters

    /// The number of channels (features) C.
    public let channels: Int
    /// PyTorch's momentum of the running statistics' update.
    public let momentum: Float
    /// Added to the variance before its square root.
    public let epsilon: Float
    /// The scale γ, shape [C], kind ``Parameter/Kind/normalization``.
    public let weight: Parameter
    /// The shift β, shape [C], kind ``Parameter/Kind/normalization``.
    public let bias: Parameter
    /// The running mean, shape [C], kind ``Parameter/Kind/runningStatistic``.
    public let runningMean: Parameter
    /// The running (unbiased) variance, shape [C], kind ``Parameter/Kind/runningStatistic``.
    public let runningVariance: Parameter

    /// What the last training-mode forward pass leaves for backward.
    private struct Cache {
        /// The input (a copy-on-write reference; x̂ is recomputed from it in backward).
        var input: Tensor
        /// The batch mean per channel.
        var mean: [Float]
        /// 1/√(biased variance + ε) per channel.
        var inverseStandardDeviation: [Float]
        /// Whether the pass normalised with the running statistics (constants for backward).
        var fixedStatistics: Bool
    }

    private var cache: Cache?

    /// When true, a training-mode pass normalises with the running statistics, exactly as inference
    /// does, and leaves them unchanged; backward treats them as constants (dx = γ·invStd·g,
    /// dγ += Σ g·x̂, dβ += Σ g). Default false. Set it on the units of a model that stay frozen
    /// while others train (``Model/setUsesRunningStatistics(_:units:)``): a frozen unit then computes
    /// in training what it computes at inference, so its normalisation cannot silently adapt to the
    /// changed inputs that the trained units send it and then fall back to the old statistics at
    /// inference.
    public var usesRunningStatistics = false

    /// Creates a batch-normalisation layer with γ = 1, β = 0, running mean 0 and running variance 1.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` for non-positive `channels`,
    ///   `momentum` outside [0, 1] or a non-positive `epsilon`.
    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) throws(NNError) {
        let name = LayerSpec.batchNorm(channels: channels, momentum: momentum, epsilon: epsilon).diagnosticName
        guard channels > 0 else {
            throw .invalidConfiguration(layer: name, reason: "channels must be positive, got \(channels)")
        }
        guard momentum >= 0, momentum <= 1 else {
            throw .invalidConfiguration(layer: name, reason: "momentum must be in [0, 1], got \(momentum)")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw .invalidConfiguration(layer: name, reason: "epsilon must be positive and finite, got \(epsilon)")
        }
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(Tensor(repeating: 1, shape: [channels]), kind: .normalization)
        bias = Parameter(Tensor(zeros: [channels]), kind: .normalization)
        runningMean = Parameter(Tensor(zeros: [channels]), kind: .runningStatistic)
        runningVariance = Parameter(Tensor(repeating: 1, shape: [channels]), kind: .runningStatistic)
    }

    // MARK: - Layer

    /// `.batchNorm(channels:momentum:epsilon:)`.
    public var spec: LayerSpec { .batchNorm(channels: channels, momentum: momentum, epsilon: epsilon) }

    /// `weight`, `bias`, `runningMean`, `runningVariance`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias), ("runningMean", runningMean), ("runningVariance", runningVariance)]
    }

    /// Normalises `input` ([N, C] or [N, C, H, W]) with batch statistics (training, which also
    /// updates the running statistics) or running statistics (inference).
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for another shape, or in training
    ///   when a channel has fewer than two values (N·H·W < 2), whose variance is undefined.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        let layout = try self.layout(of: input)
        try checkParameterShapes()
        switch mode {
        case .inference:
            return inferenceForward(input, layout: layout)
        case .training:
            if usesRunningStatistics { return fixedStatisticsForward(input, layout: layout) }
            guard layout.perChannel >= 2 else {
                throw .shapeMismatch(
                    layer: spec.diagnosticName,
                    expected: "more than one value per channel in training (N·H·W ≥ 2)", actual: input.shape)
            }
            return trainingForward(input, layout: layout)
        }
    }

    /// Back-propagates through the last training pass with the exact batch-normalisation gradient:
    /// dγ += Σ g·x̂, dβ += Σ g, dx = γ·invStd·(g − mean(g) − x̂·mean(g·x̂)) per channel.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training pass,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient`'s shape differs from the input's.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let cache else { throw .backwardWithoutForward(layer: spec.diagnosticName) }
        let input = cache.input
        guard outputGradient.shape == input.shape else {
            throw .shapeMismatch(
                layer: spec.diagnosticName, expected: "gradient \(input.shape)", actual: outputGradient.shape)
        }
        try checkParameterShapes()
        let layout = try self.layout(of: input)
        let updatesWeight = weight.isTrainable
        let updatesBias = bias.isTrainable
        guard needsInputGradient || updatesWeight || updatesBias else { return nil }

        // Per-channel Σg and Σg·x̂ = invStd·Σg·(x − mean).
        let means = cache.mean
        let inverse = cache.inverseStandardDeviation
        var gradientSum = [Double](repeating: 0, count: channels)
        var projectionSum = [Double](repeating: 0, count: channels)
        outputGradient.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                gradientSum.withUnsafeMutableBufferPointer { sumG in
                    projectionSum.withUnsafeMutableBufferPointer { sumGX in
                        guard let g = g.baseAddress, let x = x.baseAddress else { return }
                        layout.forEachChannel { channel in
                            var totalG = 0.0
                            var totalGX = 0.0
                            let mean = means[channel]
                            layout.forEachSpan(of: channel) { start, length in
                                let (spanG, spanGX) = VectorKernels.gradientSums(
                                    g + start, x + start, count: length, mean: mean)
                                totalG += Double(spanG)
                                totalGX += Double(spanGX)
                            }
                            sumG[channel] = totalG
                            sumGX[channel] = totalGX * Double(inverse[channel])
                        }
                    }
                }
            }
        }
        if updatesWeight {
            weight.gradient.withUnsafeMutableBufferPointer { dGamma in
                for channel in 0..<channels { dGamma[channel] += Float(projectionSum[channel]) }
            }
        }
        if updatesBias {
            bias.gradient.withUnsafeMutableBufferPointer { dBeta in
                for channel in 0..<channels { dBeta[channel] += Float(gradientSum[channel]) }
            }
        }
        guard needsInputGradient else { return nil }

        // dx = s·(g − mean(g) − x̂·mean(g·x̂)) with s = γ·invStd and x̂ = (x − μ)·invStd,
        // i.e. dx = s·g + c·x + d per channel; with fixed statistics, μ and invStd are constants and
        // dx = s·g (c = d = 0).
        let fixed = cache.fixedStatistics
        let count = Double(layout.perChannel)
        var gScale = [Float](repeating: 0, count: channels)
        var xScale = [Float](repeating: 0, count: channels)
        var offset = [Float](repeating: 0, count: channels)
        weight.value.withUnsafeBufferPointer { gamma in
            for channel in 0..<channels {
                let invStd = Double(inverse[channel])
                let scale = Double(gamma[channel]) * invStd
                let meanG = gradientSum[channel] / count
                let meanGX = projectionSum[channel] / count
                gScale[channel] = Float(scale)
                guard !fixed else { continue }
                let c = -scale * meanGX * invStd
                xScale[channel] = Float(c)
                offset[channel] = Float(-scale * meanG - c * Double(means[channel]))
            }
        }
        return Tensor(shape: input.shape) { dx in
            outputGradient.withUnsafeBufferPointer { g in
                input.withUnsafeBufferPointer { x in
                    guard let g = g.baseAddress, let x = x.baseAddress, let dx = dx.baseAddress else { return }
                    layout.forEachChannel { channel in
                        let (a, c, d) = (gScale[channel], xScale[channel], offset[channel])
                        layout.forEachSpan(of: channel) { start, length in
                            VectorKernels.affine2(g + start, x + start, a: a, c: c, d: d, into: dx + start, count: length)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Kernels

    private func trainingForward(_ input: Tensor, layout: ChannelLayout) -> Tensor {
        let count = Double(layout.perChannel)
        var means = [Double](repeating: 0, count: channels)
        var variances = [Double](repeating: 0, count: channels)
        // Two passes per channel (mean, then squared deviations) for accuracy; Float lanes within
        // a span, Double across spans.
        input.withUnsafeBufferPointer { x in
            means.withUnsafeMutableBufferPointer { meanOut in
                variances.withUnsafeMutableBufferPointer { varianceOut in
                    guard let x = x.baseAddress else { return }
                    layout.forEachChannel { channel in
                        var total = 0.0
                        layout.forEachSpan(of: channel) { start, length in
                            total += Double(VectorKernels.sum(x + start, count: length))
                        }
                        let mean = total / count
                        var squares = 0.0
                        let meanFloat = Float(mean)
                        layout.forEachSpan(of: channel) { start, length in
                            squares += Double(VectorKernels.squaredDeviationSum(x + start, count: length, mean: meanFloat))
                        }
                        // Correct for the rounding of the mean to Float: Σ(x − m)² = Σ(x − m')² − n·(m − m')².
                        let shift = mean - Double(meanFloat)
                        meanOut[channel] = mean
                        varianceOut[channel] = max(0, squares / count - shift * shift)
                    }
                }
            }
        }
        let inverseStandardDeviation = variances.map { 1 / ($0 + Double(epsilon)).squareRoot() }

        var scales = [Float](repeating: 0, count: channels)
        var shifts = [Float](repeating: 0, count: channels)
        weight.value.withUnsafeBufferPointer { gamma in
            bias.value.withUnsafeBufferPointer { beta in
                for channel in 0..<channels {
                    let scale = Double(gamma[channel]) * inverseStandardDeviation[channel]
                    scales[channel] = Float(scale)
                    shifts[channel] = Float(Double(beta[channel]) - scale * means[channel])
                }
            }
        }
        let output = applyAffine(input, scales: scales, shifts: shifts, layout: layout)

        // Running statistics: PyTorch momentum, unbiased variance.
        let rate = Double(momentum)
        let correction = count / (count - 1)
        runningMean.value.withUnsafeMutableBufferPointer { running in
            for channel in 0..<channels {
                running[channel] = Float((1 - rate) * Double(running[channel]) + rate * means[channel])
            }
        }
        runningVariance.value.withUnsafeMutableBufferPointer { running in
            for channel in 0..<channels {
                running[channel] = Float(
                    (1 - rate) * Double(running[channel]) + rate * variances[channel] * correction)
            }
        }
        cache = Cache(
            input: input, mean: means.map { Float($0) }, inverseStandardDeviation: inverseStandardDeviation.map { Float($0) },
            fixedStatistics: false)
        return output
    }

    /// A training pass with the running statistics: the inference map, cached for backward.
    private func fixedStatisticsForward(_ input: Tensor, layout: ChannelLayout) -> Tensor {
        let epsilon = Double(self.epsilon)
        cache = Cache(
            input: input, mean: runningMean.value.scalars,
            inverseStandardDeviation: runningVariance.scalarsInDouble.map { Float(1 / ($0 + epsilon).squareRoot()) },
            fixedStatistics: true)
        return inferenceForward(input, layout: layout)
    }

    private func inferenceForward(_ input: Tensor, layout: ChannelLayout) -> Tensor {
        let (scales, shifts) = inferenceAffine()
        return applyAffine(input, scales: scales, shifts: shifts, layout: layout)
    }

    /// The inference map in folded form y = a·x + b with a = γ/√(var + ε), b = β − a·mean.
    private func inferenceAffine() -> (scales: [Float], shifts: [Float]) {
        var scales = [Float](repeating: 0, count: channels)
        var shifts = [Float](repeating: 0, count: channels)
        let epsilon = Double(self.epsilon)
        let (gamma, beta, mean, variance) = (
            weight.scalarsInDouble, bias.scalarsInDouble, runningMean.scalarsInDouble,
            runningVariance.scalarsInDouble
        )
        for channel in 0..<channels {
            let scale = gamma[channel] / (variance[channel] + epsilon).squareRoot()
            scales[channel] = Float(scale)
            shifts[channel] = Float(beta[channel] - scale * mean[channel])
        }
        return (scales, shifts)
    }

    /// This layer's inference map (followed by a ReLU when `relu` is set) as an epilogue for the
    /// convolution before it, or `nil` when a parameter has been replaced by one of another shape
    /// (the unfused forward then reports it).
    func inferenceEpilogue(relu: Bool) -> ChannelEpilogue? {
        guard (try? checkParameterShapes()) != nil else { return nil }
        let (scales, shifts) = inferenceAffine()
        return ChannelEpilogue(scales: scales, shifts: shifts, relu: relu)
    }

    /// y = scales[c]·x + shifts[c] per channel.
    private func applyAffine(_ input: Tensor, scales: [Float], shifts: [Float], layout: ChannelLayout) -> Tensor {
        Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                guard let x = x.baseAddress, let y = y.baseAddress else { return }
                layout.forEachChannel { channel in
                    let (scale, shift) = (scales[channel], shifts[channel])
                    layout.forEachSpan(of: channel) { start, length in
                        VectorKernels.affine(x + start, scale: scale, shift: shift, into: y + start, count: length)
                    }
                }
            }
        }
    }

    // MARK: - Checks

    private func layout(of input: Tensor) throws(NNError) -> ChannelLayout {
        guard (input.rank == 2 || input.rank == 4), input.shape[1] == channels else {
            throw .shapeMismatch(
                layer: spec.diagnosticName, expected: "[N, \(channels)] or [N, \(channels), H, W]", actual: input.shape)
        }
        let spatial = input.rank == 4 ? input.shape[2] * input.shape[3] : 1
        return ChannelLayout(batch: input.shape[0], channels: channels, spatial: spatial)
    }

    /// Guards the kernels against parameter tensors replaced with a different shape.
    private func checkParameterShapes() throws(NNError) {
        for (name, parameter) in namedParameters
        where parameter.value.shape != [channels] || parameter.gradient.shape != [channels] {
            throw .invalidConfiguration(
                layer: spec.diagnosticName, reason: "\(name) has shape \(parameter.value.shape), expected [\(channels)]"
            )
        }
    }
}

// MARK: - Channel layout

/// Where a channel's values lie in an [N, C, spatial] buffer: N contiguous spans of `spatial` values.
private struct ChannelLayout {
    let batch: Int
    let channels: Int
    let spatial: Int

    /// Values per channel (N·H·W).
    var perChannel: Int { batch * spatial }

    /// Calls `body(start, length)` for each contiguous span of `channel`.
    @inline(__always)
    func forEachSpan(of channel: Int, _ body: (Int, Int) -> Void) {
        for sample in 0..<batch { body((sample * channels + channel) * spatial, spatial) }
    }

    /// Calls `body` once per channel, on several threads when the tensor is large enough to pay.
    func forEachChannel(_ body: (Int) -> Void) {
        if channels > 1, batch * channels * spatial >= 1 << 16 {
            // Every iteration reads shared inputs and writes only its own channel's elements.
            ParallelLoop.forEach(iterations: channels, body)
        } else {
            for channel in 0..<channels { body(channel) }
        }
    }
}

extension Parameter {
    /// The value's elements widened to `Double`.
    fileprivate var scalarsInDouble: [Double] { value.scalars.map(Double.init) }
}
