public import DeepArcData
public import DeepArcNN
import Foundation

/// DeepArc's Table II as an experiment: several compressors, each run on the same trained model with and
/// without DeepArc's preprocessing, with the same schedule, fine-tuning recipe and seed.
///
/// The dense model is evaluated and measured once. The preprocessing (when given) is applied once to a
/// copy and fine-tuned; every "with DeepArc" run starts from a copy of that preprocessed model, every
/// "without" run from a copy of the dense model. All runs use the dense model's accuracy as the
/// stopping rule's reference (see ``CompressionRun``). Each row reports the remaining density relative
/// to the *original* model's prunable weights, so the two columns compare like with like.
///
/// ```swift
/// let comparison = try CompressionComparison(registry: .builtIn, preprocess: removal.apply(to:))
/// let report = try comparison.run(model, train: train, test: test)
/// print(report.text)
/// ```
public struct CompressionComparison {
    /// Something that happened during a comparison, for progress displays.
    public enum Event {
        /// A run is about to start.
        case started(method: String, deeparc: Bool)
        /// The shared preprocessing is running (its fine-tuning steps) or finished.
        case preprocessing(CompressionRun.Event)
        /// Progress of one run.
        case run(method: String, deeparc: Bool, CompressionRun.Event)
        /// A run finished; `model` is its compressed model (for saving).
        case finished(CompressionComparisonReport.Row, model: Model)
    }

    /// The methods of Table II, in its order: LAMP, Global, Uniform+, ERK.
    public static let defaultMethods = ["lamp", "global", "uniform-plus", "erk"]

    /// The compressors to compare, in row order.
    public var compressors: [any Compressor]
    /// The schedule every run follows.
    public var schedule: CompressionSchedule
    /// The fine-tuning recipe every run uses (same seed for all).
    public var fineTuning: TrainingConfiguration
    /// DeepArc's preprocessing; nil compares the methods without it only.
    public var preprocess: ((Model) throws -> Model)?
    /// Samples per inference batch when evaluating.
    public var evaluationBatchSize: Int

    /// Creates a comparison of the given compressors.
    public init(
        compressors: [any Compressor], schedule: CompressionSchedule = CompressionSchedule(),
        fineTuning: TrainingConfiguration = CompressionRun.officialFineTuning,
        preprocess: ((Model) throws -> Model)? = nil, evaluationBatchSize: Int = 256
    ) {
        self.compressors = compressors
        self.schedule = schedule
        self.fineTuning = fineTuning
        self.preprocess = preprocess
        self.evaluationBatchSize = evaluationBatchSize
    }

    /// Creates a comparison of compressors looked up in `registry`.
    /// - Parameters:
    ///   - methods: compressor identifiers (default ``defaultMethods``).
    ///   - options: raw options given to every compressor (nil: each one's defaults).
    /// - Throws: `DeepArcError.unknownStrategy(kind:name:available:)`, or a compressor's option error.
    public init(
        registry: StrategyRegistry, methods: [String] = CompressionComparison.defaultMethods, options: ConfigValue? = nil,
        schedule: CompressionSchedule = CompressionSchedule(),
        fineTuning: TrainingConfiguration = CompressionRun.officialFineTuning,
        preprocess: ((Model) throws -> Model)? = nil, evaluationBatchSize: Int = 256
    ) throws {
        let compressors = try methods.map { try registry.compressors.make($0, options: options) }
        self.init(
            compressors: compressors, schedule: schedule, fineTuning: fineTuning, preprocess: preprocess,
            evaluationBatchSize: evaluationBatchSize)
    }

    /// Runs every compressor, without and (when ``preprocess`` is set) with preprocessing.
    /// - Parameters:
    ///   - model: the trained dense model; left unchanged.
    ///   - train: fine-tuning data.
    ///   - test: evaluation data.
    ///   - onEvent: progress callback.
    /// - Returns: one row per run: per method, the plain run, then the DeepArc run.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an empty method list or an invalid
    ///   schedule, recipe or data; the errors of ``CompressionRun/run(_:train:test:onEvent:)``.
    public func run(
        _ model: Model, train: Dataset, test: Dataset, onEvent: (Event) -> Void = { _ in }
    ) throws -> CompressionComparisonReport {
        guard !compressors.isEmpty else {
            throw DeepArcError.invalidConfiguration(reason: "compression comparison: no methods to compare")
        }
        func makeRun(_ compressor: any Compressor) -> CompressionRun {
            CompressionRun(
                compressor: compressor, schedule: schedule, fineTuning: fineTuning,
                evaluationBatchSize: evaluationBatchSize)
        }
        let start = Date()
        try makeRun(compressors[0]).validate(train: train, test: test, model: model)
        let dense = try ModelTrainer.evaluate(
            model: model, images: test.images, labels: test.labels, batchSize: evaluationBatchSize)
        let original = try ModelFootprint(of: model)
        var preprocessed: (model: Model, report: CompressionPreprocessingReport)?
        if let preprocess {
            let (transformed, report) = try CompressionRun.preprocessed(
                model, with: preprocess, epochs: schedule.preprocessEpochs, fineTuning: fineTuning, train: train,
                test: test, batchSize: evaluationBatchSize, onEvent: { onEvent(.preprocessing($0)) })
            onEvent(.preprocessing(.preprocessed(report)))
            preprocessed = (transformed, report)
        }
        var rows: [CompressionComparisonReport.Row] = []
        var runs: [CompressionReport] = []
        for compressor in compressors {
            let method = type(of: compressor).identifier
            let variants: [(deeparc: Bool, model: Model, report: CompressionPreprocessingReport?)] =
                [(false, model, nil)] + (preprocessed.map { [(true, $0.model, $0.report)] } ?? [])
            for variant in variants {
                onEvent(.started(method: method, deeparc: variant.deeparc))
                let result = try makeRun(compressor).rounds(
                    on: try variant.model.copy(), dense: dense, original: original, preprocessing: variant.report,
                    train: train, test: test, start: Date(),
                    onEvent: { onEvent(.run(method: method, deeparc: variant.deeparc, $0)) })
                let row = CompressionComparisonReport.Row(report: result.report, deeparc: variant.deeparc)
                rows.append(row)
                runs.append(result.report)
                onEvent(.finished(row, model: result.model))
            }
        }
        return CompressionComparisonReport(
            denseAccuracy: dense.accuracy, original: original, schedule: schedule,
            preprocessing: preprocessed?.report, rows: rows, runs: runs, seconds: Date().timeIntervalSince(start))
    }
}
