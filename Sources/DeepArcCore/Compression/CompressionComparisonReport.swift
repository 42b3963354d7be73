import Foundation

/// The result of a ``CompressionComparison``: DeepArc's Table II for the methods compared.
public struct CompressionComparisonReport: Sendable, Equatable, Codable {
    /// One run: a method with or without DeepArc's preprocessing.
    public struct Row: Sendable, Equatable, Codable {
        /// The compressor's identifier.
        public var method: String
        /// Whether the run started from the preprocessed model.
        public var deeparc: Bool
        /// Rounds kept that pruned something (Table II's "number of iterations").
        public var rounds: Int
        /// Kept prunable weights / the original model's prunable weights (Table II's compression rate,
        /// the remaining density).
        public var density: Double
        /// Test accuracy of the compressed model.
        public var accuracy: Double
        /// The dense model's accuracy minus ``accuracy``.
        public var accuracyDrop: Double
        /// Wall time of the pruning rounds, in seconds.
        public var seconds: Double
        /// Wall time of the shared preprocessing (0 without it), in seconds: a DeepArc run costs
        /// `preprocessSeconds + seconds`.
        public var preprocessSeconds: Double
        /// Non-zero kept weights plus non-prunable parameters of the result (``ModelFootprint/parameters``).
        public var parameters: Int
        /// Per-sample MACs of the result's dense architecture.
        public var multiplyAccumulates: Int
        /// Per-sample MACs with each conv/dense layer scaled by its density.
        public var effectiveMultiplyAccumulates: Int
        /// Why the run stopped.
        public var stopReason: CompressionReport.StopReason

        /// The row of a run's report.
        public init(report: CompressionReport, deeparc: Bool) {
            method = report.method
            self.deeparc = deeparc
            rounds = report.completedRounds
            density = report.densityOfOriginal
            accuracy = report.accuracy
            accuracyDrop = report.denseAccuracy - report.accuracy
            seconds = report.seconds
            preprocessSeconds = report.preprocessing?.seconds ?? 0
            parameters = report.final.parameters
            multiplyAccumulates = report.final.multiplyAccumulates
            effectiveMultiplyAccumulates = report.final.effectiveMultiplyAccumulates
            stopReason = report.stopReason
        }
    }

    /// The dense model's test accuracy.
    public var denseAccuracy: Double
    /// The dense model's footprint.
    public var original: ModelFootprint
    /// The schedule every run followed.
    public var schedule: CompressionSchedule
    /// The shared preprocessing, if any.
    public var preprocessing: CompressionPreprocessingReport?
    /// One row per run.
    public var rows: [Row]
    /// Each run's full report, in row order.
    public var runs: [CompressionReport]
    /// Wall time of the whole comparison, in seconds.
    public var seconds: Double

    /// Creates a report.
    public init(
        denseAccuracy: Double, original: ModelFootprint, schedule: CompressionSchedule,
        preprocessing: CompressionPreprocessingReport?, rows: [Row], runs: [CompressionReport], seconds: Double
    ) {
        self.denseAccuracy = denseAccuracy
        self.original = original
        self.schedule = schedule
        self.preprocessing = preprocessing
        self.rows = rows
        self.runs = runs
        self.seconds = seconds
    }

    // MARK: - Text

    /// The table for people: one line per run, the dense model first.
    public var text: String {
        let header = ["method", "DeepArc", "rounds", "density", "accuracy", "drop", "params", "MACs", "eff. MACs", "time", "stop"]
        var table: [[String]] = [header]
        table.append([
            "dense", "", "", "100.00%", Self.percent(denseAccuracy), "", "\(original.parameters)",
            Self.count(original.multiplyAccumulates), Self.count(original.effectiveMultiplyAccumulates), "", "",
        ])
        for row in rows {
            table.append([
                row.method, row.deeparc ? "yes" : "no", "\(row.rounds)", Self.percent(row.density),
                Self.percent(row.accuracy), Self.percent(row.accuracyDrop), "\(row.parameters)",
                Self.count(row.multiplyAccumulates), Self.count(row.effectiveMultiplyAccumulates),
                row.deeparc
                    ? String(format: "%.1f+%.1f s", row.preprocessSeconds, row.seconds)
                    : String(format: "%.1f s", row.seconds),
                row.stopReason.rawValue,
            ])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        var lines = table.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == cells.count - 1 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
        lines.insert(
            String(
                format: "%.0f%% of the remaining weights per round, at most %d rounds, accuracy drop ≤ %.2f%%, "
                    + "%d fine-tuning epoch(s) per round",
                schedule.amountPerRound * 100, schedule.maxRounds, schedule.maxAccuracyDrop * 100,
                schedule.epochsPerRound), at: 0)
        if let preprocessing {
            lines.append(
                "DeepArc preprocessing: \(preprocessing.unitsBefore) → \(preprocessing.unitsAfter) units, "
                    + "\(preprocessing.parametersBefore) → \(preprocessing.parametersAfter) parameters, accuracy "
                    + "\(Self.percent(preprocessing.accuracy)) after \(preprocessing.fineTuneEpochs) epoch(s)")
        }
        return lines.joined(separator: "\n")
    }

    private static func percent(_ value: Double) -> String {
        String(format: "%.2f%%", value * 100)
    }

    /// 1234 → 1234, 12345678 → 12.35M.
    private static func count(_ value: Int) -> String {
        if value >= 10_000_000 { return String(format: "%.2fM", Double(value) / 1e6) }
        if value >= 10_000 { return String(format: "%.1fk", Double(value) / 1e3) }
        return "\(value)"
    }
}
