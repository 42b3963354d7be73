public import DeepArcTensor

extension LayerSpec {
    /// Builds a freshly initialised layer from this description.
    ///
    /// Initial values come from `generator`, so the same seed builds the same weights.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` for impossible values (a zero
    ///   channel count, a dropout rate outside [0, 1), …) — descriptions may come from files.
    public func makeLayer(generator: inout SeededGenerator) throws(NNError) -> any Layer {
        switch self {
        case .dense(let inputs, let outputs, let bias):
            return try Dense(inputs: inputs, outputs: outputs, bias: bias, generator: &generator)
        case .conv2D(let inChannels, let outChannels, let kernel, let stride, let padding, let bias):
            return try Conv2D(
                inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                bias: bias, generator: &generator)
        case .batchNorm(let channels, let momentum, let epsilon):
            return try BatchNorm(channels: channels, momentum: momentum, epsilon: epsilon)
        case .relu:
            return ReLU()
        case .maxPool(let size, let stride):
            return try MaxPool2D(size: size, stride: stride)
        case .avgPool(let size, let stride):
            return try AvgPool2D(size: size, stride: stride)
        case .globalAvgPool:
            return GlobalAvgPool()
        case .flatten:
            return Flatten()
        case .dropout(let rate):
            return try Dropout(rate: rate, seed: generator.next())
        case .sequential(let specs):
            var layers: [any Layer] = []
            for spec in specs { layers.append(try spec.makeLayer(generator: &generator)) }
            return Sequential(layers)
        case .residual(let body, let shortcut, let postActivation):
            var bodyLayers: [any Layer] = []
            for spec in body { bodyLayers.append(try spec.makeLayer(generator: &generator)) }
            var shortcutLayers: [any Layer] = []
            for spec in shortcut { shortcutLayers.append(try spec.makeLayer(generator: &generator)) }
            return ResidualBlock(body: bodyLayers, shortcut: shortcutLayers, postActivation: postActivation)
        }
    }
}
