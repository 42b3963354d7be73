public import DeepArcTensor

/// Whether a forward pass is part of training or of inference.
///
/// In ``ForwardMode/training`` a layer caches what its ``Layer/backward(_:needsInputGradient:)``
/// needs, batch normalisation uses batch statistics (and updates its running ones) and dropout
/// drops. In ``ForwardMode/inference`` nothing is cached and the layer is a pure function.
public enum ForwardMode: Sendable, Equatable {
    case training
    case inference
}

/// A differentiable layer with an explicit backward pass (no tape).
///
/// Laws every conformer obeys (the finite-difference checks in the tests enforce them):
/// 1. `forward(x, mode: .inference)` depends only on `x` and the parameter values.
/// 2. After `forward(x, mode: .training)`, `backward(g, needsInputGradient: true)` returns
///    ∂⟨g, forward(x)⟩/∂x and *adds* ∂⟨g, forward(x)⟩/∂θ to the `gradient` of every parameter θ
///    whose ``Parameter/isTrainable`` is true; frozen parameters' gradients are left untouched and
///    not computed.
/// 3. With `needsInputGradient: false`, backward returns `nil` and skips the input-gradient work.
/// 4. Every tensor argument and result carries the batch as its outermost dimension.
/// 5. Parameters and running statistics are listed by ``namedParameters`` in a fixed order with
///    names unique within the layer (`weight`, `bias`, `conv1.weight`, …).
public protocol Layer: AnyObject {
    /// The serialisable description from which an identical (freshly initialised) layer is built.
    var spec: LayerSpec { get }

    /// Every parameter and running statistic, in a fixed order, with names unique within the layer.
    var namedParameters: [(name: String, parameter: Parameter)] { get }

    /// Runs the layer on a batch.
    /// - Throws: ``NNError`` when the input's shape does not fit the layer.
    func forward(_ input: Tensor, mode: ForwardMode) throws -> Tensor

    /// Back-propagates `outputGradient` (∂loss/∂output) through the last training-mode forward pass.
    /// - Returns: ∂loss/∂input, or `nil` when `needsInputGradient` is false.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` when no training forward pass is cached,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` for a gradient of the wrong shape.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor?
}

extension Layer {
    /// The trainable parameters and statistics' holders of ``namedParameters``, in order.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// The number of scalar parameters (running statistics excluded).
    public var parameterCount: Int {
        namedParameters.reduce(0) { $0 + ($1.parameter.kind == .runningStatistic ? 0 : $1.parameter.value.count) }
    }
}
