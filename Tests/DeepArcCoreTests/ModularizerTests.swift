import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Testing

/// A metric that records the batches it is given and reports a fixed matrix.
private struct RecordingMetric: SimilarityMetric {
    static let identifier = "test.recording"
    static let summary = "records batches"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }

    final class Log: @unchecked Sendable {  // test-only, used from one thread
        var batches: [[Tensor]] = []
    }
    static let log = Log()

    struct Accumulator: SimilarityAccumulator {
        let layerCount: Int
        mutating func add(_ batch: [Tensor]) throws { RecordingMetric.log.batches.append(batch) }
        func finalize() throws -> SimilarityMatrix {
            // Adjacent layers 0–1 and 2–3 are identical, everything else unrelated.
            var values = [Double](repeating: 0.1, count: layerCount * layerCount)
            for i in 0..<layerCount { values[i * layerCount + i] = 1 }
            for (a, b) in [(0, 1), (2, 3)] where b < layerCount {
                values[a * layerCount + b] = 1
                values[b * layerCount + a] = 1
            }
            return try SimilarityMatrix(count: layerCount, values: values)
        }
    }

    func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator { Accumulator(layerCount: layerCount) }
}

/// A partitioner that joins layers whose link similarity is 1.
private struct LinkOnePartitioner: Partitioner {
    static let identifier = "test.link-one"
    static let summary = "joins links of similarity 1"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }
    var threshold: Double { 0.99 }
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        var starts = [0]
        for k in 1..<matrix.count where matrix[k - 1, k] < 1 { starts.append(k) }
        return try Partition(moduleStarts: starts, layerCount: matrix.count)
    }
}

@Suite("Modularizer and the layer-removal study", .serialized)
struct ModularizerTests {
    @Test func capturesTheSelectedUnitsBatchByBatch() throws {
        RecordingMetric.log.batches = []
        let model = try Model(spec: Architectures.make("mlp-6-6-6-6", inputShape: [4], classCount: 2), seed: 3)
        var generator = SeededGenerator(seed: 1)
        let samples = Tensor.randomNormal(shape: [7, 4], using: &generator)
        let modularizer = Modularizer(
            similarity: RecordingMetric(options: .init()), partitioner: LinkOnePartitioner(options: .init()),
            batchSize: 3)
        let result = try modularizer.modularize(model, samples: samples)

        // Units 0…3 (the head is left out), in batches of 3, 3 and 1 samples.
        #expect(result.unitIndices == [0, 1, 2, 3])
        #expect(RecordingMetric.log.batches.map { $0.map(\.batchCount) } == [[3, 3, 3, 3], [3, 3, 3, 3], [1, 1, 1, 1]])
        let (_, reference) = try model.forward(samples, mode: .inference, capturing: [0, 1, 2, 3])
        for unit in 0..<4 {
            let joined = try Tensor.concatenate(batches: RecordingMetric.log.batches.map { $0[unit] })
            #expect(joined == reference[unit])
        }
        #expect(result.moduleUnits == [[0, 1], [2, 3]])
        #expect(result.removalOrderUnits.sorted() == [1, 3])
        #expect(result.interfaceUnits == [0, 2])
        #expect(result.architecture.modularity == 1)
    }

    @Test func selectionsAreValidated() throws {
        let model = try Model(spec: Architectures.make("mlp-6", inputShape: [4], classCount: 2), seed: 3)
        let metric = RecordingMetric(options: .init())
        let partitioner = LinkOnePartitioner(options: .init())
        #expect(try Modularizer(similarity: metric, partitioner: partitioner, units: .all).selectedUnits(of: model) == [0, 1])
        #expect(throws: DeepArcError.self) {
            try Modularizer(similarity: metric, partitioner: partitioner, units: .units([1, 0])).selectedUnits(of: model)
        }
        #expect(throws: DeepArcError.self) {
            try Modularizer(similarity: metric, partitioner: partitioner, units: .units([5])).selectedUnits(of: model)
        }
        #expect(throws: DeepArcError.self) {
            try Modularizer(similarity: metric, partitioner: partitioner).modularize(model, samples: Tensor(zeros: [0, 4]))
        }
    }

    /// resnet14: stem, stage1.block1–2, stage2.block1–2, stage3.block1–2, head. The shape-preserving
    /// units are stage1.block1, stage1.block2, stage2.block2 and stage3.block2.
    @Test func layerRemovalStudyRemovesIntraAndInterfaceUnits() throws {
        let model = try Model(spec: Architectures.make("resnet14", inputShape: [1, 8, 8], classCount: 3), seed: 2)
        #expect(try LayerRemovalStudy.removableUnits(of: model) == [1, 2, 4, 6])
        // Modules [stem], [s1b1, s1b2], [s2b1, s2b2], [s3b1, s3b2] with simmods 0.99, 0.98, 0.97.
        var values = [Double](repeating: 0.5, count: 49)
        for i in 0..<7 { values[i * 7 + i] = 1 }
        for (a, b, s) in [(1, 2, 0.99), (3, 4, 0.98), (5, 6, 0.97)] {
            values[a * 7 + b] = s
            values[b * 7 + a] = s
        }
        let matrix = try SimilarityMatrix(count: 7, values: values)
        let partition = try Partition(layers: [[0], [1, 2], [3, 4], [5, 6]])
        let architecture = try SemanticArchitecture(partition: partition, matrix: matrix, threshold: 0.95)
        let modularization = ModularizationResult(
            architecture: architecture, unitIndices: Array(0..<7), unitNames: Array(model.unitNames.prefix(7)),
            similarityMetric: "test", partitioner: "test", sampleCount: 10, similaritySeconds: 0, partitionSeconds: 0)
        var generator = SeededGenerator(seed: 4)
        let images = Tensor.randomUniform(shape: [12, 1, 8, 8], in: 0...1, using: &generator)
        let labels = (0..<12).map { $0 % 3 }
        let result = try LayerRemovalStudy(seed: 1).run(
            model: model, modularization: modularization, images: images, labels: labels)

        // Intra-module units in Algorithm 2's order: 2, 4, 6; all removable. Interface units 0, 1, 3, 5:
        // only unit 1 keeps its shape. Counts 1, 2, 3 → intra rows for each, an interface row for k = 1.
        #expect(result.rows.map(\.kind) == ["none", "intra-module", "interface", "intra-module", "intra-module"])
        #expect(result.rows.map(\.removedUnits) == [[], [2], [1], [2, 4], [2, 4, 6]])
        #expect(result.skippedIntraModuleUnits.isEmpty)
        let direct = try ModelTrainer.evaluate(model: model.removingUnits([2, 4]), images: images, labels: labels)
        #expect(result.rows[3].accuracy == direct.accuracy)
        #expect(result.rows[0].parameters == model.parameterCount)
        #expect(result.rows[4].parameters < result.rows[3].parameters)
    }
}
