public import DeepArcData
public import DeepArcNN

/// How to train a model: optimizer, schedule, epochs, batching and augmentation.
///
/// Every field has a default, so a partial configuration decodes. The defaults are a standard
/// recipe for CIFAR-style ResNets: SGD with Nesterov momentum 0.9, learning rate 0.1, weight decay
/// 5·10⁻⁴, cosine annealing, batch 128.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The optimizer family.
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        /// Stochastic gradient descent with momentum (Nesterov when `nesterov`).
        case sgd
        /// Adam with L2-coupled weight decay.
        case adam
        /// AdamW (decoupled weight decay).
        case adamw
    }

    /// The learning-rate schedule.
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
        /// The base rate throughout.
        case constant
        /// Cosine annealing per step from the base rate to 0.
        case cosine
        /// ×0.1 at 50% and 75% of the epochs.
        case step
    }

    /// Passes over the training data.
    public var epochs: Int = 10
    /// Samples per step.
    public var batchSize: Int = 128
    /// The optimizer.
    public var optimizer: OptimizerKind = .sgd
    /// The base learning rate (default 0.1 for SGD, 0.001 for Adam/AdamW).
    public var learningRate: Float?
    /// SGD momentum.
    public var momentum: Float = 0.9
    /// Nesterov momentum for SGD.
    public var nesterov: Bool = true
    /// Weight decay (default 5·10⁻⁴ for SGD and Adam, 0.01 for AdamW).
    public var weightDecay: Float?
    /// The schedule.
    public var schedule: ScheduleKind = .cosine
    /// Augmentation applied to training batches (`nil`: none).
    public var augmentation: Augmentation?
    /// The seed for shuffling and augmentation.
    public var seed: UInt64 = 1
    /// Train on only the first `samples` training samples (`nil`: all).
    public var samples: Int?

    /// Creates the default configuration.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, batchSize, optimizer, learningRate, momentum, nesterov, weightDecay, schedule, augmentation, seed
        case samples
    }

    /// Decodes a possibly partial configuration; missing fields take their defaults.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key.
    public init(from decoder: any Decoder) throws {
        try ConfigurationKey.rejectUnknownKeys(
            in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "training")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TrainingConfiguration()
        epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        optimizer = try container.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? defaults.optimizer
        learningRate = try container.decodeIfPresent(Float.self, forKey: .learningRate)
        momentum = try container.decodeIfPresent(Float.self, forKey: .momentum) ?? defaults.momentum
        nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? defaults.nesterov
        weightDecay = try container.decodeIfPresent(Float.self, forKey: .weightDecay)
        schedule = try container.decodeIfPresent(ScheduleKind.self, forKey: .schedule) ?? defaults.schedule
        augmentation = try container.decodeIfPresent(Augmentation.self, forKey: .augmentation)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
        samples = try container.decodeIfPresent(Int.self, forKey: .samples)
    }

    /// The learning rate in effect (explicit or the optimizer's default).
    public var effectiveLearningRate: Float { learningRate ?? (optimizer == .sgd ? 0.1 : 0.001) }

    /// The weight decay in effect (explicit or the optimizer's default).
    public var effectiveWeightDecay: Float { weightDecay ?? (optimizer == .adamw ? 0.01 : 5e-4) }

    /// Checks the values.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming the bad field.
    public func validate() throws(DeepArcError) {
        guard epochs >= 1 else { throw .invalidConfiguration(reason: "training.epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else {
            throw .invalidConfiguration(reason: "training.batchSize must be at least 1, got \(batchSize)")
        }
        if let samples, samples < 1 {
            throw .invalidConfiguration(reason: "training.samples must be at least 1, got \(samples)")
        }
        guard effectiveLearningRate > 0, effectiveLearningRate.isFinite else {
            throw .invalidConfiguration(reason: "training.learningRate must be positive, got \(effectiveLearningRate)")
        }
    }

    /// Builds the optimizer this configuration describes.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for out-of-range hyperparameters.
    public func makeOptimizer() throws(DeepArcError) -> any Optimizer {
        do {
            switch optimizer {
            case .sgd:
                return try SGD(
                    learningRate: effectiveLearningRate, momentum: momentum, nesterov: nesterov && momentum > 0,
                    weightDecay: effectiveWeightDecay)
            case .adam:
                return try Adam(learningRate: effectiveLearningRate, weightDecay: effectiveWeightDecay, decoupled: false)
            case .adamw:
                return try Adam(learningRate: effectiveLearningRate, weightDecay: effectiveWeightDecay, decoupled: true)
            }
        } catch {
            throw .invalidConfiguration(reason: "training: \(error)")
        }
    }

    /// The schedule this configuration describes.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when the schedule cannot be built.
    public func makeSchedule() throws(DeepArcError) -> any LearningRateSchedule {
        do {
            switch schedule {
            case .constant:
                return ConstantSchedule()
            case .cosine:
                return try CosineSchedule(minimum: 0, warmupSteps: 0)
            case .step:
                let milestones = Set([max(1, epochs / 2), max(1, epochs * 3 / 4)]).sorted()
                return try MultiStepSchedule(milestones: milestones, gamma: 0.1)
            }
        } catch {
            throw .invalidConfiguration(reason: "training.schedule: \(error)")
        }
    }
}
