import DeepArcCore
import DeepArcTensor

/// The shape of one validated batch: its sample count and each layer's features per sample.
struct BatchShape {
    /// Samples in the batch (the same for every layer).
    let batchSize: Int
    /// Features per sample of each layer (product of every dimension after the first).
    let featureCounts: [Int]

    /// Checks that `batch` holds one `[b, …]` tensor per layer, all with the same `b`, and that each
    /// layer keeps the feature count it had in earlier batches.
    ///
    /// - Parameters:
    ///   - batch: one tensor per layer.
    ///   - layerCount: the number of layers the accumulator was made for.
    ///   - previous: the feature counts fixed by earlier batches, or nil before the first batch.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` naming the layer at fault.
    init(validating batch: [Tensor], layerCount: Int, previous: [Int]?) throws(DeepArcError) {
        guard batch.count == layerCount else {
            throw .invalidActivations(
                layer: nil, reason: "expected one tensor for each of \(layerCount) layers, got \(batch.count)")
        }
        var batchSize = 0
        var featureCounts: [Int] = []
        featureCounts.reserveCapacity(layerCount)
        for (layer, tensor) in batch.enumerated() {
            guard let samples = tensor.shape.first else {
                throw .invalidActivations(
                    layer: layer, reason: "got a scalar; expected a [samples, …] tensor with one row per sample")
            }
            if layer == 0 {
                batchSize = samples
            } else if samples != batchSize {
                throw .invalidActivations(
                    layer: layer,
                    reason:
                        "this batch has \(samples) samples but layer 0 has \(batchSize); every layer needs the same samples"
                )
            }
            // The tensor exists, so the product of its dimensions cannot overflow.
            let features = tensor.shape.dropFirst().reduce(1, *)
            guard features > 0 else {
                throw .invalidActivations(layer: layer, reason: "has no features per sample (shape \(tensor.shape))")
            }
            guard features <= Int(Int32.max) else {
                throw .invalidActivations(
                    layer: layer, reason: "has \(features) features per sample, more than BLAS can index (\(Int32.max))"
                )
            }
            if let previous, previous[layer] != features {
                throw .invalidActivations(
                    layer: layer,
                    reason:
                        "has \(features) features per sample (shape \(tensor.shape)) but earlier batches had \(previous[layer])"
                )
            }
            featureCounts.append(features)
        }
        self.batchSize = batchSize
        self.featureCounts = featureCounts
    }

    /// Throws when `values` (a `rows × columns` row-major block of layer `layer`, whose first row is
    /// sample `firstSample`) holds a NaN or an infinity, naming the first such sample and feature.
    static func checkFinite(
        _ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int, layer: Int, firstSample: Int
    ) throws(DeepArcError) {
        guard let base = values.baseAddress else { return }
        for row in 0..<rows {
            let start = base + row * columns
            for column in 0..<columns where !start[column].isFinite {
                let value = start[column]
                throw .invalidActivations(
                    layer: layer,
                    reason:
                        "sample \(firstSample + row), feature \(column) is \(value.isNaN ? "NaN" : "\(value)"); activations must be finite"
                )
            }
        }
    }

    /// Throws when any layer's tensor in `batch` holds a NaN or an infinity, naming the first such
    /// layer, sample (counted from `firstSample`) and feature. Layers are scanned in parallel.
    static func checkFinite(_ batch: [Tensor], featureCounts: [Int], firstSample: Int) throws(DeepArcError) {
        var bad = [Bool](repeating: false, count: batch.count)
        bad.withUnsafeMutableBufferPointer { flags in
            guard let flag = flags.baseAddress else { return }
            Parallel.forEach(batch.count) { layer in
                flag[layer] = batch[layer].withUnsafeBufferPointer { values in
                    values.contains { !$0.isFinite }
                }
            }
        }
        guard let layer = bad.firstIndex(of: true) else { return }
        let columns = featureCounts[layer]
        try batch[layer].withUnsafeBufferPointer { (values) throws(DeepArcError) in
            try checkFinite(
                values, rows: values.count / columns, columns: columns, layer: layer, firstSample: firstSample)
        }
    }
}
