import DeepArcCore
import DeepArcData
import DeepArcDeviation
import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Critical module location")
struct CriticalModuleLocatorTests {
    /// An `mlp-8-8-8` whose dense units are s·I with zero bias: on positive inputs every ReLU is the
    /// identity, so unit k's output is (s₁⋯s_k)·x and a perturbation δ of the input grows by that
    /// product. Scales 0.1, 30, 1.1 make dense2 (module 1) the unit where D′ moves away most, while
    /// dense3's output has the largest deviation.
    static func scaledModel(scales: [Float] = [0.1, 30, 1.1]) throws -> Model {
        let model = try makeMLP()
        for (unit, scale) in scales.enumerated() {
            for (name, parameter) in model.namedParameters where belongs(name, to: unit) {
                if parameter.kind == .weight {
                    var identity = [Float](repeating: 0, count: 64)
                    for i in 0..<8 { identity[i * 8 + i] = scale }
                    parameter.value = try Tensor(shape: [8, 8], scalars: identity)
                } else {
                    parameter.value = Tensor(zeros: parameter.value.shape)
                }
            }
        }
        return model
    }

    /// D: positive inputs 5 + U[0, 1); D′ = D + δ with δ ~ N(0, 0.1²); returns the data and mean(δ²).
    static func positiveData() throws -> (data: ReadaptionData, meanSquare: Double) {
        var generator = SeededGenerator(seed: 21)
        let count = 40
        let clean = (0..<(count * 8)).map { _ in 5 + generator.nextUniform() }
        let delta = (0..<(count * 8)).map { _ in 0.1 * generator.nextNormal() }
        let labels = (0..<count).map { $0 % 4 }
        let original = try Dataset(
            images: Tensor(shape: [count, 8], scalars: clean), labels: labels, classCount: 4, name: "clean")
        let new = try Dataset(
            images: Tensor(shape: [count, 8], scalars: zip(clean, delta).map { $0 + $1 }), labels: labels,
            classCount: 4, name: "perturbed")
        let meanSquare =
            zip(clean, delta).map { Double(($0 + $1) - $0) }.map { $0 * $0 }.reduce(0, +)
            / Double(count * 8)
        return (try ReadaptionData(original: original, new: new, sources: Array(0..<count)), meanSquare)
    }

    @Test("explicit: d_k follows the hand-computed scales and the amplifying module is critical")
    func constructedCase() throws {
        let model = try Self.scaledModel()
        let (data, m) = try Self.positiveData()
        let locator = try CriticalModuleLocator(measure: ExplicitDeviation(options: .init()))
        let ranking = try locator.locate(in: model, moduleUnits: [[0], [1], [2]], data: data)
        // d_k = (s₁⋯s_k)² · mean(δ²): products 0.1, 3, 3.3.
        let expected = [0.01 * m, 9 * m, 10.89 * m]
        #expect(ranking.inputDeviation == 0)
        for (entry, value) in zip(ranking.modules, expected) {
            #expect(
                abs(entry.deviation - value) <= 1e-3 * value, "module \(entry.module): \(entry.deviation) vs \(value)")
        }
        #expect(abs(ranking.modules[1].increase - 8.99 * m) <= 1e-3 * 8.99 * m)
        #expect(ranking.ranking == [1, 2, 0])
        #expect(ranking.critical == [1])
        #expect(ranking.modules.map(\.outputUnit) == [0, 1, 2])
        #expect(ranking.rankedEntries.map(\.module) == [1, 2, 0])
    }

    @Test("a multi-unit module is scored at its last unit; top picks several modules")
    func multiUnitModule() throws {
        let model = try Self.scaledModel()
        let (data, m) = try Self.positiveData()
        let locator = try CriticalModuleLocator(measure: ExplicitDeviation(options: .init()), top: 2)
        let ranking = try locator.locate(in: model, moduleUnits: [[0], [1, 2]], data: data)
        #expect(ranking.modules[1].outputUnit == 2)
        #expect(ranking.modules[1].units == [1, 2])
        #expect(abs(ranking.modules[1].deviation - 10.89 * m) <= 1e-3 * 10.89 * m)
        #expect(ranking.critical == [1, 0])
    }

    @Test("a modularization result maps matrix layers to units")
    func fromModularizationResult() throws {
        let model = try Self.scaledModel()
        let (data, _) = try Self.positiveData()
        let matrix = try SimilarityMatrix(rows: [[1, 0.5, 0.4], [0.5, 1, 0.99], [0.4, 0.99, 1]])
        let architecture = try SemanticArchitecture(
            partition: Partition(modules: [0...0, 1...2]), matrix: matrix, threshold: 0.9)
        let result = ModularizationResult(
            architecture: architecture, unitIndices: [0, 1, 2], unitNames: ["dense1", "dense2", "dense3"],
            similarityMetric: "test", partitioner: "test", sampleCount: 40, similaritySeconds: 0, partitionSeconds: 0)
        let locator = try CriticalModuleLocator(measure: ExplicitDeviation(options: .init()))
        let ranking = try locator.locate(in: model, modules: result, data: data)
        #expect(ranking.modules.map(\.units) == [[0], [1, 2]])
        #expect(ranking.critical == [1])
    }

    @Test("gaussian: d_k and d_0 equal the measure fitted by hand on correctly predicted samples")
    func gaussianWiring() throws {
        let (model, trainSet, _) = try trainedMLP()
        let original = trainSet.prefix(200)
        let data = try ReadaptionData(original: original, new: noisy(original.prefix(60), scale: 1, seed: 4))
        let measure = try GaussianDeviation(options: .init())
        let locator = try CriticalModuleLocator(measure: measure, batchSize: 7)
        let ranking = try locator.locate(in: model, moduleUnits: [[0], [1], [2]], data: data)

        let predictions = try model(original.images).argmaxRows()
        func expected(_ reference: Tensor, _ new: Tensor) throws -> Double {
            let fitted = try measure.fitGaussians(
                ReferenceRepresentations(representations: reference, labels: original.labels, predictions: predictions))
            return try fitted.deviation(of: DeviationBatch(representations: new, labels: data.new.labels)).value
        }
        let input = try expected(original.images, data.new.images)
        #expect(abs(ranking.inputDeviation - input) <= 1e-6 * max(1, abs(input)))
        var previous = input
        for unit in 0..<3 {
            let reference = try #require(
                model.forward(original.images, mode: .inference, capturing: [unit]).captured[unit])
            let new = try #require(model.forward(data.new.images, mode: .inference, capturing: [unit]).captured[unit])
            let value = try expected(reference, new)
            let entry = ranking.modules[unit]
            #expect(abs(entry.deviation - value) <= 1e-5 * max(1, abs(value)), "module \(unit)")
            #expect(abs(entry.increase - (value - previous)) <= 1e-5 * max(1, abs(value)))
            previous = value
        }
        let increases = ranking.modules.map(\.increase)
        #expect(ranking.critical == [try #require(increases.indices.max { increases[$0] < increases[$1] })])
    }

    @Test("a tiny memory budget (one output at a time) gives the same ranking")
    func memoryBudget() throws {
        let (model, trainSet, _) = try trainedMLP()
        let data = try pairedData(trainSet.prefix(80))
        let measure = try ExplicitDeviation(options: .init(distance: .cka))
        let whole = try CriticalModuleLocator(measure: measure).locate(
            in: model, moduleUnits: [[0], [1], [2], [3]], data: data)
        let piecewise = try CriticalModuleLocator(measure: measure, batchSize: 3, memoryBudget: 1)
            .locate(in: model, moduleUnits: [[0], [1], [2], [3]], data: data)
        for (a, b) in zip(whole.modules, piecewise.modules) {
            #expect(abs(a.deviation - b.deviation) <= 1e-6)
        }
        #expect(whole.ranking == piecewise.ranking)
    }
}
