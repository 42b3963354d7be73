public import DeepArcTensor

/// Reshapes a batch [N, d₁, d₂, …] to [N, d₁·d₂·…] (a view-like copy-on-write reshape).
public final class Flatten: Layer {
    /// The input shape of the last training-mode forward pass.
    private var cachedShape: [Int]?

    /// Creates a flattening layer.
    public init() {}

    // MARK: - Layer

    /// `.flatten`.
    public var spec: LayerSpec { .flatten }

    /// None: flattening has no parameters.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// Returns the input reshaped to [N, product of the other dimensions].
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for a rank-0 input (no batch axis).
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        guard input.rank >= 1 else { throw .shapeMismatch(layer: "flatten", expected: "[N, …]", actual: input.shape) }
        do {
            let features = try Tensor.elementCount(of: Array(input.shape.dropFirst()))
            let output = try input.reshaped(to: [input.shape[0], features])
            if mode == .training { cachedShape = input.shape }
            return output
        } catch {
            throw .tensor(layer: "flatten", error)
        }
    }

    /// Returns `outputGradient` reshaped to the input's shape.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training pass,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` for a gradient of another shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        guard let shape = cachedShape else { throw .backwardWithoutForward(layer: "flatten") }
        // The forward pass checked this product for overflow.
        let expected = [shape[0], shape.dropFirst().reduce(1, *)]
        guard outputGradient.shape == expected else {
            throw .shapeMismatch(layer: "flatten", expected: "gradient \(expected)", actual: outputGradient.shape)
        }
        guard needsInputGradient else { return nil }
        do {
            return try outputGradient.reshaped(to: shape)
        } catch {
            throw .tensor(layer: "flatten", error)
        }
    }
}
