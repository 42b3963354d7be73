import DeepArcTensor

extension Dataset {
    /// The mean and population standard deviation of every channel (dimension 1 of ``images``),
    /// over all items and positions, accumulated in `Double`.
    public func normalizationStatistics() -> NormalizationStatistics {
        let channels = channelCount
        let plane = images.shape.dropFirst(2).reduce(1, *)
        let items = count
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        images.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for item in 0..<items {
                for channel in 0..<channels {
                    let start = base + (item * channels + channel) * plane
                    var sum = 0.0
                    var square = 0.0
                    for offset in 0..<plane {
                        let value = Double(start[offset])
                        sum += value
                        square += value * value
                    }
                    sums[channel] += sum
                    squares[channel] += square
                }
            }
        }
        let n = Double(items * plane)
        guard n > 0 else {
            return NormalizationStatistics(
                mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
        }
        var mean = [Float](repeating: 0, count: channels)
        var std = [Float](repeating: 0, count: channels)
        for channel in 0..<channels {
            let average = sums[channel] / n
            mean[channel] = Float(average)
            std[channel] = Float(max(0, squares[channel] / n - average * average).squareRoot())
        }
        return NormalizationStatistics(mean: mean, std: std)
    }

    /// The dataset with every channel `c` mapped to `(x - mean[c]) / std[c]`.
    /// - Throws: ``DataError/invalidArgument(operation:reason:)`` when the arrays do not have one
    ///   entry per channel, or a standard deviation is not a positive finite number.
    public func normalized(mean: [Float], std: [Float]) throws(DataError) -> Dataset {
        let operation = "Dataset.normalized (\(name))"
        let channels = channelCount
        guard mean.count == channels, std.count == channels else {
            throw .invalidArgument(
                operation: operation,
                reason: "need \(channels) means and deviations, got \(mean.count) and \(std.count)")
        }
        if let bad = std.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw .invalidArgument(
                operation: operation, reason: "standard deviation \(std[bad]) of channel \(bad) is not positive")
        }
        if let bad = mean.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument(operation: operation, reason: "mean \(mean[bad]) of channel \(bad) is not finite")
        }
        let plane = images.shape.dropFirst(2).reduce(1, *)
        let items = count
        var result = self
        result.images.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for item in 0..<items {
                for channel in 0..<channels {
                    let start = base + (item * channels + channel) * plane
                    let shift = mean[channel]
                    let scale = 1 / std[channel]
                    for offset in 0..<plane { start[offset] = (start[offset] - shift) * scale }
                }
            }
        }
        return result
    }
}
