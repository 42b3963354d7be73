/// Updates parameters from their accumulated gradients.
///
/// Laws every conformer obeys:
/// 1. ``step(_:)`` changes only parameters whose ``Parameter/receivesUpdates`` is true: frozen
///    parameters and running statistics keep their values, bit for bit.
/// 2. After updating a parameter it calls ``Parameter/applyMask()``, so entries a keep-mask prunes
///    are exactly 0 after every step (and the gradient's masked entries count as 0 in the update).
/// 3. Per-parameter state (momentum, moment estimates, step counts) is keyed by the parameter's
///    identity (`ObjectIdentifier`), and the optimizer holds a strong reference to every parameter
///    it keeps state for, so an identifier is never reused for another parameter while state exists.
///    State whose shape no longer matches its parameter is started afresh.
/// 4. Once a parameter's state exists, a step allocates nothing for it: updates run in place.
/// 5. ``step(_:)`` leaves gradients as they are; the caller zeroes them before the next backward pass.
///
/// ```swift
/// let optimizer = try SGD(learningRate: 0.1, momentum: 0.9)
/// for batch in batches {
///     model.parameters.forEach { $0.zeroGradient() }
///     // forward, loss, backward …
///     optimizer.step(model.parameters)
/// }
/// ```
public protocol Optimizer: AnyObject {
    /// The step size of the next ``step(_:)`` (schedules set it before each step).
    var learningRate: Float { get set }

    /// Applies one update to every parameter of `parameters` that receives updates.
    func step(_ parameters: [Parameter])
}

// MARK: - Shared validation

extension NNError {
    /// An optimizer or schedule hyperparameter outside its allowed range.
    static func invalidHyperparameter(_ component: String, _ reason: String) -> NNError {
        .invalidHyperparameter(component: component, reason: reason)
    }
}
