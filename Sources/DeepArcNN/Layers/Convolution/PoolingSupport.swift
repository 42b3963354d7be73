import DeepArcTensor

// MARK: - Pooling helpers shared by MaxPool2D and AvgPool2D

enum PoolingSupport {
    /// Validates a pooling window's configuration.
    static func validate(layer: String, size: Int, stride: Int) throws(NNError) {
        guard size > 0 else { throw .invalidConfiguration(layer: layer, reason: "size must be positive, got \(size)") }
        guard stride > 0 else {
            throw .invalidConfiguration(layer: layer, reason: "stride must be positive, got \(stride)")
        }
    }

    /// The geometry of an unpadded square window over an input `[N, C, H, W]`.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a rank other than 4, an empty
    ///   channel or spatial axis, or a spatial axis smaller than the window.
    static func geometry(layer: String, size: Int, stride: Int, shape: [Int]) throws(NNError) -> ConvolutionGeometry {
        guard shape.count == 4, shape[0] >= 0,
            let geometry = ConvolutionGeometry(
                channels: shape[1], height: shape[2], width: shape[3], kernel: size, stride: stride, padding: 0),
            geometry.inputPlane <= Int(Int32.max)
        else {
            throw .shapeMismatch(layer: layer, expected: "[N, C, H, W] with C ≥ 1 and H, W ≥ \(size)", actual: shape)
        }
        return geometry
    }

    /// Checks that a gradient has the shape the forward pass produced.
    static func checkGradient(layer: String, _ gradient: Tensor, expected: [Int]) throws(NNError) {
        guard gradient.shape == expected else {
            throw .shapeMismatch(layer: layer, expected: "\(expected)", actual: gradient.shape)
        }
    }
}
