import Benchmark
import DeepArc

/// One training step (forward, softmax cross-entropy, backward, SGD update) of the models DeepArc
/// studies, on 28×28×1 inputs at batch 128. Throughput is samples per second (128 per iteration).
/// The layer-level suites are in `LayerBenchmarks.swift`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 20)

    registerLayerBenchmarks()

    for architecture in ["resnet20", "mlp", "vgg11"] {
        Benchmark("train step \(architecture) 28×28×1 batch 128", configuration: .init(scalingFactor: .one)) {
            benchmark in
            let spec = try Architectures.make(architecture, inputShape: [1, 28, 28], classCount: 10)
            let model = try Model(spec: spec, seed: 1)
            let trainer = ModelTrainer(model: model, optimizer: try SGD(learningRate: 0.01, momentum: 0.9))
            var generator = SeededGenerator(seed: 2)
            let images = Tensor.randomUniform(shape: [128, 1, 28, 28], in: 0...1, using: &generator)
            let labels = (0..<128).map { $0 % 10 }
            try trainer.step(images: images, labels: labels)  // warm-up: buffers and optimizer state
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try trainer.step(images: images, labels: labels))
            }
        }
    }
}
