import ArgumentParser
import DeepArc

/// The options of commands that modularize a checkpoint first (`modularize`, `restructure`): the
/// samples the units are compared on and the strategies that compare and partition them.
struct ModularizationOptions: ParsableArguments {
    @Option(help: "How many samples m to compare the units on.")
    var samples: Int = 1000

    @Option(help: "Which split the samples come from: train or test.")
    var split: String = "test"

    @Option(help: "A pipeline configuration whose similarity and partitioner to use.")
    var config: String?

    @Option(help: "The similarity metric (default cka.linear, or the configuration's).")
    var metric: String?

    @Option(help: "The partitioner (default greedy, or the configuration's).")
    var partitioner: String?

    @Option(help: "The partitioner's threshold th, 0 < th ≤ 1.")
    var threshold: Double?

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
        guard DatasetSplit(rawValue: split) != nil else {
            throw ValidationError("--split must be train or test, got '\(split)'")
        }
        if let threshold, !(threshold > 0 && threshold <= 1) {
            throw ValidationError("--threshold must be in (0, 1], got \(threshold)")
        }
    }

    /// The split the samples come from.
    var datasetSplit: DatasetSplit { DatasetSplit(rawValue: split) ?? .test }

    /// The modularization pipeline these options describe: the configuration's strategies (or the
    /// defaults), overridden by --metric, --partitioner and --threshold, built from `registry`.
    func makeModularizer(registry: StrategyRegistry) throws -> Modularizer {
        try Self.makeModularizer(
            config: config, metric: metric, partitioner: partitioner, threshold: threshold, registry: registry)
    }

    /// A modularization pipeline: the strategies of the configuration at `config` (or the defaults),
    /// overridden by `metric`, `partitioner` and `threshold`, built from `registry`.
    static func makeModularizer(
        config: String?, metric: String?, partitioner: String?, threshold: Double?, registry: StrategyRegistry
    ) throws -> Modularizer {
        var configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? PipelineConfiguration()
        if let metric { configuration.similarity = StrategyReference(name: metric) }
        if let partitioner { configuration.partitioner = StrategyReference(name: partitioner) }
        if let threshold {
            var options: [String: ConfigValue] = [:]
            if case .object(let existing) = configuration.partitioner.options { options = existing }
            options["threshold"] = .number(threshold)
            configuration.partitioner.options = .object(options)
        }
        return Modularizer(
            similarity: try registry.similarityMetrics.make(configuration.similarity),
            partitioner: try registry.partitioners.make(configuration.partitioner))
    }
}
