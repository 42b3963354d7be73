public import DeepArcTensor

/// Inverted dropout: in training, each element is zeroed with probability ``rate`` and the others
/// are scaled by 1/(1 − rate); in inference the layer is the identity.
///
/// The layer draws its masks from its own ``SeededGenerator``, so a layer created with the same
/// seed drops the same elements on the same sequence of batch shapes.
public final class Dropout: Layer {
    /// The probability of zeroing an element, in [0, 1).
    public let rate: Float
    private var generator: SeededGenerator
    /// The last training pass's mask (0 or 1/(1 − rate) per element); `nil` when `rate` is 0.
    private var cachedMask: Tensor?
    /// The last training pass's input shape.
    private var cachedShape: [Int]?

    /// Creates a dropout layer whose masks come from a generator seeded with `seed`.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` when `rate` is outside [0, 1).
    public init(rate: Float, seed: UInt64) throws(NNError) {
        guard rate >= 0, rate < 1 else {
            throw .invalidConfiguration(layer: "dropout(\(rate))", reason: "rate must be in [0, 1), got \(rate)")
        }
        self.rate = rate
        self.generator = SeededGenerator(seed: seed)
    }

    // MARK: - Layer

    /// `.dropout(rate:)`.
    public var spec: LayerSpec { .dropout(rate: rate) }

    /// None: dropout has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// Drops and rescales in training mode (drawing a fresh mask); returns `input` in inference mode.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a rank-0 input (no batch axis).
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        guard input.rank >= 1 else {
            throw .shapeMismatch(layer: spec.diagnosticName, expected: "[N, …]", actual: input.shape)
        }
        guard mode == .training else { return input }
        cachedShape = input.shape
        guard rate > 0 else {
            cachedMask = nil
            return input
        }
        let (rate, scale) = (self.rate, 1 / (1 - self.rate))
        let mask = Tensor(shape: input.shape) { m in
            for index in 0..<m.count { m[index] = generator.nextUniform() < rate ? 0 : scale }
        }
        cachedMask = mask
        return Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                mask.withUnsafeBufferPointer { m in
                    for index in 0..<x.count { y[index] = x[index] * m[index] }
                }
            }
        }
    }

    /// Multiplies `outputGradient` by the last training pass's mask.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training pass,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` for a gradient of another shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let shape = cachedShape else { throw .backwardWithoutForward(layer: spec.diagnosticName) }
        guard outputGradient.shape == shape else {
            throw .shapeMismatch(
                layer: spec.diagnosticName, expected: "gradient \(shape)", actual: outputGradient.shape)
        }
        guard needsInputGradient else { return nil }
        guard let mask = cachedMask else { return outputGradient }
        return Tensor(shape: shape) { dx in
            outputGradient.withUnsafeBufferPointer { g in
                mask.withUnsafeBufferPointer { m in
                    for index in 0..<g.count { dx[index] = g[index] * m[index] }
                }
            }
        }
    }
}
