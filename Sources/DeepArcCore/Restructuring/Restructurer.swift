public import DeepArcData
public import DeepArcNN
public import DeepArcTensor
import Foundation

/// Restructures a model along its semantic architecture (paper §II.B): removes intra-module units
/// (keeping each module's first unit as its interface), removes any chosen units (for the
/// inter-module comparison), or repeats intra-module units; splices a trained sewing adapter
/// where a removal breaks the shape chain; optionally fine-tunes the result.
///
/// ```swift
/// let modularization = try Modularizer(similarity: cka, partitioner: greedy).modularize(model, samples: images)
/// let result = try Restructurer().restructure(
///     model, modularization: modularization, operation: .removeIntraModule(count: nil),
///     sewingSamples: try train.images.slice(batch: 0..<1000), evaluation: test)
/// try Checkpoint.save(result.model, to: "thin.safetensors")
/// ```
///
/// **Sewing.** Removed units are grouped into maximal consecutive spans. A span whose output shape
/// equals its input shape is simply dropped. Any other span is replaced by a ``SewingAdapter``
/// named `sew.<first>-<last>`, trained alone (everything else frozen) to map what the restructured
/// model feeds it — the output of the kept unit before the span — to the span's output in the
/// original model, by mean squared error on the sewing samples. Adapters are sewn in model order,
/// so a later adapter sees the earlier ones' outputs. When the span's last unit ends in a ReLU the
/// adapter ends in one too (``RestructuringOptions/adapterReLU``): the targets are then ≥ 0, and
/// clipping at 0 can only bring a prediction closer.
public struct Restructurer {
    /// A restructured model and what was done to it.
    public struct Result {
        /// The new model (a separate copy: the original is not changed).
        public var model: Model
        /// What was planned.
        public var plan: RestructuringPlan
        /// What was done and measured.
        public var report: RestructuringReport
    }

    /// Sewing, fine-tuning and batching options.
    public var options: RestructuringOptions

    /// Creates a restructurer.
    public init(options: RestructuringOptions = RestructuringOptions()) {
        self.options = options
    }

    // MARK: - Planning

    /// Decides what `operation` does to `model` given its modularization, without touching data.
    /// - Throws: ``RestructuringError`` for a modularization of another model, unit indices out of
    ///   range, removing the head, nothing to remove or duplicate, more units than available, or a
    ///   removal that cannot be sewn.
    public func plan(
        _ model: Model, modularization: ModularizationResult, operation: RestructuringOperation
    ) throws(RestructuringError) -> RestructuringPlan {
        try Self.check(modularization, against: model)
        let spec = model.spec
        let shapes: [[Int]]
        do {
            shapes = try spec.unitOutputShapes()
        } catch {
            throw .modularizationMismatch(reason: "the model's units do not chain: \(error)")
        }
        func inputShape(of unit: Int) -> [Int] { unit == 0 ? spec.inputShape : shapes[unit - 1] }

        switch operation {
        case .removeIntraModule(let count):
            let order = modularization.removalOrderUnits
            guard !order.isEmpty else {
                throw .nothingToDo(reason: "the semantic architecture has no multi-layer module, so no intra-module unit")
            }
            let requested = count ?? order.count
            guard requested >= 1 else { throw .nothingToDo(reason: "asked to remove \(requested) intra-module units") }
            guard requested <= order.count else {
                throw .tooFewUnits(operation: "remove", requested: requested, available: order.count)
            }
            return try removalPlan(
                Array(order.prefix(requested)), model: model, operation: operation, inputShape: inputShape,
                shapes: shapes)

        case .removeUnits(let units):
            guard !units.isEmpty else { throw .nothingToDo(reason: "no units given to remove") }
            var seen = Set<Int>()
            for unit in units {
                guard unit >= 0, unit < model.unitCount else {
                    throw .unitOutOfRange(unit: unit, unitCount: model.unitCount)
                }
                guard seen.insert(unit).inserted else {
                    throw .invalidOption(option: "units", reason: "unit \(unit) is listed twice")
                }
            }
            return try removalPlan(
                units, model: model, operation: operation, inputShape: inputShape, shapes: shapes)

        case .duplicateIntraModule(let count):
            let order = modularization.architecture.duplicationOrder.map { modularization.unitIndices[$0] }
            guard !order.isEmpty else {
                throw .nothingToDo(reason: "the semantic architecture has no multi-layer module, so no intra-module unit")
            }
            guard count >= 1 else { throw .nothingToDo(reason: "asked to duplicate \(count) units") }
            let eligible = order.filter { inputShape(of: $0) == shapes[$0] }
            let skipped = order.filter { inputShape(of: $0) != shapes[$0] }
            guard count <= eligible.count else {
                throw .tooFewUnits(operation: "duplicate", requested: count, available: eligible.count)
            }
            let chosen = Array(eligible.prefix(count))
            let chosenSet = Set(chosen)
            var names = Set(spec.units.map(\.name))
            var units: [ModelSpec.Unit] = []
            var origins: [RestructuringPlan.Origin] = []
            for (index, unit) in spec.units.enumerated() {
                units.append(unit)
                origins.append(.kept(index))
                if chosenSet.contains(index) {
                    units.append(ModelSpec.Unit(name: Self.uniqueName("\(unit.name).copy1", in: &names), layer: unit.layer))
                    origins.append(.copied(index))
                }
            }
            let newSpec = try Self.makeSpec(from: spec, units: units, what: "duplicating units \(chosen)")
            return RestructuringPlan(
                operation: operation, removedUnits: [], spans: [], duplicatedUnits: chosen, skippedUnits: skipped,
                spec: newSpec, origins: origins)
        }
    }

    private func removalPlan(
        _ removed: [Int], model: Model, operation: RestructuringOperation, inputShape: (Int) -> [Int],
        shapes: [[Int]]
    ) throws(RestructuringError) -> RestructuringPlan {
        let spec = model.spec
        let sorted = removed.sorted()
        let head = model.unitCount - 1
        guard !sorted.contains(head) else { throw .removesHead(unit: head, name: spec.units[head].name) }
        // Maximal runs of consecutive removed units.
        var spans: [RestructuringPlan.RemovedSpan] = []
        for unit in sorted {
            if let last = spans.last, last.last == unit - 1 {
                spans[spans.count - 1].last = unit
                spans[spans.count - 1].outputShape = shapes[unit]
            } else {
                spans.append(.init(first: unit, last: unit, inputShape: inputShape(unit), outputShape: shapes[unit]))
            }
        }
        var names = Set(spec.units.map(\.name))
        var units: [ModelSpec.Unit] = []
        var origins: [RestructuringPlan.Origin] = []
        let spanByStart = Dictionary(uniqueKeysWithValues: spans.map { ($0.first, $0) })
        let removedSet = Set(sorted)
        for (index, unit) in spec.units.enumerated() {
            if let span = spanByStart[index], span.needsAdapter {
                let label = Self.describe(span, in: spec)
                let relu = options.adapterReLU && SewingAdapter.endsNonNegative(spec.units[span.last].layer)
                let layer = try SewingAdapter.layer(
                    from: span.inputShape, to: span.outputShape, batchNorm: options.adapterBatchNorm, relu: relu,
                    units: label)
                units.append(
                    ModelSpec.Unit(name: Self.uniqueName("sew.\(span.first)-\(span.last)", in: &names), layer: layer))
                origins.append(.adapter(span))
            }
            guard !removedSet.contains(index) else { continue }
            units.append(unit)
            origins.append(.kept(index))
        }
        let newSpec = try Self.makeSpec(from: spec, units: units, what: "removing units \(sorted)")
        return RestructuringPlan(
            operation: operation, removedUnits: sorted, spans: spans, duplicatedUnits: [], skippedUnits: [],
            spec: newSpec, origins: origins)
    }

    // MARK: - Restructuring

    /// Plans `operation`, builds the new model, sews its adapters on `sewingSamples`, optionally
    /// fine-tunes it on `fineTuningData`, and evaluates both models on `evaluation`.
    ///
    /// - Parameters:
    ///   - model: the original model (left unchanged).
    ///   - modularization: its semantic architecture (from ``Modularizer``).
    ///   - sewingSamples: `[m] + model.inputShape` training inputs the adapters are trained on
    ///     (unused when no adapter is needed; at least 2 otherwise).
    ///   - fineTuningData: training data for ``RestructuringOptions/fineTuneEpochs`` epochs of
    ///     fine-tuning (required when that is positive).
    ///   - evaluation: a labelled set to measure accuracy before and after (optional).
    ///   - progress: called with a line of text at each milestone.
    /// - Throws: ``RestructuringError`` (see ``plan(_:modularization:operation:)``, bad options or
    ///   samples), the model's and training's errors.
    public func restructure(
        _ model: Model, modularization: ModularizationResult, operation: RestructuringOperation,
        sewingSamples: Tensor? = nil, fineTuningData: Dataset? = nil, evaluation: Dataset? = nil,
        progress: (String) -> Void = { _ in }
    ) throws -> Result {
        let started = Date()
        try options.validate()
        let plan = try self.plan(model, modularization: modularization, operation: operation)
        if options.fineTuneEpochs > 0, fineTuningData == nil {
            throw RestructuringError.invalidOption(
                option: "fineTuneEpochs", reason: "\(options.fineTuneEpochs) epochs of fine-tuning need training data")
        }
        if let evaluation, evaluation.sampleShape != model.inputShape {
            throw RestructuringError.invalidSamples(
                reason: "evaluation set \(evaluation.name) has samples of shape \(evaluation.sampleShape), "
                    + "the model expects \(model.inputShape)")
        }
        let positions = plan.adapterPositions
        var samples = Tensor(zeros: [0])
        if !positions.isEmpty {
            guard let sewingSamples, sewingSamples.batchCount >= 2 else {
                throw RestructuringError.invalidSamples(
                    reason: "sewing \(positions.count) adapter(s) needs at least 2 samples, got "
                        + "\(sewingSamples?.batchCount ?? 0)")
            }
            guard sewingSamples.shape == [sewingSamples.batchCount] + model.inputShape else {
                throw RestructuringError.invalidSamples(
                    reason: "sewing samples have shape \(sewingSamples.shape), the model expects [m] + \(model.inputShape)")
            }
            guard sewingSamples.isFinite else {
                throw RestructuringError.invalidSamples(reason: "sewing samples contain NaN or infinite values")
            }
            samples = sewingSamples
        }

        let restructured = try assemble(plan, from: model)
        var adapters: [RestructuringReport.Adapter] = []
        let trainer = AdapterTrainer(options: options)
        for (number, position) in positions.enumerated() {
            guard case .adapter(let span) = plan.origins[position] else { continue }
            let name = plan.spec.units[position].name
            progress("sewing \(name) (\(Self.describe(span, in: model.spec))) on \(samples.batchCount) samples …")
            let inputs = try position == 0
                ? restructured.normalizedInput(samples)
                : capture(restructured, samples, endUnit: position - 1)
            let targets = try capture(model, samples, endUnit: span.last)
            guard inputs.isFinite, targets.isFinite else {
                throw RestructuringError.invalidSamples(
                    reason: "activations around \(name) contain NaN or infinite values")
            }
            var seeds = SeededGenerator(seed: options.seed &+ UInt64(number))
            let outcome = try trainer.train(
                restructured.units[position], inputs: inputs, targets: targets, seed: seeds.next(), name: name)
            progress(String(format: "  %@: L2 loss %.4g → %.4g", name, outcome.lossBefore, outcome.lossAfter))
            adapters.append(
                RestructuringReport.Adapter(
                    name: name, position: position, replaces: [span.first, span.last],
                    replacedNames: span.units.map { model.unitNames[$0] }, inputShape: span.inputShape,
                    outputShape: span.outputShape, layer: plan.spec.units[position].layer,
                    parameters: restructured.units[position].parameterCount, samples: samples.batchCount,
                    epochs: options.sewEpochs, steps: outcome.steps, lossBefore: outcome.lossBefore,
                    lossAfter: outcome.lossAfter, targetMeanSquare: outcome.targetMeanSquare))
        }

        var evaluationReport: RestructuringReport.Evaluation?
        if let evaluation {
            progress("evaluating on \(evaluation.count) samples …")
            let before = try ModelTrainer.evaluate(
                model: model, images: evaluation.images, labels: evaluation.labels, batchSize: options.batchSize)
            let after = try ModelTrainer.evaluate(
                model: restructured, images: evaluation.images, labels: evaluation.labels, batchSize: options.batchSize)
            evaluationReport = RestructuringReport.Evaluation(
                samples: evaluation.count, accuracyBefore: before.accuracy, lossBefore: before.loss,
                accuracyBeforeFineTuning: nil, lossBeforeFineTuning: nil, accuracyAfter: after.accuracy,
                lossAfter: after.loss)
        }

        var fineTuning: [TrainingLoop.EpochReport] = []
        if options.fineTuneEpochs > 0, let fineTuningData {
            var configuration = options.fineTuning
            configuration.epochs = options.fineTuneEpochs
            progress("fine-tuning for \(configuration.epochs) epoch(s) on \(fineTuningData.count) samples …")
            try restructured.setTrainableUnits(nil)
            fineTuning = try TrainingLoop(configuration: configuration).train(
                restructured, on: fineTuningData,
                onEpoch: { report in
                    progress(String(format: "  epoch %d: loss %.4f, accuracy %.4f", report.epoch, report.trainLoss,
                        report.trainAccuracy))
                })
            if let evaluation, var record = evaluationReport {
                let after = try ModelTrainer.evaluate(
                    model: restructured, images: evaluation.images, labels: evaluation.labels,
                    batchSize: options.batchSize)
                record.accuracyBeforeFineTuning = record.accuracyAfter
                record.lossBeforeFineTuning = record.lossAfter
                record.accuracyAfter = after.accuracy
                record.lossAfter = after.loss
                evaluationReport = record
            }
        }

        let modularized = Set(modularization.unitIndices)
        let interfaces = Set(modularization.interfaceUnits)
        let removed = plan.removedUnits.map { unit in
            RestructuringReport.RemovedUnit(
                index: unit, name: model.unitNames[unit],
                role: !modularized.contains(unit) ? "not compared" : interfaces.contains(unit) ? "interface" : "intra-module")
        }
        let report = RestructuringReport(
            operation: operation.name, removedUnits: removed, duplicatedUnits: plan.duplicatedUnits,
            duplicatedNames: plan.duplicatedUnits.map { model.unitNames[$0] }, skippedUnits: plan.skippedUnits,
            adapters: adapters, unitNames: restructured.unitNames, before: try RestructuringReport.Cost(of: model.spec),
            after: try RestructuringReport.Cost(of: restructured.spec), evaluation: evaluationReport,
            fineTuning: fineTuning, seconds: Date().timeIntervalSince(started))
        return Result(model: restructured, plan: plan, report: report)
    }

    /// Builds the planned model: kept and copied units take the original's state (values, masks,
    /// trainability); adapters are freshly initialised from ``RestructuringOptions/seed``.
    /// - Throws: `NNError` when the plan does not fit the model.
    public func assemble(_ plan: RestructuringPlan, from model: Model) throws(NNError) -> Model {
        let restructured = try Model(spec: plan.spec, seed: options.seed)
        for (position, origin) in plan.origins.enumerated() {
            switch origin {
            case .kept(let index), .copied(let index):
                guard index >= 0, index < model.unitCount else {
                    throw .invalidUnit("the plan refers to unit \(index) of a model with \(model.unitCount) units")
                }
                try Model.copyState(from: model.units[index], to: restructured.units[position])
            case .adapter:
                continue
            }
        }
        return restructured
    }

    // MARK: - Helpers

    /// The output of unit `endUnit` of `model` for every sample, computed in inference mode and batches.
    private func capture(_ model: Model, _ samples: Tensor, endUnit: Int) throws -> Tensor {
        var parts: [Tensor] = []
        var start = 0
        let size = max(options.batchSize, 1)
        while start < samples.batchCount {
            let end = min(start + size, samples.batchCount)
            parts.append(try model.forward(try samples.slice(batch: start..<end), mode: .inference, endUnit: endUnit).output)
            start = end
        }
        return try Tensor.concatenate(batches: parts)
    }

    /// Checks that `modularization` describes `model`: unit indices in range and names that match.
    static func check(_ modularization: ModularizationResult, against model: Model) throws(RestructuringError) {
        guard modularization.unitIndices.count == modularization.architecture.layerCount,
            modularization.unitNames.count == modularization.unitIndices.count
        else {
            throw .modularizationMismatch(
                reason: "it maps \(modularization.unitIndices.count) units to \(modularization.architecture.layerCount) layers")
        }
        guard zip(modularization.unitIndices, modularization.unitIndices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .modularizationMismatch(reason: "its unit indices \(modularization.unitIndices) are not ascending")
        }
        for (unit, name) in zip(modularization.unitIndices, modularization.unitNames) {
            guard unit >= 0, unit < model.unitCount else {
                throw .modularizationMismatch(reason: "it names unit \(unit), the model has \(model.unitCount) units")
            }
            guard model.unitNames[unit] == name else {
                throw .modularizationMismatch(
                    reason: "its unit \(unit) is '\(name)', the model's is '\(model.unitNames[unit])'")
            }
        }
    }

    private static func makeSpec(from spec: ModelSpec, units: [ModelSpec.Unit], what: String) throws(RestructuringError)
        -> ModelSpec
    {
        var newSpec = spec
        newSpec.units = units
        if !newSpec.architecture.hasSuffix("-restructured") { newSpec.architecture += "-restructured" }
        do {
            try newSpec.validate()
        } catch {
            throw .cannotSew(units: what, reason: "\(error)")
        }
        return newSpec
    }

    private static func uniqueName(_ base: String, in names: inout Set<String>) -> String {
        var name = base
        while names.contains(name) { name += "'" }
        names.insert(name)
        return name
    }

    /// `units 7...9 (stage2.block1 … stage2.block3)` or `unit 7 (stage2.block1)`.
    static func describe(_ span: RestructuringPlan.RemovedSpan, in spec: ModelSpec) -> String {
        let first = spec.units[span.first].name
        guard span.last > span.first else { return "unit \(span.first) (\(first))" }
        return "units \(span.first)...\(span.last) (\(first) … \(spec.units[span.last].name))"
    }
}
