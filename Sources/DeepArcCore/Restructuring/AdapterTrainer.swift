import DeepArcNN
import DeepArcTensor

/// Trains one sewing adapter on its own by mean squared error: inputs are what the restructured
/// model feeds the adapter, targets what the removed span produced in the original model. Only the
/// adapter's parameters change; nothing else is touched.
///
/// After the last step, batch-normalisation layers inside the adapter get the exact statistics of
/// the samples (mean and unbiased variance of their input over all samples), so the adapter in
/// inference mode is the function it was trained to be rather than one lagging behind on running
/// averages.
struct AdapterTrainer {
    /// What training achieved.
    struct Outcome {
        /// MSE with the initial weights (inference mode).
        var lossBefore: Double
        /// MSE after training and calibration (inference mode).
        var lossAfter: Double
        /// Optimizer steps taken.
        var steps: Int
        /// The mean square of the targets.
        var targetMeanSquare: Double
    }

    var options: RestructuringOptions

    /// Trains `adapter` to map `inputs` to `targets` (same sample count).
    /// - Throws: ``RestructuringError/invalidSamples(reason:)`` for fewer than two samples or
    ///   mismatched counts, `NNError.nonFiniteLoss` when training diverges, the layer's errors.
    func train(_ adapter: any Layer, inputs: Tensor, targets: Tensor, seed: UInt64, name: String) throws -> Outcome {
        let count = inputs.batchCount
        guard count >= 2 else {
            throw RestructuringError.invalidSamples(reason: "sewing \(name) needs at least 2 samples, got \(count)")
        }
        guard targets.batchCount == count else {
            throw RestructuringError.invalidSamples(
                reason: "sewing \(name): \(count) inputs but \(targets.batchCount) targets")
        }
        let lossBefore = try meanSquaredError(adapter, inputs: inputs, targets: targets)
        let parameters = adapter.parameters.filter(\.receivesUpdates)
        let optimizer: any Optimizer =
            switch options.sewOptimizer {
            case .adam: try Adam(learningRate: options.sewLearningRate)
            case .sgd: try SGD(learningRate: options.sewLearningRate, momentum: 0.9)
            }
        var generator = SeededGenerator(seed: seed)
        let batchSize = min(max(options.sewBatchSize, 2), count)
        var steps = 0
        for epoch in 0..<options.sewEpochs {
            var order = Array(0..<count)
            order.seededShuffle(using: &generator)
            var start = 0
            // A final batch of one sample is dropped: batch normalisation needs two values per channel.
            while count - start >= 2 {
                let end = min(start + batchSize, count)
                let indices = Array(order[start..<end])
                let output = try adapter.forward(try inputs.gather(batch: indices), mode: .training)
                let (loss, gradient) = try Self.squaredError(output, try targets.gather(batch: indices), gradient: true)
                guard loss.isFinite else { throw NNError.nonFiniteLoss(epoch: epoch + 1, step: steps) }
                for parameter in parameters { parameter.zeroGradient() }
                _ = try adapter.backward(gradient ?? output, needsInputGradient: false)
                optimizer.step(parameters)
                steps += 1
                start = end
            }
        }
        try calibrateBatchNorm(adapter, inputs: inputs)
        let lossAfter = try meanSquaredError(adapter, inputs: inputs, targets: targets)
        guard lossAfter.isFinite else { throw NNError.nonFiniteLoss(epoch: options.sewEpochs, step: steps) }
        return Outcome(
            lossBefore: lossBefore, lossAfter: lossAfter, steps: steps,
            targetMeanSquare: targets.squaredNorm() / Double(max(targets.count, 1)))
    }

    // MARK: - Loss

    /// The mean over all elements of (layer(x) − t)², in inference mode and in batches.
    func meanSquaredError(_ layer: any Layer, inputs: Tensor, targets: Tensor) throws -> Double {
        var total = 0.0
        var elements = 0
        var start = 0
        let size = max(options.batchSize, 1)
        while start < inputs.batchCount {
            let end = min(start + size, inputs.batchCount)
            let output = try layer.forward(try inputs.slice(batch: start..<end), mode: .inference)
            let target = try targets.slice(batch: start..<end)
            let (mean, _) = try Self.squaredError(output, target, gradient: false)
            total += mean * Double(target.count)
            elements += target.count
            start = end
        }
        return elements == 0 ? 0 : total / Double(elements)
    }

    /// The mean squared error of `output` against `target` and, when asked, its gradient
    /// 2(output − target)/count with respect to `output`.
    static func squaredError(_ output: Tensor, _ target: Tensor, gradient: Bool) throws -> (Double, Tensor?) {
        guard output.shape == target.shape else {
            throw RestructuringError.invalidSamples(
                reason: "adapter output of shape \(output.shape) does not match the target's \(target.shape)")
        }
        let count = output.count
        guard count > 0 else { return (0, gradient ? output : nil) }
        var difference = output
        var sum = 0.0
        let scale = Float(2) / Float(count)
        difference.withUnsafeMutableBufferPointer { d in
            target.withUnsafeBufferPointer { t in
                var partial: Float = 0
                for index in 0..<d.count {
                    let delta = d[index] - t[index]
                    partial += delta * delta
                    d[index] = delta * scale
                    if index & 4095 == 4095 {
                        sum += Double(partial)
                        partial = 0
                    }
                }
                sum += Double(partial)
            }
        }
        return (sum / Double(count), gradient ? difference : nil)
    }

    // MARK: - Batch-normalisation statistics

    /// Sets every batch-normalisation layer of `layer` (a ``BatchNorm`` or a ``Sequential`` of
    /// layers) to the mean and unbiased variance of its input over `inputs`.
    func calibrateBatchNorm(_ layer: any Layer, inputs: Tensor) throws {
        let children: [any Layer]
        if let sequential = layer as? Sequential {
            children = sequential.layers
        } else {
            children = [layer]
        }
        guard children.contains(where: { $0 is BatchNorm }) else { return }
        var current = inputs
        for child in children {
            if let norm = child as? BatchNorm {
                let (mean, variance) = try Self.channelStatistics(current, channels: norm.channels)
                norm.runningMean.value = mean
                norm.runningVariance.value = variance
            }
            current = try forwardInBatches(child, current)
        }
    }

    private func forwardInBatches(_ layer: any Layer, _ input: Tensor) throws -> Tensor {
        var parts: [Tensor] = []
        var start = 0
        let size = max(options.batchSize, 1)
        while start < input.batchCount {
            let end = min(start + size, input.batchCount)
            parts.append(try layer.forward(try input.slice(batch: start..<end), mode: .inference))
            start = end
        }
        return try Tensor.concatenate(batches: parts)
    }

    /// Per-channel mean and unbiased variance of `[N, C]` or `[N, C, H, W]` (accumulated in `Double`).
    static func channelStatistics(_ tensor: Tensor, channels: Int) throws -> (mean: Tensor, variance: Tensor) {
        guard tensor.rank == 2 || tensor.rank == 4, tensor.shape[1] == channels else {
            throw RestructuringError.invalidSamples(
                reason: "batch normalisation over \(channels) channels cannot take shape \(tensor.shape)")
        }
        let batch = tensor.shape[0]
        let plane = tensor.rank == 4 ? tensor.shape[2] * tensor.shape[3] : 1
        let n = batch * plane
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        tensor.withUnsafeBufferPointer { values in
            sums.withUnsafeMutableBufferPointer { sum in
                squares.withUnsafeMutableBufferPointer { square in
                    for sample in 0..<batch {
                        for channel in 0..<channels {
                            let start = (sample * channels + channel) * plane
                            var s = 0.0
                            for index in start..<(start + plane) { s += Double(values[index]) }
                            sum[channel] += s
                        }
                    }
                    for channel in 0..<channels { sum[channel] /= Double(max(n, 1)) }
                    for sample in 0..<batch {
                        for channel in 0..<channels {
                            let start = (sample * channels + channel) * plane
                            let mean = sum[channel]
                            var s = 0.0
                            for index in start..<(start + plane) {
                                let delta = Double(values[index]) - mean
                                s += delta * delta
                            }
                            square[channel] += s
                        }
                    }
                }
            }
        }
        let mean = try Tensor(shape: [channels], scalars: sums.map { Float($0) })
        let variance = try Tensor(
            shape: [channels], scalars: squares.map { Float(n > 1 ? $0 / Double(n - 1) : 0) })
        return (mean, variance)
    }
}
