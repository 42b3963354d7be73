import ArgumentParser
import DeepArc

/// The options of commands that modularize a checkpoint first (`modularize`, `restructure`): the
/// samples the units are compared on and the strategies that compare and partition them.
struct ModularizationOptions: ParsableArguments {
    @Option(help: "How many samples m to compare the units on.")
    var samples: Int = 1000

    @Option(help: "Which split the samples come from: train or test.")
    var split: String = "test"

    @OptionGroup var strategies: ModularizationStrategyOptions

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
        guard DatasetSplit(rawValue: split) != nil else {
            throw ValidationError("--split must be train or test, got '\(split)'")
        }
        if let problem = strategies.problem { throw ValidationError(problem) }
    }

    /// The split the samples come from.
    var datasetSplit: DatasetSplit { DatasetSplit(rawValue: split) ?? .test }

    /// The modularization pipeline these options describe (see ``ModularizationStrategyOptions``).
    func makeModularizer(registry: StrategyRegistry) throws -> Modularizer {
        try strategies.makeModularizer(registry: registry)
    }
}
