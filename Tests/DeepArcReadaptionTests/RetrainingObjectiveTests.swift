import DeepArcCore
import DeepArcData
import DeepArcDeviation
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Retraining objective (Eq. 5)")
struct RetrainingObjectiveTests {
    enum Measure: String, CaseIterable, CustomTestStringConvertible {
        case mse, cka, gaussian
        var testDescription: String { rawValue }
        func make() throws -> any DeviationMeasure {
            switch self {
            case .mse: return try ExplicitDeviation(options: .init(distance: .mse))
            case .cka: return try ExplicitDeviation(options: .init(distance: .cka))
            case .gaussian: return try GaussianDeviation(options: .init())
            }
        }
    }

    /// The gradient of the total loss with respect to dense2's weight (the retrained module, unit 1)
    /// agrees with central finite differences of the loss, for CE + Dev and Dev alone: the
    /// deviation's gradient is injected at the right unit, on the right rows, with weight β.
    @Test(arguments: Measure.allCases, [(0.5, 0.5), (0.0, 1.0)])
    func gradientMatchesFiniteDifferences(measure: Measure, weights: (Double, Double)) throws {
        let (model, trainSet, _) = try trainedMLP()
        let data = try pairedData(trainSet.prefix(96), noise: 0.8)
        var options = quickOptions(alpha: weights.0, beta: weights.1)
        options.epochs = 1
        let retrainer = try ModularRetrainer(measure: measure.make(), options: options)
        let scope = try RetrainingScope.modules([1], of: [[0], [1], [2]])
        let objective = try retrainer.makeObjective(for: model, scope: scope, data: data)
        #expect(objective.capturedUnits == [1])

        let copy = try model.copy()
        try copy.setTrainableUnits(1...1)
        // Rows 0..<6 from D, rows 6..<12 from D′ (sources 10..<16); start after the frozen unit 0.
        let rawInputs = try Tensor.concatenate(batches: [
            data.original.images.slice(batch: 0..<6), data.new.images.slice(batch: 10..<16),
        ])
        let inputs = try copy.forward(rawInputs, mode: .inference, endUnit: 0).output
        let labels = Array(data.original.labels[0..<6]) + Array(data.new.labels[10..<16])
        let batch = try RetrainingBatch(
            inputs: inputs, labels: labels, newRows: Array(6..<12), newSources: Array(10..<16))

        // The D′ rows' correct count, from a training-mode forward pass of the same batch and argmax.
        let logits = try copy.forward(inputs, mode: .training, startUnit: 1).output
        let classes = logits.shape[1]
        let expectedCorrectNew = (6..<12).filter { row in
            let scores = Array(logits.scalars[(row * classes)..<((row + 1) * classes)])
            return scores.firstIndex(of: scores.max() ?? 0) == labels[row]
        }.count

        let loss = try objective.evaluate(copy, batch: batch, startUnit: 1, backward: true)
        #expect(loss.total.isFinite)
        #expect(loss.countNew == 6)
        #expect(loss.correctNew == expectedCorrectNew)
        #expect(abs(loss.total - (weights.0 * loss.crossEntropy + weights.1 * loss.deviation)) <= 1e-9)
        let weight = try #require(copy.namedParameters.first { $0.name == "units.1.0.weight" }?.parameter)
        let analytic = weight.gradient.scalars
        let original = weight.value
        var numeric: [Double] = []
        let entries = [0, 9, 18, 27, 36, 45, 54, 63, 5, 40]
        for entry in entries {
            let step: Float = 1e-2
            var values = original.scalars
            values[entry] = original.scalars[entry] + step
            weight.value = try Tensor(shape: original.shape, scalars: values)
            let high = try objective.evaluate(copy, batch: batch, startUnit: 1).total
            values[entry] = original.scalars[entry] - step
            weight.value = try Tensor(shape: original.shape, scalars: values)
            let low = try objective.evaluate(copy, batch: batch, startUnit: 1).total
            numeric.append((high - low) / Double(2 * step))
        }
        weight.value = original
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        for (entry, value) in zip(entries, numeric) {
            #expect(
                abs(Double(analytic[entry]) - value) <= 2e-2 * scale, "entry \(entry): \(analytic[entry]) vs \(value)")
        }
        // The frozen units got no gradient.
        let frozen = try #require(copy.namedParameters.first { $0.name == "units.0.0.weight" }?.parameter)
        #expect(frozen.gradient.scalars.allSatisfy { $0 == 0 })
    }

    @Test("a batch without D′ rows has no deviation term")
    func noNewRows() throws {
        let (model, trainSet, _) = try trainedMLP()
        let data = try pairedData(trainSet.prefix(32))
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: quickOptions())
        let objective = try retrainer.makeObjective(
            for: model, scope: RetrainingScope.modules([0], of: [[0], [1], [2]]), data: data)
        let batch = try RetrainingBatch(
            inputs: data.original.images.slice(batch: 0..<8), labels: Array(data.original.labels[0..<8]), newRows: [])
        let loss = try objective.evaluate(model, batch: batch)
        #expect(loss.deviation == 0)
        #expect(abs(loss.total - 0.5 * loss.crossEntropy) <= 1e-12)
    }
}
