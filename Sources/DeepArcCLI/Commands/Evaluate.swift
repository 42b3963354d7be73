import ArgumentParser
import DeepArc
import Foundation

extension DeepArcCommand {
    /// `deeparc evaluate`: accuracy and loss of a checkpoint on a data set.
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a checkpoint on a data set: accuracy and mean cross-entropy loss.")

        @OptionGroup var common: CommonOptions
        @OptionGroup var data: DataOptions

        @Option(help: "The checkpoint (.safetensors) to evaluate.")
        var model: String

        @Option(help: "Which split: train or test.")
        var split: String = "test"

        @Option(help: "Samples per inference batch.")
        var batchSize: Int = 256

        func validate() throws {
            guard DatasetSplit(rawValue: split) != nil else {
                throw ValidationError("--split must be train or test, got '\(split)'")
            }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() async throws {
            common.apply()
            let (network, _) = try Checkpoint.load(from: model)
            let source = try DatasetSource(parsing: data.dataset, dataDirectory: data.dataDir)
            let dataset = try source.load(split: DatasetSplit(rawValue: split) ?? .test, limit: data.limit)
            guard dataset.sampleShape == network.inputShape else {
                throw CLIError(
                    "\(model) expects samples of shape \(network.inputShape), but \(dataset.name) has \(dataset.sampleShape)")
            }
            let start = Date()
            let result = try ModelTrainer.evaluate(
                model: network, images: dataset.images, labels: dataset.labels, batchSize: batchSize)
            let summary = EvaluationSummary(
                accuracy: result.accuracy, loss: result.loss, samples: result.count, correct: result.correct,
                dataset: dataset.name, split: split, seconds: Date().timeIntervalSince(start))
            switch common.format {
            case .json:
                try JSONOutput.print(summary)
            case .text:
                print(
                    String(
                        format: "%@ on %@ (%@): accuracy %.2f%% (%d/%d), loss %.4f", model, dataset.name, split,
                        summary.accuracy * 100, summary.correct, summary.samples, summary.loss))
            }
        }
    }
}

/// The JSON result of `deeparc evaluate`.
struct EvaluationSummary: Codable {
    var accuracy: Double
    var loss: Double
    var samples: Int
    var correct: Int
    var dataset: String
    var split: String
    var seconds: Double
}
