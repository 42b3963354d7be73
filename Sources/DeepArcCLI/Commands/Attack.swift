import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc attack`: adversarial samples for the first N samples of a data set, written as .npz.
    struct Attack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate adversarial samples with fgsm, pgd, deepfool or cw and write them as .npz.",
            discussion: """
                Attacks the first N samples of the split (all of them, also those the model already gets \
                wrong) using the model's own input gradients in inference mode, and writes every adversarial \
                sample: arrays x (float32 [N, …], values in [0, 1]), y (int64 true labels) and source (int64 \
                index of each sample's original in the split), so each adversarial sample stays paired with \
                its source. The success rate counts the samples the model classified correctly before the \
                attack and misclassifies after it. `deeparc strategies` lists the attacks and their options. \
                JSON: {"method", "samples", "initiallyCorrect", "successes", "successRate", "meanLinf", \
                "maxLinf", "meanL2", "maxL2", "seconds", "out", "dataset", "split", "seed"}.
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "The checkpoint (.safetensors) to attack.")
        var model: String

        @Option(help: ArgumentHelp("The attack's identifier: fgsm, pgd, deepfool, cw.", valueName: "id"))
        var method: String

        @Option(
            name: .customLong("option"),
            help: ArgumentHelp(
                "An attack option as key=value (repeatable), e.g. epsilon=0.05; the value is JSON or a bare string.",
                valueName: "key=value"))
        var options: [String] = []

        @Option(help: "Attack the first N samples of the split (fewer when the split is smaller).")
        var samples: Int = 1000

        @Option(help: "Which split: train or test.")
        var split: String = "test"

        @Option(help: "Seed of the attack's random choices (PGD's random start).")
        var seed: UInt64 = 1

        @Option(help: "Samples per attack batch.")
        var batchSize: Int = 128

        @Option(help: "Where to write the adversarial samples (.npz).")
        var out: String

        func validate() throws {
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            guard DatasetSplit(rawValue: split) != nil else {
                throw ValidationError("--split must be train or test, got '\(split)'")
            }
        }

        func run() async throws {
            common.apply()
            let progress = ProgressReporter()
            // Everything that can be checked cheaply is checked before any work.
            let attack = try RegistryContext.registry.attacks.make(method, options: try OptionParsing.parse(options))
            try Self.checkOutputLocation(out)
            let (network, _) = try Checkpoint.load(from: model)
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            let count = min(samples, data.limit ?? samples)
            let dataset = try source.load(split: DatasetSplit(rawValue: split) ?? .test, limit: count)
            guard dataset.sampleShape == network.inputShape else {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(dataset.name) has \(dataset.sampleShape)")
            }
            guard dataset.count >= 1 else { throw CLIError("\(dataset.name) holds no samples to attack") }

            progress.line("attacking \(dataset.count) samples of \(dataset.name) with \(method) …")
            let start = Date()
            let total = dataset.count
            let outcome = try attack.attack(
                dataset.images, labels: dataset.labels, model: network, seed: seed, batchSize: batchSize
            ) { done in
                progress.update(title: method, fraction: Double(done) / Double(total), status: "\(done)/\(total)")
            }
            let seconds = Date().timeIntervalSince(start)

            let archive = try NPZArchive(entries: [
                .init(name: "x", array: NPYArray(tensor: outcome.adversarial)),
                .init(name: "y", array: try NPYArray(integers: dataset.labels)),
                .init(name: "source", array: try NPYArray(integers: Array(0..<total))),
            ])
            try archive.write(to: out)

            let report = outcome.report
            let summary = AttackSummary(
                method: method, samples: report.samples, initiallyCorrect: report.initiallyCorrect,
                successes: report.successes, successRate: report.successRate, meanLinf: report.meanLinf,
                maxLinf: report.maxLinf, meanL2: report.meanL2, maxL2: report.maxL2, seconds: seconds, out: out,
                dataset: dataset.name, split: split, seed: seed)
            switch common.format {
            case .json:
                try JSONOutput.print(summary)
            case .text:
                print(summary.text)
            }
        }

        /// Fails unless `path` names a file in an existing directory.
        static func checkOutputLocation(_ path: String) throws {
            guard !path.isEmpty, !path.hasSuffix("/") else { throw CLIError("--out '\(path)' must name a file") }
            let directory = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            let parent = directory.isEmpty ? "." : directory
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("cannot write \(path): the directory \(parent) does not exist")
            }
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw CLIError("cannot write \(path): it is a directory")
            }
        }
    }
}

/// The JSON result of `deeparc attack`.
struct AttackSummary: Codable {
    var method: String
    var samples: Int
    var initiallyCorrect: Int
    var successes: Int
    /// successes / initiallyCorrect; null when no sample was classified correctly before the attack.
    var successRate: Double?
    var meanLinf: Double
    var maxLinf: Double
    var meanL2: Double
    var maxL2: Double
    var seconds: Double
    var out: String
    var dataset: String
    var split: String
    var seed: UInt64

    private enum CodingKeys: String, CodingKey {
        case method, samples, initiallyCorrect, successes, successRate, meanLinf, maxLinf, meanL2, maxL2, seconds
        case out, dataset, split, seed
    }

    /// Encodes every key, `successRate` as null when undefined.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(samples, forKey: .samples)
        try container.encode(initiallyCorrect, forKey: .initiallyCorrect)
        try container.encode(successes, forKey: .successes)
        try container.encode(successRate, forKey: .successRate)
        try container.encode(meanLinf, forKey: .meanLinf)
        try container.encode(maxLinf, forKey: .maxLinf)
        try container.encode(meanL2, forKey: .meanL2)
        try container.encode(maxL2, forKey: .maxL2)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(out, forKey: .out)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(split, forKey: .split)
        try container.encode(seed, forKey: .seed)
    }

    /// One line for people.
    var text: String {
        let rate = successRate.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a"
        return String(
            format: "%@: %d samples, %d initially correct, success rate %@ (%d fooled); mean L∞ %.4f, mean L2 %.4f; "
                + "%.1f s; wrote %@",
            method, samples, initiallyCorrect, rate, successes, meanLinf, meanL2, seconds, out)
    }
}
