import Benchmark
import DeepArc

/// sgemm at the sizes that matter: a large square product (the machine's rate) and the shapes
/// resnet20's convolutions hand to BLAS at batch 128 on 28×28 inputs.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(5))

    for size in [512, 2048] {
        Benchmark("sgemm \(size)³") { benchmark in
            var generator = SeededGenerator(seed: 1)
            let a = Tensor.randomNormal(shape: [size, size], using: &generator)
            let b = Tensor.randomNormal(shape: [size, size], using: &generator)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try Tensor.matmul(a, b))
            }
        }
    }
}
