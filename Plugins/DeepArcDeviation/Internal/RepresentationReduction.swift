import DeepArcCore
import DeepArcTensor

/// The reduction the `gaussian` measure applies to each representation before fitting or scoring,
/// with its adjoint for the backward pass. All of it is linear, so the gradient of a function of the
/// reduced representations z is Rᵀ ∂/∂z.
struct RepresentationReduction: Sendable, Equatable {
    /// The linear map.
    enum Kind: Sendable, Equatable {
        /// z = x (flattened).
        case identity
        /// z_c = mean over the `spatial` values of channel c.
        case pool(channels: Int, spatial: Int)
        /// z = x P with P the `featureCount × dimensions` matrix, row-major.
        case projection(matrix: [Float])
    }

    /// The largest projection matrix, in entries (256 MiB of `Float`).
    static let maximumProjectionEntries = 1 << 26

    /// The map.
    let kind: Kind
    /// The features per sample d.
    let featureCount: Int
    /// The reduced dimensions k.
    let dimensions: Int

    /// The reduction `options` ask for, for samples of shape `sampleShape`.
    /// - Throws: `DeepArcError.invalidActivations` when k would exceed
    ///   `GaussianDeviation.maximumDimensions` or the projection matrix would be too large.
    init(options: GaussianDeviation.Options, sampleShape: [Int]) throws(DeepArcError) {
        let featureCount = sampleShape.reduce(1, *)
        self.featureCount = featureCount
        switch options.reduction {
        case .pool:
            if sampleShape.count >= 2 {
                let channels = sampleShape[0]
                kind = .pool(channels: channels, spatial: featureCount / channels)
                dimensions = channels
            } else {
                kind = .identity
                dimensions = featureCount
            }
            guard dimensions <= GaussianDeviation.maximumDimensions else {
                throw .invalidActivations(
                    layer: nil,
                    reason:
                        "gaussian: pooling samples of shape \(sampleShape) leaves \(dimensions) dimensions, more than "
                        + "\(GaussianDeviation.maximumDimensions); use reduction: projection")
            }
        case .projection:
            let k = options.dimensions
            let (entries, overflow) = featureCount.multipliedReportingOverflow(by: k)
            guard !overflow, entries <= Self.maximumProjectionEntries else {
                throw .invalidActivations(
                    layer: nil,
                    reason:
                        "gaussian: a projection of \(featureCount) features to \(k) dimensions needs more than "
                        + "\(Self.maximumProjectionEntries) matrix entries; lower dimensions")
            }
            var generator = SeededGenerator(seed: options.seed)
            let scale = 1 / Float(k).squareRoot()
            let matrix = [Float](unsafeUninitializedCapacity: entries) { out, initialized in
                for index in 0..<entries { out[index] = generator.nextNormal() * scale }
                initialized = entries
            }
            kind = .projection(matrix: matrix)
            dimensions = k
        }
    }

    // MARK: - Forward

    /// The reduced representations of `tensor` (`[b, …]` with `featureCount` features per sample):
    /// a b × k matrix.
    func reduce(_ tensor: Tensor) -> DoubleMatrix {
        let rows = tensor.shape[0]
        let columns = featureCount
        var reduced = DoubleMatrix(rows: rows, columns: dimensions)
        tensor.withUnsafeBufferPointer { x in
            switch kind {
            case .identity:
                reduced.values.withUnsafeMutableBufferPointer { z in
                    for index in 0..<z.count { z[index] = Double(x[index]) }
                }
            case .pool(let channels, let spatial):
                let scale = 1 / Double(spatial)
                reduced.values.withUnsafeMutableBufferPointer { z in
                    for slot in 0..<(rows * channels) {
                        let start = slot * spatial
                        var sum = 0.0
                        for offset in 0..<spatial { sum += Double(x[start + offset]) }
                        z[slot] = sum * scale
                    }
                }
            case .projection(let matrix):
                for range in featureRanges(rows: rows) {
                    let block = FeatureBlocks.block(of: x, rows: rows, columns: columns, range: range)
                    reduced.multiply(block, projectionRows(matrix, range), beta: 1)
                }
            }
        }
        return reduced
    }

    // MARK: - Backward

    /// Rᵀ applied to the rows of `gradient` (b × k): the gradient with respect to the representations,
    /// as a tensor of `shape`.
    func backward(_ gradient: DoubleMatrix, shape: [Int]) -> Tensor {
        let rows = gradient.rows
        let columns = featureCount
        return Tensor(
            shape: shape,
            unsafeUninitialized: { out in
                gradient.values.withUnsafeBufferPointer { dz in
                    switch kind {
                    case .identity:
                        for index in 0..<out.count { out[index] = Float(dz[index]) }
                    case .pool(let channels, let spatial):
                        let scale = 1 / Double(spatial)
                        for slot in 0..<(rows * channels) {
                            let value = Float(dz[slot] * scale)
                            let start = slot * spatial
                            for offset in 0..<spatial { out[start + offset] = value }
                        }
                    case .projection(let matrix):
                        for range in featureRanges(rows: rows) {
                            let block = DoubleMatrix.product(gradient, projectionRows(matrix, range), transposeB: true)
                            FeatureBlocks.write(block, into: out, columns: columns, range: range)
                        }
                    }
                }
            })
    }

    /// Rows `range` of the projection matrix, in `Double`.
    private func projectionRows(_ matrix: [Float], _ range: Range<Int>) -> DoubleMatrix {
        var block = DoubleMatrix(rows: range.count, columns: dimensions)
        matrix.withUnsafeBufferPointer { p in
            block.values.withUnsafeMutableBufferPointer { out in
                let start = range.lowerBound * dimensions
                for index in 0..<out.count { out[index] = Double(p[start + index]) }
            }
        }
        return block
    }

    /// Column blocks of the features such that both a `rows × width` block of representations and a
    /// `width × k` block of the projection stay within the block budget.
    private func featureRanges(rows: Int) -> [Range<Int>] {
        FeatureBlocks.ranges(rows: max(rows, dimensions), columns: featureCount)
    }
}
