public import DeepArcTensor

/// A fully connected layer: y = x·Wᵀ + b for a batch x of shape [N, inputs].
///
/// The weight has shape [outputs, inputs] (PyTorch's `nn.Linear` layout) and both the weight and
/// the bias start uniform in [−1/√inputs, 1/√inputs], as PyTorch initialises them. Forward and
/// backward are single `sgemm` calls.
///
/// ```swift
/// var generator = SeededGenerator(seed: 1)
/// let dense = try Dense(inputs: 784, outputs: 10, generator: &generator)
/// let logits = try dense.forward(images, mode: .training)   // [N, 10]
/// ```
public final class Dense: Layer {
    // MARK: - Configuration and parameters

    /// The number of input features.
    public let inputs: Int
    /// The number of output features.
    public let outputs: Int
    /// The weight matrix W, shape [outputs, inputs], kind ``Parameter/Kind/weight``.
    public let weight: Parameter
    /// The bias b, shape [outputs], kind ``Parameter/Kind/bias``; `nil` for a layer without bias.
    public let bias: Parameter?

    /// The input of the last training-mode forward pass.
    private var cachedInput: Tensor?

    /// Creates a dense layer with PyTorch's default initialisation drawn from `generator`.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` when `inputs` or `outputs` is not
    ///   positive or the weight would have more than 2³¹ − 1 entries.
    public init(inputs: Int, outputs: Int, bias: Bool = true, generator: inout SeededGenerator) throws(NNError) {
        let name = LayerSpec.dense(inputs: inputs, outputs: outputs, bias: bias).diagnosticName
        guard inputs > 0 else {
            throw .invalidConfiguration(layer: name, reason: "inputs must be positive, got \(inputs)")
        }
        guard outputs > 0 else {
            throw .invalidConfiguration(layer: name, reason: "outputs must be positive, got \(outputs)")
        }
        // BLAS takes 32-bit dimensions; the product cannot overflow once both factors fit in 32 bits.
        guard inputs <= Int(Int32.max), outputs <= Int(Int32.max), inputs * outputs <= Int(Int32.max) else {
            throw .invalidConfiguration(layer: name, reason: "a \(outputs) × \(inputs) weight is too large")
        }
        self.inputs = inputs
        self.outputs = outputs
        let bound = 1 / Float(inputs).squareRoot()
        let range = -bound...bound
        self.weight = Parameter(
            Tensor.randomUniform(shape: [outputs, inputs], in: range, using: &generator), kind: .weight)
        self.bias =
            bias ? Parameter(Tensor.randomUniform(shape: [outputs], in: range, using: &generator), kind: .bias) : nil
    }

    // MARK: - Layer

    /// `.dense(inputs:outputs:bias:)`.
    public var spec: LayerSpec { .dense(inputs: inputs, outputs: outputs, bias: bias != nil) }

    /// `weight`, then `bias` when present.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    /// Computes x·Wᵀ + b for `input` of shape [N, inputs]; caches `input` in training mode.
    /// - Throws: ``NNError/shapeMismatch(layer:expected:actual:)`` for any other input shape.
    public func forward(_ input: Tensor, mode: ForwardMode) throws(NNError) -> Tensor {
        guard input.rank == 2, input.shape[1] == inputs else {
            throw .shapeMismatch(layer: spec.diagnosticName, expected: "[N, \(inputs)]", actual: input.shape)
        }
        try checkParameterShapes()
        let batch = input.shape[0]
        let (inputs, outputs) = (self.inputs, self.outputs)
        let biasValue = bias?.value
        let output = Tensor(shape: [batch, outputs]) { y in
            guard batch > 0, let y = y.baseAddress else { return }
            var beta: Float = 0
            if let biasValue {
                biasValue.withUnsafeBufferPointer { b in
                    guard let b = b.baseAddress else { return }
                    for row in 0..<batch { (y + row * outputs).update(from: b, count: outputs) }
                }
                beta = 1
            }
            input.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    guard let x = x.baseAddress, let w = w.baseAddress else { return }
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: batch, n: outputs, k: inputs,
                        a: x, lda: inputs, b: w, ldb: inputs, beta: beta, c: y, ldc: outputs)
                }
            }
        }
        if mode == .training { cachedInput = input }
        return output
    }

    /// Adds dYᵀ·X to the weight's gradient and the column sums of dY to the bias's (when trainable)
    /// and returns dY·W when `needsInputGradient` is set.
    /// - Throws: ``NNError/backwardWithoutForward(layer:)`` without a cached training pass,
    ///   ``NNError/shapeMismatch(layer:expected:actual:)`` when `outputGradient` is not [N, outputs].
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws(NNError) -> Tensor? {
        let name = spec.diagnosticName
        guard let input = cachedInput else { throw .backwardWithoutForward(layer: name) }
        let batch = input.shape[0]
        guard outputGradient.shape == [batch, outputs] else {
            throw .shapeMismatch(layer: name, expected: "gradient [\(batch), \(outputs)]", actual: outputGradient.shape)
        }
        try checkParameterShapes()
        let (inputs, outputs) = (self.inputs, self.outputs)
        guard batch > 0 else { return needsInputGradient ? Tensor(zeros: input.shape) : nil }

        if weight.isTrainable {
            outputGradient.withUnsafeBufferPointer { dy in
                input.withUnsafeBufferPointer { x in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        guard let dy = dy.baseAddress, let x = x.baseAddress, let dw = dw.baseAddress else { return }
                        BLAS.sgemm(
                            transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch,
                            a: dy, lda: outputs, b: x, ldb: inputs, beta: 1, c: dw, ldc: inputs)
                    }
                }
            }
        }
        if let bias, bias.isTrainable {
            outputGradient.withUnsafeBufferPointer { dy in
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for row in 0..<batch {
                        let start = row * outputs
                        for column in 0..<outputs { db[column] += dy[start + column] }
                    }
                }
            }
        }
        guard needsInputGradient else { return nil }
        return Tensor(shape: [batch, inputs]) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.value.withUnsafeBufferPointer { w in
                    guard let dx = dx.baseAddress, let dy = dy.baseAddress, let w = w.baseAddress else { return }
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs,
                        a: dy, lda: outputs, b: w, ldb: inputs, c: dx, ldc: inputs)
                }
            }
        }
    }

    // MARK: - Checks

    /// Guards the kernels against parameter tensors replaced with a different shape (for example by
    /// a checkpoint loader), which would otherwise read out of bounds.
    private func checkParameterShapes() throws(NNError) {
        let name = spec.diagnosticName
        guard weight.value.shape == [outputs, inputs], weight.gradient.shape == [outputs, inputs] else {
            throw .invalidConfiguration(
                layer: name, reason: "weight has shape \(weight.value.shape), expected [\(outputs), \(inputs)]")
        }
        if let bias, bias.value.shape != [outputs] || bias.gradient.shape != [outputs] {
            throw .invalidConfiguration(
                layer: name, reason: "bias has shape \(bias.value.shape), expected [\(outputs)]")
        }
    }
}
