import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Testing

/// Tiny models and data for the compression tests: an MLP on well-separated Gaussian blobs, trained in
/// a few milliseconds.
enum CompressionFixture {
    /// Three well-separated classes in 6 dimensions (a trained MLP gets close to 100%).
    static let data = "blobs,classes=3,samples=150,test-samples=60,features=6,separation=3,noise=1,seed=5"

    static func datasets() throws -> (train: Dataset, test: Dataset) {
        let synthetic = try SyntheticDataset(parsing: data)
        return (synthetic.generate(split: .train), synthetic.generate(split: .test))
    }

    /// Adam at 0.01, batch 32, constant rate, `epochs` epochs.
    static func recipe(epochs: Int = 1, seed: UInt64 = 1) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.optimizer = .adam
        configuration.learningRate = 0.01
        configuration.batchSize = 32
        configuration.schedule = .constant
        configuration.epochs = epochs
        configuration.seed = seed
        return configuration
    }

    /// A trained `arch` (default `mlp-12`: dense 6→12, head 12→3) on the blobs.
    static func trainedModel(arch: String = "mlp-12", train: Dataset) throws -> Model {
        let model = try Model(spec: Architectures.make(arch, inputShape: [6], classCount: 3), seed: 7)
        _ = try TrainingLoop(configuration: recipe(epochs: 15)).train(model, on: train)
        return model
    }

    /// The masks of the model's prunable weights (all ones for a dense tensor).
    static func masks(of model: Model) -> [Tensor] {
        model.prunableParameters.map { $0.parameter.mask ?? Tensor(repeating: 1, shape: $0.parameter.value.shape) }
    }

    /// The number of ones in a 0/1 mask.
    static func ones(_ mask: Tensor) -> Int {
        mask.scalars.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }

    /// R(x): round half to even, written out from the definition.
    static func roundHalfEven(_ x: Double) -> Int {
        let lower = x.rounded(.down)
        let fraction = x - lower
        if fraction < 0.5 { return Int(lower) }
        if fraction > 0.5 { return Int(lower) + 1 }
        return Int(lower).isMultiple(of: 2) ? Int(lower) : Int(lower) + 1
    }
}

/// A controlled compressor: round 1 (all tensors dense) prunes `firstRoundCount` weights of the first
/// tensor; any later round prunes every remaining weight, or throws when `failLater` is set.
struct CompressionStubCompressor: Compressor {
    struct Options: Codable, Sendable, Equatable {
        var firstRoundCount = 1
        var failLater = false
    }
    static let identifier = "test.stub"
    static let summary = "round 1 prunes a few weights, later rounds prune everything"
    let options: Options
    init(options: Options) { self.options = options }

    func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let fresh = tensors.allSatisfy { $0.mask == nil }
        if fresh { return tensors.indices.map { $0 == 0 ? options.firstRoundCount : 0 } }
        if options.failLater {
            throw DeepArcError.invalidPruning(tensor: nil, reason: "test.stub: the second round is unreachable")
        }
        return tensors.map(\.unmaskedCount)
    }
}

/// A similarity metric that calls every pair of layers identical (so a merge-all partitioner puts
/// every compared unit in one module).
struct CompressionAllSimilar: SimilarityMetric {
    static let identifier = "test.all-similar"
    static let summary = "every pair similar"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }

    struct Accumulator: SimilarityAccumulator {
        let layers: Int
        mutating func add(_ batch: [Tensor]) throws {}
        func finalize() throws -> SimilarityMatrix {
            try SimilarityMatrix(rows: Array(repeating: Array(repeating: 1, count: layers), count: layers))
        }
    }

    func makeAccumulator(layerCount: Int) throws -> any SimilarityAccumulator { Accumulator(layers: layerCount) }
}

/// One module holding every layer.
struct CompressionOneModule: Partitioner {
    static let identifier = "test.one-module"
    static let summary = "one module"
    let options: NoOptions
    init(options: NoOptions) { self.options = options }
    var threshold: Double { 0.9 }
    func partition(_ matrix: SimilarityMatrix, threshold: Double) throws -> Partition {
        .whole(layerCount: matrix.count)
    }
}
