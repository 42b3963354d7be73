import Foundation

/// The outcome of a ``CompressionRun``: the dense baseline, the optional preprocessing, every round,
/// why the run stopped, and the kept model's accuracy, density and cost.
public struct CompressionReport: Sendable, Equatable, Codable {
    /// Why a run stopped.
    public enum StopReason: String, Sendable, Equatable, Codable, CaseIterable {
        /// `maxRounds` rounds were run and kept.
        case maxRounds = "max-rounds"
        /// The last round dropped the accuracy more than `maxAccuracyDrop` below the dense model's; it was
        /// discarded.
        case accuracyDrop = "accuracy-drop"
        /// The last round pruned nothing (see ``CompressionRoundReport/isNoOp``).
        case nothingPruned = "nothing-pruned"
        /// The compressor refused the next round (for example an unreachable Uniform+ target); the
        /// message is in ``CompressionReport/stopDetail``. No round is reported for it.
        case compressorFailed = "compressor-failed"
        /// Fine-tuning diverged (NaN or infinite loss); that round was discarded and is not reported.
        case diverged
        /// The kept weights reached the schedule's `targetDensity` of the original model's prunable
        /// weights (possibly before any round, when preprocessing alone got there).
        case targetDensity = "target-density"
    }

    /// The compressor's identifier.
    public var method: String
    /// The schedule the run followed.
    public var schedule: CompressionSchedule
    /// Test accuracy of the dense model the run started from (the stopping rule's reference).
    public var denseAccuracy: Double
    /// Mean test cross-entropy of the dense model.
    public var denseLoss: Double
    /// The dense model's footprint.
    public var original: ModelFootprint
    /// What preprocessing did, when the run had a preprocessing step.
    public var preprocessing: CompressionPreprocessingReport?
    /// The names of the pruned model's prunable tensors, in model order.
    public var layerNames: [String]
    /// Their sizes n_l.
    public var layerSizes: [Int]
    /// Every round run, including a discarded last one.
    public var rounds: [CompressionRoundReport]
    /// Rounds that were kept and pruned something.
    public var completedRounds: Int
    /// Why the run stopped.
    public var stopReason: StopReason
    /// Details of the stop: the compressor's or the training's error message, if any.
    public var stopDetail: String?
    /// Test accuracy of the kept model.
    public var accuracy: Double
    /// Mean test cross-entropy of the kept model.
    public var loss: Double
    /// The kept model's footprint.
    public var final: ModelFootprint
    /// Kept prunable weights / the original model's prunable weights (Table II's remaining density).
    public var densityOfOriginal: Double
    /// Wall time of the run (dense evaluation, preprocessing, rounds), in seconds.
    public var seconds: Double

    /// Creates a report.
    public init(
        method: String, schedule: CompressionSchedule, denseAccuracy: Double, denseLoss: Double,
        original: ModelFootprint, preprocessing: CompressionPreprocessingReport?, layerNames: [String],
        layerSizes: [Int], rounds: [CompressionRoundReport], completedRounds: Int, stopReason: StopReason,
        stopDetail: String?, accuracy: Double, loss: Double, final: ModelFootprint, densityOfOriginal: Double,
        seconds: Double
    ) {
        self.method = method
        self.schedule = schedule
        self.denseAccuracy = denseAccuracy
        self.denseLoss = denseLoss
        self.original = original
        self.preprocessing = preprocessing
        self.layerNames = layerNames
        self.layerSizes = layerSizes
        self.rounds = rounds
        self.completedRounds = completedRounds
        self.stopReason = stopReason
        self.stopDetail = stopDetail
        self.accuracy = accuracy
        self.loss = loss
        self.final = final
        self.densityOfOriginal = densityOfOriginal
        self.seconds = seconds
    }

    /// The kept model's density relative to its own prunable weights.
    public var density: Double { final.density }

    // MARK: - Text

    /// A few lines for people: baseline, preprocessing, one line per round, the result.
    public var text: String {
        var lines = [
            "\(method): dense accuracy \(Self.percent(denseAccuracy)), \(original.prunableWeights) prunable weights, "
                + "\(original.parameters) parameters"
        ]
        if let preprocessing {
            lines.append(
                "  preprocessing: \(preprocessing.unitsBefore) → \(preprocessing.unitsAfter) units"
                    + (preprocessing.removedUnits.isEmpty ? "" : " (removed \(preprocessing.removedUnits.joined(separator: ", ")))")
                    + ", \(preprocessing.parametersBefore) → \(preprocessing.parametersAfter) parameters, accuracy "
                    + "\(Self.percent(preprocessing.accuracyBeforeFineTuning)) → \(Self.percent(preprocessing.accuracy))"
                    + " after \(preprocessing.fineTuneEpochs) epoch(s), \(Self.seconds(preprocessing.seconds))")
        }
        for round in rounds {
            var line =
                "  round \(round.round): pruned \(round.prunedCount), density \(Self.percent(round.densityOfOriginal)), "
                + "accuracy \(Self.percent(round.accuracy)), \(Self.seconds(round.seconds))"
            if round.isNoOp { line += "  (no-op: nothing pruned)" }
            if !round.accepted { line += "  (discarded: accuracy drop \(Self.percent(round.accuracyDrop)))" }
            lines.append(line)
        }
        lines.append(
            "  stopped: \(stopReason.rawValue)\(stopDetail.map { " (\($0))" } ?? ""); \(completedRounds) round(s) kept, "
                + "density \(Self.percent(densityOfOriginal)), accuracy \(Self.percent(accuracy)), "
                + "\(final.parameters) parameters, \(final.effectiveMultiplyAccumulates) effective MACs, "
                + Self.seconds(seconds))
        return lines.joined(separator: "\n")
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.2f%%", value * 100)
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.1f s", value)
    }
}
