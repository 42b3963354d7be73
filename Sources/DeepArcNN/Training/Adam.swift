import DeepArcTensor
internal import Foundation

/// Adam, and AdamW when ``decoupled`` is set, with PyTorch's `torch.optim.Adam`/`AdamW` semantics
/// (bias-corrected moments):
///
///     Adam:  g ← ∇θ + λ·θ                 AdamW: θ ← θ·(1 − η·λ)
///     m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − η·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// t counts the steps taken for each parameter. Weight decay applies to every trainable parameter,
/// as PyTorch's default does, unless its kind is listed in ``weightDecayExemptKinds``.
public final class Adam: Optimizer {
    // MARK: - Hyperparameters

    /// The step size η.
    public var learningRate: Float
    /// The first moment's decay β₁.
    public let beta1: Float
    /// The second moment's decay β₂.
    public let beta2: Float
    /// Added to the denominator for stability.
    public let epsilon: Float
    /// The weight decay λ (L2 added to the gradient for Adam, decoupled for AdamW).
    public let weightDecay: Float
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public let decoupled: Bool
    /// Parameter kinds weight decay skips (for example `[.bias, .normalization]`); empty by default.
    public var weightDecayExemptKinds: Set<Parameter.Kind>

    /// A parameter's moment estimates and step count (a class so they are updated in place).
    private final class State {
        let parameter: Parameter
        var firstMoment: Tensor
        var secondMoment: Tensor
        var steps = 0
        init(parameter: Parameter) {
            self.parameter = parameter
            firstMoment = Tensor(zeros: parameter.value.shape)
            secondMoment = Tensor(zeros: parameter.value.shape)
        }
    }

    private var states: [ObjectIdentifier: State] = [:]

    /// Creates an Adam (or, with `decoupled`, AdamW) optimizer. PyTorch's defaults: η = 1e-3,
    /// β = (0.9, 0.999), ε = 1e-8, λ = 0 (AdamW's default λ is 0.01: see
    /// ``adamW(learningRate:beta1:beta2:epsilon:weightDecay:)``).
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` for a negative or non-finite
    ///   learning rate, β outside [0, 1), a non-positive ε or a negative weight decay.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupled: Bool = false, weightDecayExemptKinds: Set<Parameter.Kind> = []
    ) throws(NNError) {
        let name = decoupled ? "AdamW" : "Adam"
        guard learningRate >= 0, learningRate.isFinite else {
            throw .invalidHyperparameter(name, "learning rate must be finite and non-negative, got \(learningRate)")
        }
        guard beta1 >= 0, beta1 < 1 else { throw .invalidHyperparameter(name, "beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0, beta2 < 1 else { throw .invalidHyperparameter(name, "beta2 must be in [0, 1), got \(beta2)") }
        guard epsilon > 0, epsilon.isFinite else {
            throw .invalidHyperparameter(name, "epsilon must be positive and finite, got \(epsilon)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw .invalidHyperparameter(name, "weight decay must be finite and non-negative, got \(weightDecay)")
        }
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.weightDecayExemptKinds = weightDecayExemptKinds
    }

    /// AdamW (decoupled weight decay) with PyTorch's defaults, λ = 0.01 included.
    /// - Throws: the errors of
    ///   ``init(learningRate:beta1:beta2:epsilon:weightDecay:decoupled:weightDecayExemptKinds:)``.
    public static func adamW(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.01
    ) throws(NNError) -> Adam {
        try Adam(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
            decoupled: true)
    }

    // MARK: - Optimizer

    /// Applies one Adam/AdamW step to every parameter that receives updates, then re-applies its mask.
    public func step(_ parameters: [Parameter]) {
        let (learningRate, beta1, beta2, epsilon) = (self.learningRate, self.beta1, self.beta2, self.epsilon)
        for parameter in parameters where parameter.receivesUpdates {
            precondition(
                parameter.gradient.shape == parameter.value.shape,
                "parameter gradient shape \(parameter.gradient.shape) differs from its value's \(parameter.value.shape)"
            )
            parameter.applyMask()
            let decay = weightDecayExemptKinds.contains(parameter.kind) ? 0 : weightDecay
            let state = self.state(for: parameter)
            state.steps += 1
            let correction1 = 1 - pow(Double(beta1), Double(state.steps))
            let correction2 = 1 - pow(Double(beta2), Double(state.steps))
            let stepSize = Float(Double(learningRate) / correction1)
            let inverseRootCorrection2 = Float(1 / correction2.squareRoot())
            let (coupledDecay, shrink) = decoupled ? (Float(0), 1 - learningRate * decay) : (decay, Float(1))
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { theta in
                    state.firstMoment.withUnsafeMutableBufferPointer { m in
                        state.secondMoment.withUnsafeMutableBufferPointer { v in
                            for index in 0..<theta.count {
                                let gradient = g[index] + coupledDecay * theta[index]
                                let first = beta1 * m[index] + (1 - beta1) * gradient
                                let second = beta2 * v[index] + (1 - beta2) * gradient * gradient
                                m[index] = first
                                v[index] = second
                                let denominator = second.squareRoot() * inverseRootCorrection2 + epsilon
                                theta[index] = theta[index] * shrink - stepSize * first / denominator
                            }
                        }
                    }
                }
            }
            parameter.applyMask()
        }
    }

    /// Drops all moment estimates and step counts (and the references to their parameters).
    public func reset() {
        states.removeAll()
    }

    // MARK: - State

    /// The parameter's state, created afresh when missing or when the parameter's shape changed.
    private func state(for parameter: Parameter) -> State {
        let key = ObjectIdentifier(parameter)
        if let existing = states[key], existing.firstMoment.shape == parameter.value.shape { return existing }
        let created = State(parameter: parameter)
        states[key] = created
        return created
    }
}
