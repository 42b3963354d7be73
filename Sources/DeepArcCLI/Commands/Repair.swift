import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc repair`: mutate a trained model, then repair each mutant by modular retraining,
    /// next to full retraining.
    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Repair: mutate a model until its training accuracy drops, then retrain the critical module.",
            discussion: """
                D is the first N training samples. Each mutant (seeds seed, seed+1, …) replaces randomly chosen \
                weights with fresh random values until its accuracy on D has dropped by --drop of the original \
                (± 2 points); D′ is the samples of D the mutant gets wrong. The modules come from a \
                modularization of the mutant on the first min(N, 1000) samples of D (with the strategies of \
                --config, --metric, --partitioner and --threshold, or --units a-b), then the critical module is \
                retrained with α·CE(D ∪ D′) + β·Dev(D′), next to full retraining. The default measure is \
                gaussian (D′ is not paired); with explicit, each sample of D′ is paired with itself in D. Prints \
                one Table III report per mutant. JSON: {"targetDrop", "mutants": [{"seed", "mutant", \
                "accuracyDrop", "report"}]}.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions
        @OptionGroup var retraining: RetrainingArguments

        @Option(help: "The checkpoint (.safetensors) to mutate and repair.")
        var model: String

        @Option(help: "N: D is the first N training samples.")
        var samples: Int = 1000

        @Option(help: "The target accuracy drop as a fraction of the original accuracy, in (0, 1): 0.1, 0.3, 0.5.")
        var drop: Double = 0.3

        @Option(help: "How many mutants to make and repair.")
        var mutants: Int = 1

        func validate() throws {
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
            guard mutants >= 1 else { throw ValidationError("--mutants must be at least 1, got \(mutants)") }
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            try retraining.check()
            guard drop > 0, drop < 1 else { throw CLIError("--drop must be in (0, 1), got \(drop)") }
            let measure = try retraining.makeMeasure(default: "gaussian")
            let options = try retraining.retrainingOptions()
            let readapter = try Readapter(
                measure: measure, top: retraining.top, options: options, runsFullBaseline: !retraining.noBaseline)
            let (network, original, test) = try ReadaptionSupport.load(model: model, data: data, samples: samples)

            var outputs: [RepairMutantOutput] = []
            for offset in 0..<mutants {
                let (seed, overflow) = retraining.seed.addingReportingOverflow(UInt64(offset))
                guard !overflow else { throw CLIError("--seed \(retraining.seed) + \(offset) overflows") }
                progress.line("mutant \(offset + 1)/\(mutants) (seed \(seed)): aiming at a \(drop) accuracy drop …")
                let mutant = try RepairMutator(options: .init(targetDrop: drop, seed: seed))
                    .mutate(network, evaluatingOn: original)
                let predictions = try ReadaptionSupport.predictions(of: mutant.model, on: original)
                let wrong = original.labels.indices.filter { predictions[$0] != original.labels[$0] }
                guard !wrong.isEmpty else {
                    throw CLIError(
                        "mutant seed \(seed) classifies all \(original.count) samples of D correctly: D′ is empty, "
                            + "nothing to repair")
                }
                progress.line(
                    String(
                        format: "  replaced %.3f%% of the weights: accuracy on D %.2f%% → %.2f%%, |D′| = %d",
                        mutant.fraction * 100, mutant.originalAccuracy * 100, mutant.accuracy * 100, wrong.count))
                var new = try original.subset(wrong)
                new.name = "D′ (mutant seed \(seed) wrong on \(original.name))"
                let readaptionData = try ReadaptionData(
                    original: original, new: new, sources: measure.pairing == .paired ? wrong : nil)
                let modules = try ReadaptionSupport.modules(
                    of: mutant.model, original: original, units: retraining.units, strategies: retraining.strategies,
                    progress: progress)
                let result = try ReadaptionSupport.run(
                    .repair, readapter: readapter, model: mutant.model, modules: modules,
                    data: readaptionData, test: test, epochs: options.epochs, progress: progress)
                let accuracyDrop =
                    mutant.originalAccuracy > 0 ? 1 - mutant.accuracy / mutant.originalAccuracy : 0
                outputs.append(
                    RepairMutantOutput(
                        seed: seed, mutant: mutant.summary, accuracyDrop: accuracyDrop, report: result.report))
            }
            let output = RepairOutput(targetDrop: drop, mutants: outputs)
            switch common.format {
            case .json: try JSONOutput.print(output)
            case .text: print(output.text)
            }
        }
    }
}

/// The JSON result of `deeparc repair`.
struct RepairOutput: Codable {
    /// The target accuracy drop (fraction of the original accuracy).
    var targetDrop: Double
    /// One entry per mutant.
    var mutants: [RepairMutantOutput]

    /// The reports for people.
    var text: String {
        mutants.map { entry in
            let mutant = entry.mutant
            let header = String(
                format: "mutant seed %llu: replaced %.3f%% of %d weights (%d); accuracy on D %.2f%% → %.2f%% "
                    + "(drop %.1f%% of the original, target %.0f%%)",
                entry.seed, mutant.fraction * 100, mutant.weightCount, mutant.replacedWeights,
                mutant.originalAccuracy * 100, mutant.accuracy * 100, entry.accuracyDrop * 100, targetDrop * 100)
            return header + "\n" + ReadaptionSupport.table(entry.report)
        }
        .joined(separator: "\n\n")
    }
}

/// One repaired mutant of `deeparc repair`.
struct RepairMutantOutput: Codable {
    /// The mutant's seed.
    var seed: UInt64
    /// How the mutant was made.
    var mutant: RepairMutant.Summary
    /// 1 − mutant accuracy / original accuracy on D.
    var accuracyDrop: Double
    /// The repair's Table III report.
    var report: ReadaptionReport
}
