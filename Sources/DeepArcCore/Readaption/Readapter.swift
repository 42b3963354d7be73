public import DeepArcData
public import DeepArcNN
import Foundation

/// The re-adaption pipeline (paper §II.C, §III.E): locate the critical module(s), retrain them
/// modularly, retrain the whole model as the baseline, and report both (Table III).
///
/// ```swift
/// let readapter = try Readapter(measure: try ExplicitDeviation(options: .init()))
/// let result = try readapter.run(.enhancement, model: model, modules: modularization, data: data, test: test)
/// print(result.report.modular.accuracyAfter.new, result.report.full?.accuracyAfter.new ?? .nan)
/// ```
public struct Readapter {
    /// Locates the critical modules.
    public var locator: CriticalModuleLocator
    /// Retrains them (and the baseline).
    public var retrainer: ModularRetrainer
    /// Whether to run the full-retraining baseline (default true).
    public var runsFullBaseline: Bool
    /// Samples per inference pass while evaluating.
    public var evaluationBatchSize: Int = 256

    /// Creates a pipeline.
    /// - Parameters:
    ///   - measure: the deviation measure for both locating and the β·Dev term.
    ///   - top: how many modules to retrain (default 1).
    ///   - options: the retraining recipe.
    ///   - runsFullBaseline: also retrain every unit for comparison.
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` for invalid settings.
    public init(
        measure: any DeviationMeasure, top: Int = 1, options: ModularRetrainer.Options = .init(),
        runsFullBaseline: Bool = true
    ) throws(DeepArcError) {
        locator = try CriticalModuleLocator(measure: measure, top: top)
        retrainer = try ModularRetrainer(measure: measure, options: options)
        self.runsFullBaseline = runsFullBaseline
    }

    /// Runs the task on a modularization of `model`.
    /// - Throws: as the variant taking `moduleUnits`.
    public func run(
        _ task: ReadaptionTask, model: Model, modules: ModularizationResult, data: ReadaptionData, test: Dataset? = nil,
        retraining indices: [Int]? = nil, onEpoch: (_ full: Bool, RetrainingSummary.Epoch) -> Void = { _, _ in }
    ) throws -> ReadaptionResult {
        try run(
            task, model: model, moduleUnits: modules.moduleUnits, data: data, test: test, modules: indices,
            onEpoch: onEpoch)
    }

    /// Runs the task on modules given as model units.
    /// - Parameters:
    ///   - modules: the module indices to retrain; `nil` locates the critical ones.
    ///   - onEpoch: called after every epoch of either run (`full` tells which).
    /// - Returns: the report and both retrained models.
    /// - Throws: the errors of ``CriticalModuleLocator``, `RetrainingScope.modules(_:of:)`
    ///   and ``ModularRetrainer/retrain(_:scope:data:onEpoch:)``; the model's errors.
    public func run(
        _ task: ReadaptionTask, model: Model, moduleUnits: [[Int]], data: ReadaptionData, test: Dataset? = nil,
        modules indices: [Int]? = nil, onEpoch: (_ full: Bool, RetrainingSummary.Epoch) -> Void = { _, _ in }
    ) throws -> ReadaptionResult {
        try ModuleLayout.validate(moduleUnits, unitCount: model.unitCount)
        if let test, test.sampleShape != model.inputShape {
            throw DeepArcError.invalidConfiguration(
                reason:
                    "re-adaption: the test set \(test.name) has samples of shape \(test.sampleShape), the model expects \(model.inputShape)"
            )
        }
        let ranking: CriticalModuleRanking?
        let scope: RetrainingScope
        let locateStarted = Date()
        if let indices {
            ranking = nil
            scope = try RetrainingScope.modules(indices, of: moduleUnits)
        } else {
            let located = try locator.locate(in: model, moduleUnits: moduleUnits, data: data)
            ranking = located
            scope = try RetrainingScope.critical(located)
        }
        let locateSeconds = ranking == nil ? 0 : Date().timeIntervalSince(locateStarted)
        let before = try accuracies(of: model, data: data, test: test)
        let modular = try retrainer.retrain(model, scope: scope, data: data) { onEpoch(false, $0) }
        let modularSide = ReadaptionReport.Side(
            run: modular.summary, accuracyAfter: try accuracies(of: modular.model, data: data, test: test))
        var full: RetrainingOutcome?
        var fullSide: ReadaptionReport.Side?
        if runsFullBaseline {
            let outcome = try retrainer.retrain(model, scope: scope.fullModel, data: data) { onEpoch(true, $0) }
            full = outcome
            fullSide = ReadaptionReport.Side(
                run: outcome.summary, accuracyAfter: try accuracies(of: outcome.model, data: data, test: test))
        }
        let report = ReadaptionReport(
            task: task, measure: type(of: retrainer.measure).identifier, options: retrainer.options, ranking: ranking,
            locateSeconds: locateSeconds,
            scope: scope,
            sampleCounts: ["original": data.original.count, "new": data.new.count, "test": test?.count ?? 0],
            accuracyBefore: before, modular: modularSide, full: fullSide)
        return ReadaptionResult(report: report, modularModel: modular.model, fullModel: full?.model)
    }

    private func accuracies(of model: Model, data: ReadaptionData, test: Dataset?) throws -> ReadaptionReport.Accuracies
    {
        func accuracy(_ set: Dataset) throws -> Double {
            try ModelTrainer.evaluate(
                model: model, images: set.images, labels: set.labels, batchSize: evaluationBatchSize
            )
            .accuracy
        }
        return .init(new: try accuracy(data.new), original: try accuracy(data.original), test: try test.map(accuracy))
    }
}

/// What ``Readapter`` produced: the report and the retrained models.
public struct ReadaptionResult {
    /// The Table III report (a caller that modularized the model records the time in
    /// ``ReadaptionReport/modularizationSeconds``).
    public var report: ReadaptionReport
    /// The modularly retrained model.
    public let modularModel: Model
    /// The fully retrained model, when the baseline ran.
    public let fullModel: Model?
}
