public import DeepArcTensor
internal import Dispatch

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
        /// x̂ = (x − mean)·invStd, the input's shape.
        var normalized: Tensor
        /// 1/√(biased variance + ε) per channel.
        var inverseStandardDeviation: [Double]
    }

    private var cache: Cache?

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
        let normalized = cache.normalized
        guard outputGradient.shape == normalized.shape else {
            throw .shapeMismatch(
                layer: spec.diagnosticName, expected: "gradient \(normalized.shape)", actual: outputGradient.shape)
        }
        try checkParameterShapes()
        let layout = try self.layout(of: normalized)
        let updatesWeight = weight.isTrainable
        let updatesBias = bias.isTrainable
        guard needsInputGradient || updatesWeight || updatesBias else { return nil }

        // Per-channel Σg and Σg·x̂.
        var gradientSum = [Double](repeating: 0, count: channels)
        var projectionSum = [Double](repeating: 0, count: channels)
        outputGradient.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xHat in
                gradientSum.withUnsafeMutableBufferPointer { sumG in
                    projectionSum.withUnsafeMutableBufferPointer { sumGX in
                        layout.forEachChannel { channel in
                            var totalG = 0.0
                            var totalGX = 0.0
                            layout.forEachSpan(of: channel) { start, length in
                                var spanG: Float = 0
                                var spanGX: Float = 0
                                for index in start..<(start + length) {
                                    spanG += g[index]
                                    spanGX += g[index] * xHat[index]
                                }
                                totalG += Double(spanG)
                                totalGX += Double(spanGX)
                            }
                            sumG[channel] = totalG
                            sumGX[channel] = totalGX
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

        let count = Double(layout.perChannel)
        let inverseStandardDeviation = cache.inverseStandardDeviation
        let gamma = weight.value
        return Tensor(shape: normalized.shape) { dx in
            outputGradient.withUnsafeBufferPointer { g in
                normalized.withUnsafeBufferPointer { xHat in
                    gamma.withUnsafeBufferPointer { gammaValues in
                        layout.forEachChannel { channel in
                            let scale = Float(Double(gammaValues[channel]) * inverseStandardDeviation[channel])
                            let meanG = Float(gradientSum[channel] / count)
                            let meanGX = Float(projectionSum[channel] / count)
                            layout.forEachSpan(of: channel) { start, length in
                                for index in start..<(start + length) {
                                    dx[index] = scale * (g[index] - meanG - xHat[index] * meanGX)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Kernels

    private func trainingForward(_ input: Tensor, layout: ChannelLayout) -> Tensor {
        let count = Double(layout.perChannel)
        let epsilon = Double(self.epsilon)
        var means = [Double](repeating: 0, count: channels)
        var variances = [Double](repeating: 0, count: channels)
        // Two passes per channel (mean, then squared deviations) for accuracy.
        input.withUnsafeBufferPointer { x in
            means.withUnsafeMutableBufferPointer { meanOut in
                variances.withUnsafeMutableBufferPointer { varianceOut in
                    layout.forEachChannel { channel in
                        var total = 0.0
                        layout.forEachSpan(of: channel) { start, length in
                            for index in start..<(start + length) { total += Double(x[index]) }
                        }
                        let mean = total / count
                        var squares = 0.0
                        layout.forEachSpan(of: channel) { start, length in
                            for index in start..<(start + length) {
                                let deviation = Double(x[index]) - mean
                                squares += deviation * deviation
                            }
                        }
                        meanOut[channel] = mean
                        varianceOut[channel] = squares / count
                    }
                }
            }
        }
        let inverseStandardDeviation = variances.map { 1 / ($0 + epsilon).squareRoot() }

        var normalized = Tensor(zeros: input.shape)
        let (gamma, beta) = (weight.value, bias.value)
        let output = Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                normalized.withUnsafeMutableBufferPointer { xHat in
                    gamma.withUnsafeBufferPointer { gammaValues in
                        beta.withUnsafeBufferPointer { betaValues in
                            layout.forEachChannel { channel in
                                let mean = Float(means[channel])
                                let inverse = Float(inverseStandardDeviation[channel])
                                let (scale, shift) = (gammaValues[channel], betaValues[channel])
                                layout.forEachSpan(of: channel) { start, length in
                                    for index in start..<(start + length) {
                                        let value = (x[index] - mean) * inverse
                                        xHat[index] = value
                                        y[index] = scale * value + shift
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

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
        cache = Cache(normalized: normalized, inverseStandardDeviation: inverseStandardDeviation)
        return output
    }

    private func inferenceForward(_ input: Tensor, layout: ChannelLayout) -> Tensor {
        // Folded form y = a·x + b with a = γ/√(var + ε), b = β − a·mean.
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
        return Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                layout.forEachChannel { channel in
                    let (scale, shift) = (scales[channel], shifts[channel])
                    layout.forEachSpan(of: channel) { start, length in
                        for index in start..<(start + length) { y[index] = scale * x[index] + shift }
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
            withoutActuallyEscaping(body) { body in
                // Safe: every iteration reads shared inputs and writes only its own channel's
                // elements, and concurrentPerform returns after all iterations finish.
                nonisolated(unsafe) let work = body
                DispatchQueue.concurrentPerform(iterations: channels) { work($0) }
            }
        } else {
            for channel in 0..<channels { body(channel) }
        }
    }
}

extension Parameter {
    /// The value's elements widened to `Double`.
    fileprivate var scalarsInDouble: [Double] { value.scalars.map(Double.init) }
}
