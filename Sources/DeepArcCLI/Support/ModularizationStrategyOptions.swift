import ArgumentParser
import DeepArc

/// Which strategies compare and partition a model's units: a pipeline configuration's, or the
/// defaults, overridden one by one. Shared by every command that modularizes a checkpoint
/// (`modularize`, `restructure` through ``ModularizationOptions``, and `compress --deeparc`).
struct ModularizationStrategyOptions: ParsableArguments {
    @Option(help: "A pipeline configuration whose similarity and partitioner to use.")
    var config: String?

    @Option(help: "The similarity metric (default cka.linear, or the configuration's).")
    var metric: String?

    @Option(help: "The partitioner (default greedy, or the configuration's).")
    var partitioner: String?

    @Option(help: "The partitioner's threshold th, 0 < th ≤ 1.")
    var threshold: Double?

    /// What is wrong with the values, as one line naming the flag; nil when they are fine. Each command
    /// reports it its own way (`modularize` and `restructure` as a usage error, `compress` as a
    /// one-line error).
    var problem: String? {
        if let threshold, !(threshold > 0 && threshold <= 1) { return "--threshold must be in (0, 1], got \(threshold)" }
        return nil
    }

    /// The modularization pipeline these options describe: the configuration's strategies (or the
    /// defaults), overridden by --metric, --partitioner and --threshold, built from `registry`.
    func makeModularizer(registry: StrategyRegistry) throws -> Modularizer {
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
