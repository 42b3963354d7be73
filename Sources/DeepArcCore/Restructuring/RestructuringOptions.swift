/// How ``Restructurer`` sews and fine-tunes: every field has a default, so a partial configuration
/// decodes.
///
/// Sewing trains each adapter alone (every other parameter frozen) to map the output of the unit
/// before a removed span to that span's output in the original model, by mean squared error.
/// Fine-tuning (off by default) then trains the whole restructured model with cross-entropy.
public struct RestructuringOptions: Codable, Sendable, Equatable {
    /// The optimizer that trains a sewing adapter.
    public enum SewingOptimizer: String, Codable, Sendable, CaseIterable {
        /// Adam (no weight decay).
        case adam
        /// SGD with momentum 0.9 (no weight decay).
        case sgd
    }

    /// Passes over the sewing samples per adapter (0 leaves an adapter as initialised, apart from
    /// its batch-normalisation statistics).
    public var sewEpochs: Int = 10
    /// Samples per sewing step.
    public var sewBatchSize: Int = 32
    /// The sewing learning rate.
    public var sewLearningRate: Float = 0.03
    /// The sewing optimizer.
    public var sewOptimizer: SewingOptimizer = .adam
    /// Whether an image adapter is a bias-free 1×1 convolution followed by batch normalisation
    /// (`true`) or a 1×1 convolution with a bias (`false`). Flat adapters are always a dense layer
    /// with a bias.
    public var adapterBatchNorm: Bool = true
    /// Whether an adapter ends in a ReLU when the removed span's output does (its last unit ends
    /// in a ReLU, so every target value is ≥ 0).
    public var adapterReLU: Bool = true
    /// Epochs of fine-tuning the whole restructured model (0: none).
    public var fineTuneEpochs: Int = 0
    /// The fine-tuning recipe; its `epochs` is replaced by ``fineTuneEpochs``. The default is SGD
    /// with Nesterov momentum at learning rate 0.01, cosine schedule, batch 128.
    public var fineTuning: TrainingConfiguration = RestructuringOptions.defaultFineTuning
    /// The seed of adapter initialisation and sewing shuffles.
    public var seed: UInt64 = 1
    /// Samples per inference batch (capturing activations, evaluating).
    public var batchSize: Int = 256

    /// The default fine-tuning recipe: SGD (Nesterov) at 0.01, cosine, batch 128.
    public static var defaultFineTuning: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.learningRate = 0.01
        configuration.epochs = 1
        return configuration
    }

    /// Creates the default options.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case sewEpochs, sewBatchSize, sewLearningRate, sewOptimizer, adapterBatchNorm, adapterReLU, fineTuneEpochs
        case fineTuning, seed, batchSize
    }

    /// Decodes possibly partial options; missing fields take their defaults.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key.
    public init(from decoder: any Decoder) throws {
        try ConfigurationKey.rejectUnknownKeys(
            in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "restructuring")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RestructuringOptions()
        sewEpochs = try container.decodeIfPresent(Int.self, forKey: .sewEpochs) ?? defaults.sewEpochs
        sewBatchSize = try container.decodeIfPresent(Int.self, forKey: .sewBatchSize) ?? defaults.sewBatchSize
        sewLearningRate = try container.decodeIfPresent(Float.self, forKey: .sewLearningRate) ?? defaults.sewLearningRate
        sewOptimizer = try container.decodeIfPresent(SewingOptimizer.self, forKey: .sewOptimizer) ?? defaults.sewOptimizer
        adapterBatchNorm = try container.decodeIfPresent(Bool.self, forKey: .adapterBatchNorm) ?? defaults.adapterBatchNorm
        adapterReLU = try container.decodeIfPresent(Bool.self, forKey: .adapterReLU) ?? defaults.adapterReLU
        fineTuneEpochs = try container.decodeIfPresent(Int.self, forKey: .fineTuneEpochs) ?? defaults.fineTuneEpochs
        fineTuning = try container.decodeIfPresent(TrainingConfiguration.self, forKey: .fineTuning) ?? defaults.fineTuning
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
    }

    /// Checks the values.
    /// - Throws: ``RestructuringError/invalidOption(option:reason:)`` naming the bad field.
    public func validate() throws(RestructuringError) {
        guard sewEpochs >= 0 else { throw .invalidOption(option: "sewEpochs", reason: "must be ≥ 0, got \(sewEpochs)") }
        guard sewBatchSize >= 2 else {
            // Batch normalisation needs two values per channel in a training batch.
            throw .invalidOption(option: "sewBatchSize", reason: "must be ≥ 2, got \(sewBatchSize)")
        }
        guard sewLearningRate > 0, sewLearningRate.isFinite else {
            throw .invalidOption(option: "sewLearningRate", reason: "must be positive and finite, got \(sewLearningRate)")
        }
        guard fineTuneEpochs >= 0 else {
            throw .invalidOption(option: "fineTuneEpochs", reason: "must be ≥ 0, got \(fineTuneEpochs)")
        }
        guard batchSize >= 1 else { throw .invalidOption(option: "batchSize", reason: "must be ≥ 1, got \(batchSize)") }
        if fineTuneEpochs > 0 {
            var configuration = fineTuning
            configuration.epochs = fineTuneEpochs
            do {
                try configuration.validate()
            } catch {
                throw .invalidOption(option: "fineTuning", reason: "\(error)")
            }
        }
    }
}
