import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

/// Fixtures: a small ResNet on 8×8 images, synthetic data, and a hand-made modularization.
enum Fixture {
    /// resnet14 on [1, 8, 8], 4 classes. Units: 0 stem [16,8,8]; 1, 2 stage1 [16,8,8]; 3 stage2.block1
    /// (downsampling) [32,4,4]; 4 [32,4,4]; 5 stage3.block1 (downsampling) [64,2,2]; 6 [64,2,2]; 7 head [4].
    static func resnet(seed: UInt64 = 7) throws -> Model {
        try Model(spec: Architectures.make("resnet14", inputShape: [1, 8, 8], classCount: 4), seed: seed)
    }

    /// Synthetic gratings of size 8×8.
    static func images(samples: Int = 64, split: DatasetSplit = .train) throws -> Dataset {
        try SyntheticDataset(parsing: "images,classes=4,samples=\(samples),test-samples=\(samples),channels=1,size=8,seed=5")
            .generate(split: split)
    }

    /// A modularization of units 0…n−1 of `model` into `modules`, with the adjacent similarities
    /// S[k][k+1] = `adjacent[k]` (farther pairs: the product of the links between them).
    static func modularization(of model: Model, modules: [[Int]], adjacent: [Double]) throws -> ModularizationResult {
        let n = adjacent.count + 1
        var rows = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            rows[i][i] = 1
            var product = 1.0
            for j in (i + 1)..<max(i + 1, n) {
                product *= adjacent[j - 1]
                rows[i][j] = product
                rows[j][i] = product
            }
        }
        let matrix = try SimilarityMatrix(rows: rows)
        let architecture = try SemanticArchitecture(
            partition: try Partition(layers: modules), matrix: matrix, threshold: 0.9)
        return ModularizationResult(
            architecture: architecture, unitIndices: Array(0..<n), unitNames: Array(model.unitNames.prefix(n)),
            similarityMetric: "test", partitioner: "test", sampleCount: 0, similaritySeconds: 0, partitionSeconds: 0)
    }

    /// Modules [0], [1, 2], [3, 4, 5, 6] of the ResNet with simmod 0.9 for [1, 2] and 0.95 for [3…6],
    /// so Algorithm 2's order is 6, 5, 4 (the more redundant module, last unit first), then 2.
    static func resnetModularization(of model: Model) throws -> ModularizationResult {
        try modularization(
            of: model, modules: [[0], [1, 2], [3, 4, 5, 6]], adjacent: [0.5, 0.9, 0.4, 0.95, 0.95, 0.95])
    }

    /// Every parameter value of `model`, by checkpoint name.
    static func values(of model: Model) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// Every parameter value of unit `index` of `model`, by name within the unit.
    static func unitValues(_ model: Model, _ index: Int) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: model.units[index].namedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// The mean over all elements of (a − b)², computed directly.
    static func meanSquaredDifference(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.shape == b.shape, "shapes differ")
        var sum = 0.0
        for (x, y) in zip(a.scalars, b.scalars) { sum += Double(x - y) * Double(x - y) }
        return sum / Double(a.count)
    }

    /// The output of unit `unit` of `model` for `samples` (inference).
    static func output(_ model: Model, _ samples: Tensor, unit: Int) throws -> Tensor {
        try model.forward(samples, mode: .inference, endUnit: unit).output
    }
}
