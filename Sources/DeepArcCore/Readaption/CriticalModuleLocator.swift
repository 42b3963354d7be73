import DeepArcData
public import DeepArcNN
import DeepArcTensor

/// Locates the *critical module*: the module of a semantic architecture in which the
/// representations of D′ stray most from those of D (paper §II.C; spec `readaption.md`).
///
/// For every module k, d_k is the deviation of D′ at the module's output unit (its last unit):
/// - a ``DeviationPairing/paired`` measure (`explicit`) is fitted on D's representations at that
///   unit and scores D′ paired by ``ReadaptionData/sources``;
/// - a ``DeviationPairing/labelConditioned`` measure (`gaussian`) is fitted on D's representations
///   with D's labels and the model's predictions (so each class uses the samples the model predicts
///   correctly) and scores D′ with D′'s labels.
///
/// d_0, the deviation at the input, is 0 for a paired measure and, for a label-conditioned one, the
/// deviation of D′'s inputs under the measure fitted on D's inputs. Modules are ranked by
/// d_k − d_{k−1}; the first ``top`` are the ones to retrain (the paper retrains one; the authors'
/// code retrained five).
///
/// Representations are captured in inference mode, batch by batch, for as many module outputs at
/// a time as fit in ``memoryBudget`` bytes (D's and D′'s representations together); a single
/// output larger than the budget is captured on its own.
///
/// ```swift
/// let locator = try CriticalModuleLocator(measure: try GaussianDeviation(options: .init()))
/// let ranking = try locator.locate(in: model, modules: modularization, data: data)
/// ranking.critical   // [module index]
/// ```
public struct CriticalModuleLocator {
    /// The deviation measure.
    public var measure: any DeviationMeasure
    /// How many modules to retrain (the first `top` of the ranking).
    public var top: Int
    /// Samples per forward pass while capturing.
    public var batchSize: Int
    /// Bytes of captured representations held at once (default 512 MiB).
    public var memoryBudget: Int

    /// Creates a locator.
    /// - Parameters:
    ///   - measure: the deviation measure (`explicit` or `gaussian`, or a third party's).
    ///   - top: how many modules to retrain, at least 1 (default 1, the paper's reading).
    ///   - batchSize: samples per forward pass, at least 1 (default 256).
    ///   - memoryBudget: bytes of representations held at once, at least 1 (default 512 MiB).
    /// - Throws: ``DeepArcError/invalidOption(strategy:option:reason:)`` naming `top`, `batchSize`
    ///   or `memoryBudget` when it is below 1.
    public init(
        measure: any DeviationMeasure, top: Int = 1, batchSize: Int = 256, memoryBudget: Int = 512 << 20
    ) throws(DeepArcError) {
        for (name, value) in [("top", top), ("batchSize", batchSize), ("memoryBudget", memoryBudget)] where value < 1 {
            throw .invalidOption(
                strategy: "critical module locator", option: name, reason: "must be at least 1, got \(value)")
        }
        self.measure = measure
        self.top = top
        self.batchSize = batchSize
        self.memoryBudget = memoryBudget
    }

    // MARK: - Locating

    /// Ranks the modules of a modularization of `model`.
    /// - Throws: as ``locate(in:moduleUnits:data:)``.
    public func locate(
        in model: Model, modules: ModularizationResult, data: ReadaptionData
    ) throws -> CriticalModuleRanking {
        try locate(in: model, moduleUnits: modules.moduleUnits, data: data)
    }

    /// Ranks modules given as lists of model units (ascending, each module's last unit is its output).
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for modules that are empty, out of
    ///   order or outside the model, data whose shape or labels do not fit the model, or a paired
    ///   measure without ``ReadaptionData/sources``; ``DeepArcError/invalidActivations(layer:reason:)``
    ///   naming the module (and its output unit as the layer) when the measure cannot be fitted or
    ///   cannot score D′ there (for example a class with too few correctly predicted samples for a
    ///   Gaussian); the model's errors otherwise.
    public func locate(in model: Model, moduleUnits: [[Int]], data: ReadaptionData) throws -> CriticalModuleRanking {
        try ModuleLayout.validate(moduleUnits, unitCount: model.unitCount)
        try Self.checkData(data, model: model, pairing: measure.pairing)
        let identifier = type(of: measure).identifier
        let labelConditioned = measure.pairing == .labelConditioned

        let predictions: [Int]?
        let inputDeviation: Double
        if labelConditioned {
            predictions = try RepresentationCapture.capture(
                model, images: data.original.images, units: [], batchSize: batchSize, wantsPredictions: true
            ).predictions
            do {
                inputDeviation = try deviation(
                    reference: data.original.images, predictions: predictions, newRepresentations: data.new.images,
                    data: data)
            } catch {
                throw DeepArcError.invalidActivations(
                    layer: nil, reason: "the input (d_0): \(ModuleLayout.reason(of: error))")
            }
        } else {
            predictions = nil
            inputDeviation = 0
        }

        let outputs = moduleUnits.compactMap(\.last)
        let features = try RepresentationCapture.featureCounts(
            model, sample: data.original.images, units: Set(outputs))
        let samples = data.original.count + data.new.count
        var deviations = [Double](repeating: 0, count: moduleUnits.count)
        for chunk in chunks(of: Array(moduleUnits.indices), outputs: outputs, features: features, samples: samples) {
            let units = Set(chunk.map { outputs[$0] })
            let reference = try RepresentationCapture.capture(
                model, images: data.original.images, units: units, batchSize: batchSize
            ).representations
            let new = try RepresentationCapture.capture(
                model, images: data.new.images, units: units, batchSize: batchSize
            ).representations
            for module in chunk {
                let unit = outputs[module]
                guard let referenceOutput = reference[unit], let newOutput = new[unit] else {
                    throw DeepArcError.invalidActivations(layer: unit, reason: "unit \(unit) produced no output")
                }
                do {
                    deviations[module] = try deviation(
                        reference: referenceOutput, predictions: predictions, newRepresentations: newOutput, data: data)
                } catch {
                    throw ModuleLayout.wrap(
                        error, module: module, units: moduleUnits[module], outputUnit: unit, doing: "deviation")
                }
            }
        }

        var entries: [CriticalModuleRanking.Entry] = []
        var previous = inputDeviation
        for (module, units) in moduleUnits.enumerated() {
            let value = deviations[module]
            entries.append(
                .init(
                    module: module, units: units, outputUnit: outputs[module], deviation: value,
                    increase: value - previous))
            previous = value
        }
        return CriticalModuleRanking(measure: identifier, inputDeviation: inputDeviation, modules: entries, top: top)
    }

    // MARK: - Pieces

    /// Fits the measure on D's representations and scores all of D′.
    private func deviation(
        reference: Tensor, predictions: [Int]?, newRepresentations: Tensor, data: ReadaptionData
    ) throws -> Double {
        let labelConditioned = measure.pairing == .labelConditioned
        let fitted = try measure.fit(
            ReferenceRepresentations(
                representations: reference, labels: data.original.labels,
                predictions: labelConditioned ? predictions : nil))
        let batch = try DeviationBatch(
            representations: newRepresentations, sources: labelConditioned ? nil : data.sources,
            labels: labelConditioned ? data.new.labels : nil)
        let value = try fitted.deviation(of: batch).value
        guard value.isFinite else {
            throw DeepArcError.invalidActivations(layer: nil, reason: "the deviation is \(value)")
        }
        return value
    }

    /// Groups consecutive modules so that each group's representations of D and D′ fit the budget.
    private func chunks(of modules: [Int], outputs: [Int], features: [Int: Int], samples: Int) -> [[Int]] {
        var result: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for module in modules {
            let (size, overflow) = (features[outputs[module]] ?? 0).multipliedReportingOverflow(by: samples * 4)
            let cost = overflow ? Int.max : size
            if !current.isEmpty, bytes > memoryBudget - cost {
                result.append(current)
                current = []
                bytes = 0
            }
            current.append(module)
            bytes = cost > Int.max - bytes ? Int.max : bytes + cost
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Checks that the data fits the model and the measure's pairing.
    static func checkData(_ data: ReadaptionData, model: Model, pairing: DeviationPairing?) throws(DeepArcError) {
        guard data.sampleShape == model.inputShape else {
            throw .invalidConfiguration(
                reason:
                    "re-adaption: samples of shape \(data.sampleShape) do not fit the model's input \(model.inputShape)"
            )
        }
        for (name, set) in [("D", data.original), ("D′", data.new)] {
            if let bad = set.labels.first(where: { $0 >= model.classCount }) {
                throw .invalidConfiguration(
                    reason:
                        "re-adaption: \(name) (\(set.name)) has label \(bad); the model predicts \(model.classCount) classes"
                )
            }
        }
        if pairing == .paired, data.sources == nil {
            throw .invalidConfiguration(
                reason:
                    "re-adaption: the deviation measure is paired (explicit): D′ needs the index of each sample's source in D"
            )
        }
    }
}
