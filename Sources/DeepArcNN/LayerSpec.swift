/// A serialisable description of a layer: what checkpoints store in their metadata so that a file
/// alone rebuilds its model, and what model builders produce.
///
/// Shapes are per sample (without the batch dimension): `[features]` for dense layers,
/// `[channels, height, width]` for images.
public indirect enum LayerSpec: Codable, Sendable, Equatable {
    /// y = x·Wᵀ + b with W of shape [outputs, inputs].
    case dense(inputs: Int, outputs: Int, bias: Bool)
    /// 2-D convolution, weight [outChannels, inChannels, kernel, kernel], square kernel, same stride
    /// and zero padding on both axes.
    case conv2D(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)
    /// Batch normalisation over the channel axis (axis 1) of [N, C, H, W] or the features of [N, C].
    /// `momentum` is PyTorch's: running = (1 − momentum)·running + momentum·batch.
    case batchNorm(channels: Int, momentum: Float, epsilon: Float)
    /// max(x, 0).
    case relu
    /// Max pooling with a square window, no padding.
    case maxPool(size: Int, stride: Int)
    /// Average pooling with a square window, no padding.
    case avgPool(size: Int, stride: Int)
    /// Mean over the spatial axes: [N, C, H, W] → [N, C].
    case globalAvgPool
    /// [N, …] → [N, product of the rest].
    case flatten
    /// Inverted dropout: in training, zero each element with probability `rate` and scale the rest by 1/(1 − rate).
    case dropout(rate: Float)
    /// The layers applied one after another.
    case sequential([LayerSpec])
    /// y = post(body(x) + shortcut(x)); an empty `shortcut` is the identity, `postActivation`
    /// applies a ReLU after the addition (the basic block of He et al.).
    case residual(body: [LayerSpec], shortcut: [LayerSpec], postActivation: Bool)
}
