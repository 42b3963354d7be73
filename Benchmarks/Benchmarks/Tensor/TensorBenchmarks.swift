import Benchmark
import DeepArc

/// sgemm at the sizes that matter, once per GEMM implementation (the engine's AVX-512 kernel and
/// OpenBLAS with whatever kernel `OPENBLAS_CORETYPE` gives it): a large square product (the
/// machine's rate), the MLP's dense-layer product, a 16-channel Winograd product of resnet20's first
/// stage, and the 2000 × 4096 Gram of the similarity benchmark as `ssyrkUpper`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(5))

    let kernels: [GEMMKernel] = GEMMKernel.avx512Available ? [.avx512, .openBLAS] : [.openBLAS]
    for kernel in kernels {
        for size in [512, 2048] {
            Benchmark("sgemm \(size)³ [\(kernel)]") { benchmark in
                GEMMKernel.select(kernel)
                defer { GEMMKernel.select(.automatic) }
                var generator = SeededGenerator(seed: 1)
                let a = Tensor.randomNormal(shape: [size, size], using: &generator)
                let b = Tensor.randomNormal(shape: [size, size], using: &generator)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try Tensor.matmul(a, b))
                }
            }
        }
        // (m, n, k, transposeB): x·Wᵀ of the MLP's first layer; a Winograd product of 16 channels.
        for (m, n, k, transposeB) in [(128, 256, 784, true), (16, 1024, 16, false)] {
            Benchmark("sgemm \(m)×\(n)×\(k)\(transposeB ? " Bᵀ" : "") [\(kernel)]") { benchmark in
                GEMMKernel.select(kernel)
                defer { GEMMKernel.select(.automatic) }
                var generator = SeededGenerator(seed: 2)
                let a = Tensor.randomNormal(shape: [m, k], using: &generator)
                let b = Tensor.randomNormal(shape: transposeB ? [n, k] : [k, n], using: &generator)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(try Tensor.matmul(a, b, transposeB: transposeB))
                }
            }
        }
        Benchmark("ssyrkUpper 2000 × 4096 [\(kernel)]") { benchmark in
            GEMMKernel.select(kernel)
            defer { GEMMKernel.select(.automatic) }
            var generator = SeededGenerator(seed: 3)
            let x = Tensor.randomNormal(shape: [2000, 4096], using: &generator)
            var gram = [Float](repeating: 0, count: 2000 * 2000)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                x.withUnsafeBufferPointer { values in
                    gram.withUnsafeMutableBufferPointer { out in
                        BLAS.ssyrkUpper(
                            transpose: false, n: 2000, k: 4096, a: values.baseAddress!, lda: 4096,
                            c: out.baseAddress!, ldc: 2000)
                    }
                }
                blackHole(gram[1])
            }
        }
    }
}
