import ArgumentParser
import DeepArc
import Foundation

// MARK: - Options

/// The retraining options `deeparc enhance` and `deeparc repair` share.
struct RetrainingArguments: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The deviation measure: explicit or gaussian (default: explicit for enhance, gaussian for repair).",
            valueName: "id"))
    var measure: String?

    @Option(
        name: .customLong("option"),
        help: ArgumentHelp(
            "A deviation-measure option as key=value (repeatable); the value is JSON or a bare string.",
            valueName: "key=value"))
    var measureOptions: [String] = []

    @Option(help: ArgumentHelp("How modules are found: auto (a modularization of the model).", valueName: "auto"))
    var modules: String = "auto"

    /// The similarity metric and partitioner of that modularization (--config, --metric,
    /// --partitioner, --threshold, as `deeparc modularize` takes them).
    @OptionGroup var strategies: ModularizationStrategyOptions

    @Option(
        help: ArgumentHelp(
            "Retrain exactly the units a through b (a-b, or one unit a) and skip locating the critical module.",
            valueName: "a-b"))
    var units: String?

    @Option(help: "How many critical modules to retrain.")
    var top: Int = 1

    @Option(help: "α, the weight of the cross-entropy over D ∪ D′.")
    var alpha: Double = 0.5

    @Option(help: "β, the weight of the deviation of D′ (default 0.5 for explicit, 0.05 for gaussian).")
    var beta: Double?

    @Option(help: "Retraining epochs (modular and full alike); the cap with --target-accuracy.")
    var epochs: Int = 10

    @Option(
        help: ArgumentHelp(
            "Stop either run at the first check (see --target-checks) whose accuracy on D′ (see --target-measure) "
                + "reaches this, in (0, 1].",
            valueName: "accuracy"))
    var targetAccuracy: Double?

    @Option(
        help: ArgumentHelp(
            "What --target-accuracy is compared with: evaluated (D′ in inference mode after the epoch) or training (the epoch's training accuracy on D′).",
            valueName: "evaluated|training"))
    var targetMeasure: String = ModularRetrainer.Options.TargetMeasure.evaluated.rawValue

    @Option(
        help: ArgumentHelp(
            "How many times per epoch an evaluated --target-accuracy is checked, the last at the epoch's end.",
            valueName: "n"))
    var targetChecks: Int = 1

    @Option(help: "Samples per retraining step.")
    var batchSize: Int = 128

    @Option(help: "The optimizer of both runs: sgd (momentum 0.9), adam or adamw.")
    var optimizer: String = TrainingConfiguration.OptimizerKind.sgd.rawValue

    @Option(name: .customLong("lr"), help: "The learning rate (default 0.01 for sgd, 0.001 for adam and adamw).")
    var learningRate: Float?

    @Option(help: "The seed of the batch order (and of the attack or the first mutant).")
    var seed: UInt64 = 1

    @Flag(name: .customLong("no-baseline"), help: "Skip the full-retraining baseline.")
    var noBaseline = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    /// Checks the option values that concern the task (as one-line errors, before any work).
    /// - Throws: a one-line error naming `--modules` or `--units`.
    func check() throws {
        guard modules == "auto" else {
            throw CLIError("--modules must be auto, got '\(modules)' (use --units a-b for explicit units)")
        }
        if let units {
            _ = try ReadaptionSupport.parseUnits(units)
            if strategies.config != nil || strategies.metric != nil || strategies.partitioner != nil
                || strategies.threshold != nil
            {
                throw CLIError(
                    "--units \(units) names the units to retrain, so no modularization runs: drop --config, --metric, "
                        + "--partitioner and --threshold")
            }
        }
        if let problem = strategies.problem { throw CLIError(problem) }
    }

    /// The retraining recipe these options describe, checked.
    /// - Throws: a one-line error naming the option (α = β = 0, a negative or non-finite value).
    func retrainingOptions() throws -> ModularRetrainer.Options {
        var options = ModularRetrainer.Options()
        options.alpha = alpha
        options.beta = beta
        options.epochs = epochs
        options.targetAccuracy = targetAccuracy
        guard let measure = ModularRetrainer.Options.TargetMeasure(rawValue: targetMeasure) else {
            let values = ModularRetrainer.Options.TargetMeasure.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("--target-measure must be one of \(values), got '\(targetMeasure)'")
        }
        options.targetMeasure = measure
        options.targetChecksPerEpoch = targetChecks
        options.batchSize = batchSize
        guard let optimizerKind = TrainingConfiguration.OptimizerKind(rawValue: optimizer) else {
            let values = TrainingConfiguration.OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("--optimizer must be one of \(values), got '\(optimizer)'")
        }
        options.optimizer = optimizerKind
        options.learningRate = learningRate
        options.seed = seed
        do {
            try options.validate()
        } catch {
            if case .invalidOption(_, let option, let reason) = error {
                let flags = option.split(separator: ",").map { "--" + Self.flag(for: String($0)) }
                throw CLIError("\(flags.joined(separator: ", ")): \(reason)")
            }
            throw error
        }
        return options
    }

    /// The deviation measure named by ``measure`` (or `fallback`) with the ``measureOptions``.
    /// - Throws: the registry's error listing the available measures; an option error.
    func makeMeasure(default fallback: String) throws -> any DeviationMeasure {
        try RegistryContext.registry.deviationMeasures.make(
            measure ?? fallback, options: try OptionParsing.parse(measureOptions))
    }

    private static func flag(for option: String) -> String {
        switch option.trimmingCharacters(in: .whitespaces) {
        case "batchSize": return "batch-size"
        case "targetAccuracy": return "target-accuracy"
        case "targetChecksPerEpoch": return "target-checks"
        case "learningRate": return "lr"
        case let other: return other
        }
    }
}

// MARK: - Shared steps

/// Steps `deeparc enhance` and `deeparc repair` share.
enum ReadaptionSupport {
    /// Reads `a-b` or `a` as an ascending unit range.
    /// - Throws: a one-line error naming `--units`.
    static func parseUnits(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 1 || parts.count == 2, let first = parts.first ?? nil, let last = parts.last ?? nil
        else {
            throw CLIError("--units '\(text)': expected a unit index a or a range a-b, e.g. --units 2-4")
        }
        guard first >= 0, first <= last else {
            throw CLIError("--units '\(text)': need 0 ≤ a ≤ b")
        }
        return first...last
    }

    /// Fails unless `path` (given as `flag`) names a file in an existing directory.
    static func checkOutputLocation(_ path: String, flag: String) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw CLIError("\(flag) '\(path)' must name a file") }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(flag) \(path): the directory \(parent) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CLIError("\(flag) \(path): it is a directory")
        }
    }

    /// The model, D (the first `samples` training samples) and the clean test split.
    /// - Throws: a one-line error when the data do not fit the model or D is empty.
    static func load(model path: String, data: DataOptions, samples: Int) throws -> (
        model: Model, original: Dataset, test: Dataset
    ) {
        let (network, _) = try Checkpoint.load(from: path)
        let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
        let original = try source.load(split: .train, limit: min(samples, data.limit ?? samples))
        let test = try source.load(split: .test, limit: data.limit)
        for set in [original, test] where set.sampleShape != network.inputShape {
            throw CLIError(
                "\(path) expects samples of shape \(network.inputShape), but \(set.name) has \(set.sampleShape)")
        }
        guard original.count >= 1 else { throw CLIError("\(original.name) holds no training samples") }
        return (network, original, test)
    }

    /// The modules a re-adaption works with.
    struct Modules {
        /// Every module's units.
        var moduleUnits: [[Int]]
        /// The modules to retrain when given explicitly (`--units`); nil to locate the critical ones.
        var retrain: [Int]?
        /// Wall time of the modularization (0 when the units were given).
        var modularizationSeconds: Double
    }

    /// The modules to work with: the explicit `units` as one module, or the modules of a
    /// modularization of `model` (with `strategies`: the defaults, a configuration's, or the flags')
    /// on the first min(|D|, 1000) samples of D.
    static func modules(
        of model: Model, original: Dataset, units: String?, strategies: ModularizationStrategyOptions,
        progress: ProgressReporter
    ) throws -> Modules {
        if let units {
            let range = try parseUnits(units)
            guard range.upperBound < model.unitCount else {
                throw CLIError(
                    "--units \(units): unit \(range.upperBound) is outside the model's units 0..<\(model.unitCount)")
            }
            return Modules(moduleUnits: [Array(range)], retrain: [0], modularizationSeconds: 0)
        }
        let modularizer = try strategies.makeModularizer(registry: RegistryContext.registry)
        let count = min(original.count, 1000)
        guard count >= 2 else {
            throw CLIError("modularizing needs at least 2 samples in D, got \(count); use --units a-b instead")
        }
        progress.line("modularizing \(model.unitCount - 1) units on \(count) samples …")
        let started = Date()
        let result = try modularizer.modularize(model, samples: try original.images.slice(batch: 0..<count))
        return Modules(
            moduleUnits: result.moduleUnits, retrain: nil, modularizationSeconds: Date().timeIntervalSince(started))
    }

    /// The model's predicted class of every sample of `set` (inference mode, in batches).
    static func predictions(of model: Model, on set: Dataset, batchSize: Int = 256) throws -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(set.count)
        var start = 0
        while start < set.count {
            let end = min(start + batchSize, set.count)
            result += try model(try set.images.slice(batch: start..<end)).argmaxRows()
            start = end
        }
        return result
    }

    /// Runs `task` and reports every epoch on stderr.
    static func run(
        _ task: ReadaptionTask, readapter: Readapter, model: Model,
        modules: Modules,
        data: ReadaptionData, test: Dataset, epochs: Int, progress: ProgressReporter
    ) throws -> ReadaptionResult {
        progress.line(
            "retraining on |D| = \(data.original.count), |D′| = \(data.new.count) "
                + (readapter.runsFullBaseline ? "(modular, then full) …" : "(modular) …"))
        var result = try readapter.run(
            task, model: model, moduleUnits: modules.moduleUnits, data: data, test: test, modules: modules.retrain
        ) { full, epoch in
            let evaluated =
                epoch.evaluations.isEmpty
                ? "" : ", evaluated " + epoch.evaluations.map { String(format: "%.3f", $0) }.joined(separator: " ")
            progress.line(
                String(
                    format: "  %@ epoch %d/%d: loss %.4f (CE %.4f, Dev %.4f), accuracy %.3f, on D′ %.3f%@, %.1f s",
                    full ? "full" : "modular", epoch.epoch, epochs, epoch.loss, epoch.crossEntropy,
                    epoch.deviation, epoch.accuracy, epoch.newAccuracy, evaluated, epoch.seconds))
        }
        result.report.modularizationSeconds = modules.modularizationSeconds
        return result
    }

    // MARK: - Text

    /// The Table III rows of a report: modular and full retraining side by side.
    static func table(_ report: ReadaptionReport) -> String {
        func percent(_ value: Double?) -> String {
            guard let value else { return "–" }
            return String(format: "%.2f%%", value * 100)
        }
        let scope = report.scope.moduleUnits.map { units in
            units.count == 1 ? "unit \(units[0])" : "units \(units.first ?? 0)…\(units.last ?? 0)"
        }
        let beforeOn = report.task == .enhancement ? "D′" : "D"
        var lines = [
            String(
                format: "%@ with %@: |D| = %d, |D′| = %d, test %d; retrained %@%@", report.task.rawValue,
                report.measure, report.sampleCounts["original"] ?? 0, report.sampleCounts["new"] ?? 0,
                report.sampleCounts["test"] ?? 0, scope.joined(separator: ", "),
                report.ranking == nil
                    ? ""
                    : String(
                        format: " (modularized in %.1f s, located in %.1f s)", report.modularizationSeconds,
                        report.locateSeconds)),
            "  accuracy before: D′ \(percent(report.accuracyBefore.new)), D \(percent(report.accuracyBefore.original)), "
                + "test \(percent(report.accuracyBefore.test))",
        ]
        let header = ["", "trained params", "before (\(beforeOn))", "after D′", "after D", "after test", "wall time"]
        var rows = [header]
        for (name, side) in [("modular", report.modular), ("full", report.full)] {
            guard let side else {
                rows.append([name, "–", "–", "–", "–", "–", "skipped"])
                continue
            }
            rows.append([
                name, "\(side.trainedParameterCount)", percent(report.accuracyBeforeTable),
                percent(side.accuracyAfter.new), percent(side.accuracyAfter.original),
                percent(side.accuracyAfter.test), String(format: "%.2f s", side.seconds),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.indices.map { column in
                column == 0
                    ? row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - row[column].count) + row[column]
            }
            lines.append("  " + cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
