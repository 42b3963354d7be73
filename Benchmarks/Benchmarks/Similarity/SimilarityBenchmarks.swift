import Benchmark
import DeepArc

/// What modularization costs: capturing every unit's output in inference mode (resnet20 and vgg11,
/// 28×28×1, batch 128), and the `cka.linear` similarity matrix of Issue #6's size (20 layers × 2000
/// samples × 4096 features) next to the 20 Gram matrices it is built from. Every benchmark reports wall
/// time and peak resident memory; the matrix is computed Gram-once, so its peak stays near the inputs
/// (20 × 2000 × 4096 floats = 655 MB) plus one 2000 × 2000 Gram per layer.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 20)

    for architecture in ["resnet20", "vgg11"] {
        Benchmark("capture \(architecture) 28×28×1 batch 128", configuration: .init(scalingFactor: .one)) { benchmark in
            let spec = try Architectures.make(architecture, inputShape: [1, 28, 28], classCount: 10)
            let model = try Model(spec: spec, seed: 1)
            var generator = SeededGenerator(seed: 2)
            let images = Tensor.randomUniform(shape: [128, 1, 28, 28], in: 0...1, using: &generator)
            let units = Set(0..<model.unitCount)
            blackHole(try model.forward(images, mode: .inference, capturing: units))  // warm-up
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try model.forward(images, mode: .inference, capturing: units))
            }
        }
    }

    let layers = 20
    let samples = 2000
    let features = 4096
    /// Correlated layers, like a real network's: each is the previous one plus noise.
    @Sendable func activations() throws -> [Tensor] {
        var generator = SeededGenerator(seed: 7)
        var result: [Tensor] = []
        var current = Tensor.randomNormal(shape: [samples, features], using: &generator)
        for _ in 0..<layers {
            result.append(current)
            try current.add(Tensor.randomNormal(shape: [samples, features], standardDeviation: 0.3, using: &generator))
        }
        return result
    }
    let matrixConfiguration = Benchmark.Configuration(scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 5)

    Benchmark("cka.linear matrix 20 layers × 2000 × 4096", configuration: matrixConfiguration) { benchmark in
        let metric = try StrategyRegistry.builtIn.similarityMetrics.make("cka.linear")
        let inputs = try activations()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try metric.similarityMatrix(of: inputs))
        }
    }

    Benchmark("20 Grams 2000 × 4096 (the matrix's sgemm floor)", configuration: matrixConfiguration) { benchmark in
        let inputs = try activations()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for layer in inputs { blackHole(try Tensor.matmul(layer, layer, transposeB: true)) }
        }
    }
}
