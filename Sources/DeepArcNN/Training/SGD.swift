import DeepArcTensor

/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, with
/// PyTorch's `torch.optim.SGD` semantics (no dampening):
///
///     g ← ∇θ + λ·θ                      (weight decay λ)
///     b ← μ·b + g                       (momentum μ; b starts at g on the first step)
///     g ← g + μ·b if Nesterov, else b
///     θ ← θ − η·g
///
/// Weight decay applies to every trainable parameter, as PyTorch's default does, unless its kind is
/// listed in ``weightDecayExemptKinds``.
public final class SGD: Optimizer {
    // MARK: - Hyperparameters

    /// The step size η.
    public var learningRate: Float
    /// The momentum μ (0 for plain SGD).
    public let momentum: Float
    /// Whether Nesterov momentum is used.
    public let nesterov: Bool
    /// The L2 weight decay λ added to the gradient.
    public let weightDecay: Float
    /// Parameter kinds weight decay skips (for example `[.bias, .normalization]`); empty by default.
    public var weightDecayExemptKinds: Set<Parameter.Kind>

    /// A parameter and its momentum buffer (a class so the buffer is updated in place).
    private final class State {
        let parameter: Parameter
        var buffer: Tensor
        init(parameter: Parameter) {
            self.parameter = parameter
            self.buffer = Tensor(zeros: parameter.value.shape)
        }
    }

    private var states: [ObjectIdentifier: State] = [:]

    /// Creates an SGD optimizer.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` for a negative or non-finite
    ///   learning rate, momentum outside [0, 1), negative weight decay, or Nesterov without momentum.
    public init(
        learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
        weightDecayExemptKinds: Set<Parameter.Kind> = []
    ) throws(NNError) {
        guard learningRate >= 0, learningRate.isFinite else {
            throw .invalidHyperparameter("SGD", "learning rate must be finite and non-negative, got \(learningRate)")
        }
        guard momentum >= 0, momentum < 1 else {
            throw .invalidHyperparameter("SGD", "momentum must be in [0, 1), got \(momentum)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidHyperparameter("SGD", "weight decay must be finite and non-negative, got \(weightDecay)")
        }
        guard !nesterov || momentum > 0 else {
            throw .invalidHyperparameter("SGD", "Nesterov momentum needs a positive momentum")
        }
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.weightDecayExemptKinds = weightDecayExemptKinds
    }

    // MARK: - Optimizer

    /// Applies one SGD step to every parameter that receives updates, then re-applies its mask.
    public func step(_ parameters: [Parameter]) {
        let learningRate = self.learningRate
        let momentum = self.momentum
        for parameter in parameters where parameter.receivesUpdates {
            precondition(
                parameter.gradient.shape == parameter.value.shape,
                "parameter gradient shape \(parameter.gradient.shape) differs from its value's \(parameter.value.shape)"
            )
            parameter.applyMask()
            let decay = weightDecayExemptKinds.contains(parameter.kind) ? 0 : weightDecay
            if momentum == 0 {
                parameter.gradient.withUnsafeBufferPointer { g in
                    parameter.value.withUnsafeMutableBufferPointer { theta in
                        for index in 0..<theta.count {
                            theta[index] -= learningRate * (g[index] + decay * theta[index])
                        }
                    }
                }
            } else {
                let state = self.state(for: parameter)
                let nesterov = self.nesterov
                parameter.gradient.withUnsafeBufferPointer { g in
                    parameter.value.withUnsafeMutableBufferPointer { theta in
                        state.buffer.withUnsafeMutableBufferPointer { b in
                            for index in 0..<theta.count {
                                let gradient = g[index] + decay * theta[index]
                                let buffer = momentum * b[index] + gradient
                                b[index] = buffer
                                theta[index] -= learningRate * (nesterov ? gradient + momentum * buffer : buffer)
                            }
                        }
                    }
                }
            }
            parameter.applyMask()
        }
    }

    /// Drops all momentum buffers (and the references to their parameters).
    public func reset() {
        states.removeAll()
    }

    // MARK: - State

    /// The parameter's state, created (zero buffer, so the first step gives b = g) when missing or
    /// when the parameter's shape changed.
    private func state(for parameter: Parameter) -> State {
        let key = ObjectIdentifier(parameter)
        if let existing = states[key], existing.buffer.shape == parameter.value.shape { return existing }
        let created = State(parameter: parameter)
        states[key] = created
        return created
    }
}
