public import DeepArcCore
import DeepArcTensor

extension GaussianDeviation {
    /// The `gaussian` measure fitted on D: one ``ClassGaussian`` per class, and the reduction.
    ///
    /// A batch must carry ``DeepArcCore/DeviationBatch/labels`` (each of them a fitted class) and have
    /// the reference's per-sample shape.
    public struct Fitted: FittedDeviation {
        /// The Gaussians, by label.
        public let classes: [Int: ClassGaussian]
        /// The features per sample of the reference.
        public let featureCount: Int
        /// The reference's per-sample shape, which batches must have.
        public let sampleShape: [Int]
        let reduction: RepresentationReduction

        /// The reduced dimensions k.
        public var dimensions: Int { reduction.dimensions }
        /// The fitted labels, ascending.
        public var labels: [Int] { classes.keys.sorted() }

        /// Fits the Gaussians (see ``GaussianDeviation/fitGaussians(_:)``).
        init(options: Options, reference: ReferenceRepresentations) throws(DeepArcError) {
            let measure = GaussianDeviation.identifier
            guard let labels = reference.labels else {
                throw .invalidActivations(
                    layer: nil,
                    reason: "\(measure): the reference has no labels (the measure fits one Gaussian per class)")
            }
            let sampleShape = BatchCheck.sampleShape(of: reference.representations)
            let reduction = try RepresentationReduction(options: options, sampleShape: sampleShape)
            let reduced = reduction.reduce(reference.representations)
            var members: [Int: [Int]] = [:]
            var labelled: [Int: [Int]] = [:]
            for (index, label) in labels.enumerated() {
                labelled[label, default: []].append(index)
                if let predictions = reference.predictions, predictions[index] != label { continue }
                members[label, default: []].append(index)
            }
            var classes: [Int: ClassGaussian] = [:]
            for label in labelled.keys.sorted() {
                let all = labelled[label] ?? []
                var usable = members[label] ?? []
                if usable.count < 2, options.fallback == .all { usable = all }
                guard usable.count >= 2 else {
                    let total = all.count
                    let what =
                        reference.predictions == nil || options.fallback == .all
                        ? "\(usable.count) reference sample\(usable.count == 1 ? "" : "s")"
                        : "\(usable.count) correctly predicted reference sample\(usable.count == 1 ? "" : "s") "
                            + "(of \(total) with that label)"
                    throw .invalidActivations(
                        layer: nil, reason: "\(measure): class \(label) has \(what); each class needs at least 2")
                }
                classes[label] = try ClassGaussian(
                    label: label, members: usable, of: reduced, shrinkage: options.shrinkage)
            }
            self.classes = classes
            self.featureCount = reference.featureCount
            self.sampleShape = sampleShape
            self.reduction = reduction
        }

        // MARK: - Scoring

        /// The mean negative log-density of `batch` under its labels' Gaussians, and its gradient with
        /// respect to the batch's representations.
        /// - Parameter batch: D′ representations with labels.
        /// - Returns: the deviation; the gradient has the batch's shape.
        /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` when the batch has no labels, a
        ///   label without a Gaussian, or a per-sample shape other than the reference's.
        public func deviation(of batch: DeviationBatch) throws -> DeviationValue {
            let (densities, gradient) = try score(batch, wantsGradient: true)
            var sum = 0.0
            for value in densities { sum += value }
            let count = Double(densities.count)
            return DeviationValue(value: sum / count, gradient: gradient ?? Tensor(zeros: batch.representations.shape))
        }

        /// The negative log-density of each sample of `batch` under its label's Gaussian.
        /// - Parameter batch: D′ representations with labels.
        /// - Returns: one value per sample, in batch order.
        /// - Throws: as ``deviation(of:)``.
        public func negativeLogDensities(of batch: DeviationBatch) throws -> [Double] {
            try score(batch, wantsGradient: false).densities
        }

        /// The reduced representations of `batch` (b rows of ``dimensions`` values).
        /// - Parameter batch: representations with the reference's per-sample shape.
        /// - Returns: one array per sample.
        /// - Throws: `DeepArcError.invalidActivations(layer:reason:)` for another per-sample shape.
        public func reduced(_ batch: DeviationBatch) throws -> [[Double]] {
            try BatchCheck.matches(batch, sampleShape: sampleShape, measure: GaussianDeviation.identifier)
            let z = reduction.reduce(batch.representations)
            let k = z.columns
            return (0..<z.rows).map { Array(z.values[($0 * k)..<($0 * k + k)]) }
        }

        /// Per-sample negative log-densities and, when asked, the gradient of their mean.
        private func score(
            _ batch: DeviationBatch, wantsGradient: Bool
        ) throws(DeepArcError) -> (densities: [Double], gradient: Tensor?) {
            let measure = GaussianDeviation.identifier
            try BatchCheck.matches(batch, sampleShape: sampleShape, measure: measure)
            guard let labels = batch.labels else {
                throw .invalidActivations(
                    layer: nil, reason: "\(measure): the batch has no labels (the measure is label-conditioned)")
            }
            var groups: [Int: [Int]] = [:]
            for (index, label) in labels.enumerated() {
                guard classes[label] != nil else {
                    let fitted = classes.isEmpty ? "none" : self.labels.map(String.init).joined(separator: ", ")
                    throw .invalidActivations(
                        layer: nil,
                        reason:
                            "\(measure): batch sample \(index) has label \(label), which has no fitted Gaussian "
                            + "(fitted classes: \(fitted))")
                }
                groups[label, default: []].append(index)
            }
            let rows = batch.sampleCount
            let k = reduction.dimensions
            let z = reduction.reduce(batch.representations)
            var densities = [Double](repeating: 0, count: rows)
            var dz = DoubleMatrix(rows: rows, columns: wantsGradient ? k : 0)
            let scale = 1 / Double(rows)
            for label in groups.keys.sorted() {
                guard let gaussian = classes[label], let members = groups[label] else { continue }
                // D = z[members] − μ; W = D L⁻ᵀ (rows are L⁻¹ dᵢ); G = W L⁻¹ (rows are Σ⁻¹ dᵢ).
                var centred = DoubleMatrix(rows: members.count, columns: k)
                z.values.withUnsafeBufferPointer { source in
                    gaussian.mean.withUnsafeBufferPointer { mean in
                        centred.values.withUnsafeMutableBufferPointer { d in
                            for (row, member) in members.enumerated() {
                                for column in 0..<k { d[row * k + column] = source[member * k + column] - mean[column] }
                            }
                        }
                    }
                }
                let whitened = DoubleMatrix.product(centred, gaussian.inverseFactor, transposeB: true)
                whitened.values.withUnsafeBufferPointer { w in
                    for (row, member) in members.enumerated() {
                        var squared = 0.0
                        for column in 0..<k { squared += w[row * k + column] * w[row * k + column] }
                        densities[member] = gaussian.negativeLogDensity(squaredMahalanobis: squared)
                    }
                }
                guard wantsGradient else { continue }
                let precisionTimesCentred = DoubleMatrix.product(whitened, gaussian.inverseFactor)
                precisionTimesCentred.values.withUnsafeBufferPointer { g in
                    dz.values.withUnsafeMutableBufferPointer { out in
                        for (row, member) in members.enumerated() {
                            for column in 0..<k { out[member * k + column] = scale * g[row * k + column] }
                        }
                    }
                }
            }
            guard wantsGradient else { return (densities, nil) }
            return (densities, reduction.backward(dz, shape: batch.representations.shape))
        }
    }
}
