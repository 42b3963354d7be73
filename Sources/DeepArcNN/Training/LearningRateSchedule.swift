internal import Foundation

/// A learning-rate schedule: the learning rate of each optimisation step.
///
/// Laws: the result depends only on the arguments (schedules are stateless values), is finite and
/// non-negative for a finite non-negative `base`, and equals `base` where the schedule has not
/// started decaying. `step` counts from 0 across the whole run; the epoch of a step is
/// `step / stepsPerEpoch`.
///
/// ```swift
/// let schedule = try CosineSchedule(minimum: 0, warmupSteps: 100)
/// optimizer.learningRate = schedule.learningRate(base: 0.1, step: step, totalSteps: total, stepsPerEpoch: 390)
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of step `step` (0-based) of a run of `totalSteps` steps.
    /// - Parameters:
    ///   - base: the optimizer's initial learning rate.
    ///   - step: the global step index, from 0.
    ///   - totalSteps: the number of steps in the run.
    ///   - stepsPerEpoch: the number of steps per epoch (values below 1 count as 1).
    func learningRate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float
}

// MARK: - Constant

/// The base learning rate at every step.
public struct ConstantSchedule: LearningRateSchedule, Equatable {
    /// Creates a constant schedule.
    public init() {}

    /// Returns `base`.
    public func learningRate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float { base }
}

// MARK: - Step decay

/// Multiplies the learning rate by `gamma` every `epochs` epochs (PyTorch's `StepLR` stepped per epoch):
/// η = base · gamma^⌊epoch / epochs⌋.
public struct StepSchedule: LearningRateSchedule, Equatable {
    /// The number of epochs between decays.
    public let epochs: Int
    /// The factor applied at each decay.
    public let gamma: Float

    /// Creates a step-decay schedule.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` when `epochs` is not positive or
    ///   `gamma` is negative or not finite.
    public init(epochs: Int, gamma: Float) throws(NNError) {
        guard epochs > 0 else {
            throw .invalidHyperparameter("step schedule", "epochs must be positive, got \(epochs)")
        }
        guard gamma >= 0, gamma.isFinite else {
            throw .invalidHyperparameter("step schedule", "gamma must be finite and non-negative, got \(gamma)")
        }
        self.epochs = epochs
        self.gamma = gamma
    }

    /// Returns base · gamma^⌊epoch / epochs⌋.
    public func learningRate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        let epoch = max(0, step) / max(1, stepsPerEpoch)
        return Float(Double(base) * pow(Double(gamma), Double(epoch / epochs)))
    }
}

// MARK: - Multi-step decay

/// Multiplies the learning rate by `gamma` at each milestone epoch (PyTorch's `MultiStepLR`, the
/// usual ResNet-on-CIFAR schedule): η = base · gamma^(number of milestones ≤ epoch).
public struct MultiStepSchedule: LearningRateSchedule, Equatable {
    /// The epochs at which the rate decays, ascending.
    public let milestones: [Int]
    /// The factor applied at each milestone.
    public let gamma: Float

    /// Creates a multi-step schedule.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` when a milestone is negative, the
    ///   milestones are not ascending, or `gamma` is negative or not finite.
    public init(milestones: [Int], gamma: Float) throws(NNError) {
        guard milestones.allSatisfy({ $0 >= 0 }), zip(milestones, milestones.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalidHyperparameter(
                "multi-step schedule", "milestones must be non-negative and strictly ascending, got \(milestones)")
        }
        guard gamma >= 0, gamma.isFinite else {
            throw .invalidHyperparameter("multi-step schedule", "gamma must be finite and non-negative, got \(gamma)")
        }
        self.milestones = milestones
        self.gamma = gamma
    }

    /// Returns base · gamma^(number of milestones ≤ epoch).
    public func learningRate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        let epoch = max(0, step) / max(1, stepsPerEpoch)
        let passed = milestones.reduce(0) { $0 + ($1 <= epoch ? 1 : 0) }
        return Float(Double(base) * pow(Double(gamma), Double(passed)))
    }
}

// MARK: - Cosine annealing

/// Linear warm-up followed by per-step cosine annealing to `minimum`:
///
///     step < w:  η = base · (step + 1) / w
///     step ≥ w:  η = minimum + (base − minimum) · (1 + cos(π · p)) / 2,  p = (step − w) / (totalSteps − w)
///
/// with p clamped to [0, 1] (the rate stays at `minimum` after the run's last step).
public struct CosineSchedule: LearningRateSchedule, Equatable {
    /// The learning rate at the end of the run.
    public let minimum: Float
    /// The number of linear warm-up steps (0 for none).
    public let warmupSteps: Int

    /// Creates a cosine schedule.
    /// - Throws: ``NNError/invalidConfiguration(layer:reason:)`` when `minimum` is negative or not
    ///   finite, or `warmupSteps` is negative.
    public init(minimum: Float = 0, warmupSteps: Int = 0) throws(NNError) {
        guard minimum >= 0, minimum.isFinite else {
            throw .invalidHyperparameter("cosine schedule", "minimum must be finite and non-negative, got \(minimum)")
        }
        guard warmupSteps >= 0 else {
            throw .invalidHyperparameter("cosine schedule", "warmup steps must not be negative, got \(warmupSteps)")
        }
        self.minimum = minimum
        self.warmupSteps = warmupSteps
    }

    /// Returns the warm-up or cosine-annealed rate of `step`.
    public func learningRate(base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        let step = max(0, step)
        if step < warmupSteps { return Float(Double(base) * Double(step + 1) / Double(warmupSteps)) }
        let span = totalSteps - warmupSteps
        guard span > 0 else { return minimum }
        let progress = min(1, Double(step - warmupSteps) / Double(span))
        let low = Double(minimum)
        return Float(low + (Double(base) - low) * (1 + cos(Double.pi * progress)) / 2)
    }
}
