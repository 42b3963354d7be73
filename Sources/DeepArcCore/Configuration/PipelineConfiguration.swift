/// A DeepArc pipeline as a configuration file describes it: which model, which data, and which
/// strategy (with options) for each step.
///
/// ```yaml
/// model: {checkpoint: runs/resnet20.safetensors}
/// data: {dataset: fashion-mnist, samples: 1000}
/// similarity: {name: cka.linear}
/// partitioner: {name: greedy, options: {threshold: 0.99, criterion: mean}}
/// compressor: {name: lamp, options: {ties: exact}}
/// deviation: {name: gaussian}
/// ```
///
/// Every field is optional: a missing one takes its default (``default``), so `{}` is a valid
/// configuration. A strategy may be given as a bare name (`partitioner: dp`). An unknown key, at the top
/// level or inside `model`, `data` or a strategy, is an error naming it. The threshold of the
/// partitioner sits in its options. The YAML loader lives in the command-line target; this type
/// decodes from any `Decoder` (JSON in tests).
public struct PipelineConfiguration: Sendable, Equatable, Codable {
    /// Where the model comes from: a checkpoint file or an architecture to train.
    public struct ModelSource: Sendable, Hashable, Codable {
        /// A checkpoint (`.safetensors`) to load, or nil.
        public var checkpoint: String?
        /// An architecture name to build and train (e.g. `resnet20`), or nil.
        public var arch: String?
        /// Where a model trained from `arch` is cached and reused from (default
        /// `<output>/<arch>.safetensors`).
        public var cache: String?

        /// The default model: architecture `resnet20`.
        public static let `default` = ModelSource(arch: "resnet20")

        /// Creates a model source.
        public init(checkpoint: String? = nil, arch: String? = nil, cache: String? = nil) {
            self.checkpoint = checkpoint
            self.arch = arch
            self.cache = cache
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case checkpoint, arch, cache
        }

        /// Decodes `{checkpoint: …}` or `{arch: …}`; `{}` gives ``default``.
        /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key or when both
        ///   `checkpoint` and `arch` are given.
        public init(from decoder: any Decoder) throws {
            try ConfigurationKey.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "model")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let checkpoint = try container.decodeIfPresent(String.self, forKey: .checkpoint)
            let arch = try container.decodeIfPresent(String.self, forKey: .arch)
            let cache = try container.decodeIfPresent(String.self, forKey: .cache)
            switch (checkpoint, arch) {
            case (nil, nil): self.init(checkpoint: nil, arch: Self.default.arch, cache: cache)
            case (.some, .some):
                throw DeepArcError.invalidConfiguration(reason: "model: give either 'checkpoint' or 'arch', not both")
            default: self.init(checkpoint: checkpoint, arch: arch, cache: cache)
            }
        }

        /// Encodes the fields that are set.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(checkpoint, forKey: .checkpoint)
            try container.encodeIfPresent(arch, forKey: .arch)
            try container.encodeIfPresent(cache, forKey: .cache)
        }
    }

    /// Which samples the model is analysed on.
    public struct DataSource: Sendable, Hashable, Codable {
        /// The dataset name: `fashion-mnist`, `mnist`, `cifar10`, `npz:PATH` or `synthetic:…`.
        public var dataset: String
        /// How many samples m to compute the similarity matrix on (positive).
        public var samples: Int
        /// The folder holding the dataset's files, or nil for its default location.
        public var dataDir: String?
        /// How many test samples models are evaluated on (positive).
        public var evaluationSamples: Int

        /// The default data: 1000 samples of `fashion-mnist` from its default location, 2000 to evaluate.
        public static let `default` = DataSource(dataset: "fashion-mnist", samples: 1000)

        /// Creates a data source.
        public init(dataset: String, samples: Int, dataDir: String? = nil, evaluationSamples: Int = 2000) {
            self.dataset = dataset
            self.samples = samples
            self.dataDir = dataDir
            self.evaluationSamples = evaluationSamples
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case dataset, samples, dataDir, evaluationSamples
        }

        /// Decodes `{dataset, samples, dataDir}`, each optional with its default.
        /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an unknown key or a `samples`
        ///   that is not positive.
        public init(from decoder: any Decoder) throws {
            try ConfigurationKey.rejectUnknownKeys(
                in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "data")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let dataset = try container.decodeIfPresent(String.self, forKey: .dataset) ?? Self.default.dataset
            let samples = try container.decodeIfPresent(Int.self, forKey: .samples) ?? Self.default.samples
            guard samples > 0 else {
                throw DeepArcError.invalidConfiguration(reason: "data: 'samples' must be positive; got \(samples)")
            }
            let dataDir = try container.decodeIfPresent(String.self, forKey: .dataDir)
            let evaluationSamples =
                try container.decodeIfPresent(Int.self, forKey: .evaluationSamples) ?? Self.default.evaluationSamples
            guard evaluationSamples > 0 else {
                throw DeepArcError.invalidConfiguration(
                    reason: "data: 'evaluationSamples' must be positive; got \(evaluationSamples)")
            }
            self.init(dataset: dataset, samples: samples, dataDir: dataDir, evaluationSamples: evaluationSamples)
        }

        /// Encodes every field that is set.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dataset, forKey: .dataset)
            try container.encode(samples, forKey: .samples)
            try container.encodeIfPresent(dataDir, forKey: .dataDir)
            try container.encode(evaluationSamples, forKey: .evaluationSamples)
        }
    }

    /// The model.
    public var model: ModelSource
    /// The data.
    public var data: DataSource
    /// The similarity metric (default `cka.linear`).
    public var similarity: StrategyReference
    /// The partitioner, threshold in its options (default `greedy`).
    public var partitioner: StrategyReference
    /// The compressor (default `lamp`).
    public var compressor: StrategyReference
    /// The deviation measure (default `gaussian`).
    public var deviation: StrategyReference
    /// How a model built from `model.arch` is trained.
    public var training: TrainingConfiguration
    /// What `deeparc run` does, in order (default: modularize, then the layer-removal study).
    public var tasks: [PipelineTask]
    /// The directory results are written to (default `runs/deeparc`).
    public var output: String

    /// The configuration every missing field falls back to.
    public static let `default` = PipelineConfiguration()

    /// Creates a configuration; every argument has its default.
    public init(
        model: ModelSource = .default,
        data: DataSource = .default,
        similarity: StrategyReference = StrategyReference(name: "cka.linear"),
        partitioner: StrategyReference = StrategyReference(name: "greedy"),
        compressor: StrategyReference = StrategyReference(name: "lamp"),
        deviation: StrategyReference = StrategyReference(name: "gaussian"),
        training: TrainingConfiguration = TrainingConfiguration(),
        tasks: [PipelineTask] = [.modularize, .layerRemoval],
        output: String = "runs/deeparc"
    ) {
        self.training = training
        self.tasks = tasks
        self.output = output
        self.model = model
        self.data = data
        self.similarity = similarity
        self.partitioner = partitioner
        self.compressor = compressor
        self.deviation = deviation
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case model, data, similarity, partitioner, compressor, deviation, training, tasks, output
    }

    /// Decodes a possibly partial configuration.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` naming an unknown key (and the valid
    ///   ones), or a field's own error.
    public init(from decoder: any Decoder) throws {
        try ConfigurationKey.rejectUnknownKeys(
            in: decoder, known: CodingKeys.allCases.map(\.rawValue), place: "the configuration's top level")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self.default
        self.init(
            model: try container.decodeIfPresent(ModelSource.self, forKey: .model) ?? defaults.model,
            data: try container.decodeIfPresent(DataSource.self, forKey: .data) ?? defaults.data,
            similarity: try container.decodeIfPresent(StrategyReference.self, forKey: .similarity)
                ?? defaults.similarity,
            partitioner: try container.decodeIfPresent(StrategyReference.self, forKey: .partitioner)
                ?? defaults.partitioner,
            compressor: try container.decodeIfPresent(StrategyReference.self, forKey: .compressor)
                ?? defaults.compressor,
            deviation: try container.decodeIfPresent(StrategyReference.self, forKey: .deviation) ?? defaults.deviation,
            training: try container.decodeIfPresent(TrainingConfiguration.self, forKey: .training) ?? defaults.training,
            tasks: try container.decodeIfPresent([PipelineTask].self, forKey: .tasks) ?? defaults.tasks,
            output: try container.decodeIfPresent(String.self, forKey: .output) ?? defaults.output
        )
    }

    /// Encodes every field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(data, forKey: .data)
        try container.encode(similarity, forKey: .similarity)
        try container.encode(partitioner, forKey: .partitioner)
        try container.encode(compressor, forKey: .compressor)
        try container.encode(deviation, forKey: .deviation)
        try container.encode(training, forKey: .training)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(output, forKey: .output)
    }
}
