public import DeepArcTensor

/// Layers applied one after another.
///
/// Parameters are named by child index and the child's own name: `0.weight`, `1.bias`,
/// `2.body.0.weight`, …. Backward runs the children in reverse; every child but the first is asked
/// for its input gradient (the next child back needs it), and the first receives the caller's
/// `needsInputGradient`, so a network whose input needs no gradient skips that work.
///
/// ```swift
/// var generator = SeededGenerator(seed: 0)
/// let mlp = Sequential([
///     try Dense(inputs: 2, outputs: 16, generator: &generator), ReLU(),
///     try Dense(inputs: 16, outputs: 3, generator: &generator),
/// ])
/// ```
public final class Sequential: Layer {
    /// The children, in application order.
    public var layers: [any Layer]

    /// Creates a container applying `layers` in order (an empty list is the identity).
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    // MARK: - Layer

    /// `.sequential` of the children's specs.
    public var spec: LayerSpec { .sequential(layers.map(\.spec)) }

    /// The children's parameters in order, each name prefixed with the child's index and a dot.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        for (index, layer) in layers.enumerated() {
            for (name, parameter) in layer.namedParameters { result.append(("\(index).\(name)", parameter)) }
        }
        return result
    }

    /// Runs every child in order.
    /// - Throws: the first child's error.
    ///
    /// In inference mode a convolution followed by batch normalisation (and a ReLU) runs as one
    /// pass: the normalisation's folded affine map and the ReLU are applied to each block of the
    /// convolution's output while it is in cache. The result equals running the layers one by one.
    public func forward(_ input: Tensor, mode: ForwardMode) throws -> Tensor {
        var activation = input
        var index = layers.startIndex
        while index < layers.endIndex {
            if mode == .inference, let (output, consumed) = try fusedInference(at: index, activation) {
                activation = output
                index += consumed
                continue
            }
            activation = try layers[index].forward(activation, mode: mode)
            index += 1
        }
        return activation
    }

    /// Runs conv → batch norm (→ ReLU) starting at `index` as one fused inference pass, returning
    /// the output and the number of layers consumed, or `nil` when the layers there do not fit.
    private func fusedInference(at index: Int, _ input: Tensor) throws -> (Tensor, Int)? {
        guard index + 1 < layers.endIndex, let conv = layers[index] as? Conv2D,
            let norm = layers[index + 1] as? BatchNorm, norm.channels == conv.outChannels
        else { return nil }
        let relu = index + 2 < layers.endIndex && layers[index + 2] is ReLU
        guard let epilogue = norm.inferenceEpilogue(relu: relu) else { return nil }
        return (try conv.forward(input, mode: .inference, epilogue: epilogue), relu ? 3 : 2)
    }

    /// Runs the children's backward passes in reverse order.
    /// - Throws: the first child's error, or ``NNError/invalidConfiguration(layer:reason:)`` when a
    ///   child breaks the ``Layer`` contract by returning no input gradient although asked for one.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            let needed = index == layers.startIndex ? needsInputGradient : true
            let result = try layers[index].backward(gradient, needsInputGradient: needed)
            guard needed else { return nil }
            guard let result else {
                throw NNError.invalidConfiguration(
                    layer: "\(index): \(layers[index].spec.diagnosticName)",
                    reason: "backward returned no input gradient although one was requested")
            }
            gradient = result
        }
        return needsInputGradient ? gradient : nil
    }
}
