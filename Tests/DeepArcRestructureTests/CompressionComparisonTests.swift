import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcPruning
import DeepArcTensor
import Foundation
import Testing

/// `ModelFootprint` (parameters, MACs) and `CompressionComparison` (Table II).
@Suite("Compression comparison")
struct CompressionComparisonTests {
    /// A 1×4×4 input: conv 1→2 (3×3, pad 1) + BN + ReLU; a residual block with a strided 3×3 body and a
    /// strided 1×1 shortcut; flatten + dense 8→3.
    static func handModel() throws -> Model {
        let spec = ModelSpec(
            architecture: "hand", inputShape: [1, 4, 4], classCount: 3,
            units: [
                .init(
                    name: "stem",
                    layer: .sequential([
                        .conv2D(inChannels: 1, outChannels: 2, kernel: 3, stride: 1, padding: 1, bias: false),
                        .batchNorm(channels: 2, momentum: 0.1, epsilon: 1e-5), .relu,
                    ])),
                .init(
                    name: "block",
                    layer: .residual(
                        body: [
                            .conv2D(inChannels: 2, outChannels: 2, kernel: 3, stride: 2, padding: 1, bias: false),
                            .batchNorm(channels: 2, momentum: 0.1, epsilon: 1e-5),
                        ],
                        shortcut: [
                            .conv2D(inChannels: 2, outChannels: 2, kernel: 1, stride: 2, padding: 0, bias: false),
                            .batchNorm(channels: 2, momentum: 0.1, epsilon: 1e-5),
                        ], postActivation: true)),
                .init(name: "head", layer: .sequential([.flatten, .dense(inputs: 8, outputs: 3, bias: true)])),
            ])
        return try Model(spec: spec, seed: 3)
    }

    /// A 0/1 mask of `shape` with its first `pruned` entries 0.
    static func mask(_ shape: [Int], pruning pruned: Int) throws -> Tensor {
        let count = shape.reduce(1, *)
        return try Tensor(shape: shape, scalars: (0..<count).map { $0 < pruned ? 0 : 1 })
    }

    @Test("footprint by hand: dense and effective MACs, parameters with non-zero kept weights")
    func footprintByHand() throws {
        let model = try Self.handModel()
        #expect(
            model.prunableParameters.map(\.name) == [
                "units.0.0.weight", "units.1.body.0.weight", "units.1.shortcut.0.weight", "units.2.1.weight",
            ])
        // MACs: stem conv 2·1·9·(4·4) = 288, BN 32; body conv 2·2·9·(2·2) = 144, BN 8; shortcut 2·2·1·4 = 16,
        // BN 8; dense 24. Total 520. Parameters: 18 + 4 + 36 + 4 + 4 + 4 + 24 + 3 = 97.
        let dense = try ModelFootprint(of: model)
        #expect(dense == ModelFootprint(prunableWeights: 82, keptWeights: 82, parameters: 97, multiplyAccumulates: 520, effectiveMultiplyAccumulates: 520))

        let pruned = [5, 10, 1, 6]
        for ((_, parameter), count) in zip(model.prunableParameters, pruned) {
            try parameter.setMask(Self.mask(parameter.value.shape, pruning: count))
        }
        // One kept dense weight that happens to be exactly 0 is not a parameter.
        let head = model.prunableParameters[3].parameter
        head.value.withUnsafeMutableBufferPointer { $0[10] = 0 }
        let footprint = try ModelFootprint(of: model)
        // Saved MACs: 5·16 + 10·4 + 1·4 + 6·1 = 130.
        #expect(footprint.multiplyAccumulates == 520)
        #expect(footprint.effectiveMultiplyAccumulates == 390)
        #expect(footprint.keptWeights == 60)
        #expect(footprint.parameters == 97 - 22 - 1)
        #expect(abs(footprint.density - 60.0 / 82.0) < 1e-15)
    }

    @Test("comparison: rows per method without and with preprocessing, equal to separate runs with the same seed")
    func comparisonMatchesSeparateRuns() throws {
        let (train, test) = try CompressionFixture.datasets()
        let model = try CompressionFixture.trainedModel(arch: "mlp-12-12", train: train)
        let schedule = CompressionSchedule(amountPerRound: 0.2, maxRounds: 2, maxAccuracyDrop: 1, epochsPerRound: 1)
        let preprocess: (Model) throws -> Model = { try $0.removingUnits([1]) }
        let global = try GlobalMagnitudeCompressor(options: .init())
        let uniform = try UniformCompressor(options: .init())
        let comparison = CompressionComparison(
            compressors: [global, uniform], schedule: schedule, fineTuning: CompressionFixture.recipe(),
            preprocess: preprocess)
        var saved: [String: Int] = [:]
        let report = try comparison.run(model, train: train, test: test) { event in
            if case .finished(let row, let pruned) = event {
                saved[row.method + (row.deeparc ? "+" : "")] = pruned.prunableParameters.map(\.parameter.keptCount)
                    .reduce(0, +)
            }
        }
        #expect(report.rows.map(\.method) == ["global", "global", "uniform", "uniform"])
        #expect(report.rows.map(\.deeparc) == [false, true, false, true])
        #expect(report.runs.count == 4)

        let compressors: [any Compressor] = [global, uniform]
        let variants: [((Model) throws -> Model)?] = [nil, preprocess]
        for (index, compressor) in compressors.enumerated() {
            for (offset, pre) in variants.enumerated() {
                let alone = try CompressionRun(
                    compressor: compressor, schedule: schedule, fineTuning: CompressionFixture.recipe(), preprocess: pre
                ).run(model, train: train, test: test).report
                let row = report.rows[2 * index + offset]
                #expect(row.accuracy == alone.accuracy)
                #expect(row.density == alone.densityOfOriginal)
                #expect(row.rounds == alone.completedRounds)
                #expect(row.parameters == alone.final.parameters)
                #expect(row.effectiveMultiplyAccumulates == alone.final.effectiveMultiplyAccumulates)
                #expect(saved[row.method + (row.deeparc ? "+" : "")] == alone.final.keptWeights)
            }
        }
        // Densities against the original 252 prunable weights: global keeps 108 → 86 → 69 after removal.
        #expect(report.rows[1].density == 69.0 / 252.0)
        #expect(report.rows[0].density == 162.0 / 252.0)  // 252 → 202 → 162
        #expect(report.preprocessing?.removedUnits == ["dense2"])

        // The report survives a JSON round trip, and the table has a line per run.
        let decoded = try JSONDecoder().decode(
            CompressionComparisonReport.self, from: try JSONEncoder().encode(report))
        #expect(decoded == report)
        let lines = report.text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("global ") || $0.hasPrefix("uniform ") }.count == 4)
    }

    @Test("comparison from a registry: Table II's methods by default; unknown names are refused")
    func registryMethods() throws {
        let registry = try StrategyRegistry().installing(PruningStrategies.self)
        let comparison = try CompressionComparison(registry: registry)
        #expect(comparison.compressors.map { type(of: $0).identifier } == ["lamp", "global", "uniform-plus", "erk"])
        #expect(throws: DeepArcError.self) { try CompressionComparison(registry: registry, methods: ["nope"]) }
    }
}
