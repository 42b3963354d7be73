public import DeepArcCore
public import DeepArcTensor

extension ExplicitDeviation {
    /// The `explicit` measure fitted on D: the reference representations, the fixed targets r(x).
    ///
    /// A batch must carry ``DeepArcCore/DeviationBatch/sources`` (each sample's row in the
    /// reference) and have the reference's per-sample shape.
    public struct Fitted: FittedDeviation {
        /// The distance in use.
        public let distance: Distance
        /// The reference representations `[m, …]`.
        public let reference: Tensor

        /// Creates a fitted measure.
        init(distance: Distance, reference: Tensor) {
            self.distance = distance
            self.reference = reference
        }

        /// The number of features per sample of the reference.
        public var featureCount: Int { reference.itemCount }
        /// The number of reference samples m (valid sources are `0..<m`).
        public var referenceCount: Int { reference.shape[0] }

        /// The deviation of `batch` from its sources and the gradient with respect to its representations.
        /// - Parameter batch: D′ representations with source indices.
        /// - Returns: the mean squared distance per feature, or 1 − linear CKA; the gradient has the
        ///   batch's shape.
        /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` when the batch has no sources, a
        ///   source outside `0..<m`, a per-sample shape other than the reference's, or (for `cka`)
        ///   fewer than 2 samples or no variance.
        public func deviation(of batch: DeviationBatch) throws -> DeviationValue {
            let measure = "\(ExplicitDeviation.identifier) (\(distance.rawValue))"
            try BatchCheck.matches(batch, sampleShape: BatchCheck.sampleShape(of: reference), measure: measure)
            guard let sources = batch.sources else {
                throw DeepArcError.invalidActivations(
                    layer: nil, reason: "\(measure): the batch has no source indices (the measure is paired)")
            }
            let count = referenceCount
            if let position = sources.firstIndex(where: { $0 >= count }) {
                throw DeepArcError.invalidActivations(
                    layer: nil,
                    reason:
                        "\(measure): source \(sources[position]) of batch sample \(position) is outside the "
                        + "reference's \(count) samples")
            }
            let rows = batch.sampleCount
            let columns = featureCount
            if distance == .cka, rows < 2 {
                throw DeepArcError.invalidActivations(
                    layer: nil, reason: "\(measure): linear CKA needs at least 2 pairs; the batch has \(rows)")
            }
            let targets = gatherTargets(sources)
            let result: (value: Double, gradient: [Float])
            switch distance {
            case .mse:
                result = batch.representations.withUnsafeBufferPointer { x in
                    targets.withUnsafeBufferPointer { y in Self.meanSquared(x: x, y: y, rows: rows, columns: columns) }
                }
            case .cka:
                result = try batch.representations.withUnsafeBufferPointer { x throws(DeepArcError) in
                    try targets.withUnsafeBufferPointer { y throws(DeepArcError) in
                        try LinearCKALoss.lossAndGradient(x: x, y: y, rows: rows, columns: columns)
                    }
                }
            }
            let gradient = try Tensor(shape: batch.representations.shape, scalars: result.gradient)
            return DeviationValue(value: result.value, gradient: gradient)
        }

        // MARK: - Kernels

        /// The reference rows named by `sources`, as one contiguous b × d buffer.
        private func gatherTargets(_ sources: [Int]) -> [Float] {
            let columns = featureCount
            return reference.withUnsafeBufferPointer { all in
                [Float](unsafeUninitializedCapacity: sources.count * columns) { out, initialized in
                    for (row, source) in sources.enumerated() {
                        for column in 0..<columns { out[row * columns + column] = all[source * columns + column] }
                    }
                    initialized = sources.count * columns
                }
            }
        }

        /// Mean over rows of ‖xᵢ − yᵢ‖² / d, and its gradient 2 (x − y) / (b d).
        private static func meanSquared(
            x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>, rows: Int, columns: Int
        ) -> (value: Double, gradient: [Float]) {
            let scale = 1 / (Double(rows) * Double(columns))
            var sum = 0.0
            let gradient = [Float](unsafeUninitializedCapacity: x.count) { g, initialized in
                for index in 0..<x.count {
                    let difference = Double(x[index]) - Double(y[index])
                    sum += difference * difference
                    g[index] = Float(2 * scale * difference)
                }
                initialized = x.count
            }
            return (sum * scale, gradient)
        }
    }
}
