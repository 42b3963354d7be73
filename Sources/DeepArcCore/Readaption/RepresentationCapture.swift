import DeepArcNN
import DeepArcTensor

/// Batched inference-mode capture of unit outputs for a whole set of samples, written into one
/// preallocated tensor per unit (no per-batch copies kept around).
enum RepresentationCapture {
    /// The outputs of `units` (ascending or not) for every sample of `images`, and, when asked,
    /// the model's predicted class of every sample.
    ///
    /// Only the units up to the largest captured one run, unless predictions are wanted.
    /// - Throws: the model's errors for inputs of the wrong shape.
    static func capture(
        _ model: Model, images: Tensor, units: Set<Int>, batchSize: Int, wantsPredictions: Bool = false,
        startUnit: Int = 0
    ) throws -> (representations: [Int: Tensor], predictions: [Int]?) {
        let total = images.batchCount
        let lastCaptured = units.max() ?? (model.unitCount - 1)
        let end = wantsPredictions ? model.unitCount - 1 : lastCaptured
        var outputs: [Int: Tensor] = [:]
        var predictions: [Int] = []
        if wantsPredictions { predictions.reserveCapacity(total) }
        let size = max(1, batchSize)
        var start = 0
        while start < total {
            let stop = min(start + size, total)
            let batch = try images.slice(batch: start..<stop)
            let (output, captured) = try model.forward(
                batch, mode: .inference, capturing: units, startUnit: startUnit, endUnit: end)
            if wantsPredictions { predictions += output.argmaxRows() }
            for unit in units {
                guard let piece = captured[unit] else { continue }
                if outputs[unit] == nil {
                    outputs[unit] = Tensor(zeros: [total] + piece.shape.dropFirst())
                }
                let width = piece.itemCount
                piece.withUnsafeBufferPointer { source in
                    outputs[unit]?.withUnsafeMutableBufferPointer { target in
                        guard let from = source.baseAddress, let to = target.baseAddress else { return }
                        (to + start * width).update(from: from, count: source.count)
                    }
                }
            }
            start = stop
        }
        return (outputs, wantsPredictions ? predictions : nil)
    }

    /// The number of values per sample at each of `units`' outputs, measured on one sample.
    static func featureCounts(_ model: Model, sample: Tensor, units: Set<Int>) throws -> [Int: Int] {
        guard !units.isEmpty else { return [:] }
        let one = try sample.slice(batch: 0..<1)
        let (_, captured) = try model.forward(one, mode: .inference, capturing: units, endUnit: units.max())
        return captured.mapValues(\.itemCount)
    }
}
