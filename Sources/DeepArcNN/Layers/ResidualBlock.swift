public import DeepArcTensor

/// A residual block y = post(body(x) + shortcut(x)): the basic block of He et al. when the body
/// is conv–BN–ReLU–conv–BN and `postActivation` is set.
///
/// An empty shortcut is the identity; otherwise it is typically a projection (a 1×1 convolution
/// with batch normalisation, or a dense layer). Parameters are named `body.<i>.<name>` and
/// `shortcut.<i>.<name>`.
public final class ResidualBlock: Layer {
    /// The main branch.
    public let body: Sequential
    /// The shortcut branch; empty for the identity.
    public let shortcut: Sequential
    /// Whether a ReLU follows the addition.
    public let postActivation: Bool

    /// What the last training-mode forward pass leaves for backward.
    private struct Cache {
        /// The block's input shape.
        var inputShape: [Int]
        /// The block's output shape.
        var outputShape: [Int]
        /// The output after the ReLU (positive exactly where the sum was); `nil` without post-activation.
        var activatedOutput: Tensor?
    }

    private var cache: Cache?

    /// Creates a residual block.
    /// - Parameters:
    ///   - body: the main branch's layers.
    ///   - shortcut: the shortcut branch's layers; empty for the identity.
    ///   - postActivation: whether a ReLU follows the addition.
    public init(body: [any Layer], shortcut: [any Layer], postActivation: Bool) {
        self.body = Sequential(body)
        self.shortcut = Sequential(shortcut)
        self.postActivation = postActivation
    }

    // MARK: - Layer

    /// `.residual(body:shortcut:postActivation:)`.
    public var spec: LayerSpec {
        .residual(body: body.layers.map(\.spec), shortcut: shortcut.layers.map(\.spec), postActivation: postActivation)
    }

    /// The body's parameters prefixed `body.`, then the shortcut's prefixed `shortcut.`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        body.namedParameters.map { ("body.\($0.name)", $0.parameter) }
            + shortcut.namedParameters.map { ("shortcut.\($0.name)", $0.parameter) }
    }

    /// Computes post(body(x) + shortcut(x)).
    /// - Throws: a branch's error, or ``NNError/invalidConfiguration(layer:reason:)`` naming both
    ///   shapes when the body's and the shortcut's outputs differ in shape.
    public func forward(_ input: Tensor, mode: ForwardMode) throws -> Tensor {
        var sum = try body.forward(input, mode: mode)
        let side = shortcut.layers.isEmpty ? input : try shortcut.forward(input, mode: mode)
        guard sum.shape == side.shape else {
            throw NNError.invalidConfiguration(
                layer: spec.diagnosticName,
                reason: "body output shape \(sum.shape) differs from shortcut output shape \(side.shape) "
                    + "for input shape \(input.shape)")
        }
        // One pass: sum ← sum + side, then the ReLU when present.
        let activate = postActivation
        sum.withUnsafeMutableBufferPointer { y in
            side.withUnsafeBufferPointer { s in
                guard let target = y.baseAddress, let source = s.baseAddress else { return }
                VectorKernels.add(UnsafePointer(target), source, into: target, count: y.count, relu: activate)
            }
        }
        let activated: Tensor? = postActivation ? sum : nil
        if mode == .training {
            cache = Cache(inputShape: input.shape, outputShape: sum.shape, activatedOutput: activated)
        }
        return sum
    }

    /// Back-propagates through the ReLU (when present) into both branches and sums their input gradients.
    /// - Throws: a branch's error, ``NNError/backwardWithoutForward(layer:)`` without a cached
    ///   training pass, ``NNError/shapeMismatch(layer:expected:actual:)`` for a gradient of another shape.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let cache else { throw NNError.backwardWithoutForward(layer: spec.diagnosticName) }
        guard outputGradient.shape == cache.outputShape else {
            throw NNError.shapeMismatch(
                layer: spec.diagnosticName, expected: "gradient \(cache.outputShape)", actual: outputGradient.shape)
        }
        var gradient = outputGradient
        if let activated = cache.activatedOutput {
            gradient = Tensor(shape: gradient.shape) { dx in
                outputGradient.withUnsafeBufferPointer { g in
                    activated.withUnsafeBufferPointer { y in
                        guard let g = g.baseAddress, let y0 = y.baseAddress, let target = dx.baseAddress else { return }
                        VectorKernels.reluBackward(g, output: y0, into: target, count: y.count)
                    }
                }
            }
        }
        let bodyGradient = try body.backward(gradient, needsInputGradient: needsInputGradient)
        let shortcutGradient =
            shortcut.layers.isEmpty
            ? (needsInputGradient ? gradient : nil)
            : try shortcut.backward(gradient, needsInputGradient: needsInputGradient)
        guard needsInputGradient else { return nil }
        guard var total = bodyGradient, let shortcutGradient else {
            throw NNError.invalidConfiguration(
                layer: spec.diagnosticName, reason: "a branch returned no input gradient although one was requested")
        }
        guard total.shape == cache.inputShape, shortcutGradient.shape == cache.inputShape else {
            throw NNError.shapeMismatch(
                layer: spec.diagnosticName, expected: "branch input gradients \(cache.inputShape)",
                actual: total.shape == cache.inputShape ? shortcutGradient.shape : total.shape)
        }
        let count = total.count
        total.withUnsafeMutableBufferPointer { t in
            shortcutGradient.withUnsafeBufferPointer { s in
                guard let target = t.baseAddress, let source = s.baseAddress else { return }
                VectorKernels.add(UnsafePointer(target), source, into: target, count: count, relu: false)
            }
        }
        return total
    }
}
