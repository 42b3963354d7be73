import Benchmark
import DeepArc

/// Forward and backward of the layers the training step spends its time in, at resnet20's and
/// vgg11's shapes on 28×28×1 inputs at batch 128: the 3×3 convolutions of each stage (stride 1, and
/// stride 2 entering a stage), the 1×1 stride-2 projection shortcuts, and batch normalisation + ReLU.
/// The stride-1 3×3 convolutions with at least 8 channels on planes of at least 2×2 take the
/// Winograd F(2×2, 3×3) path, vgg11's 1×1 planes the single-tap path; the stems stay on im2col.
/// Throughput is samples per second (128 per iteration).
func registerLayerBenchmarks() {
    struct ConvShape {
        var name: String
        var inChannels: Int
        var outChannels: Int
        var kernel: Int
        var stride: Int
        var padding: Int
        var side: Int
    }
    let shapes = [
        ConvShape(name: "stem 3×3 1→16 28²", inChannels: 1, outChannels: 16, kernel: 3, stride: 1, padding: 1, side: 28),
        ConvShape(name: "3×3 16→16 28²", inChannels: 16, outChannels: 16, kernel: 3, stride: 1, padding: 1, side: 28),
        ConvShape(name: "3×3/2 16→32 28²", inChannels: 16, outChannels: 32, kernel: 3, stride: 2, padding: 1, side: 28),
        ConvShape(name: "1×1/2 16→32 28²", inChannels: 16, outChannels: 32, kernel: 1, stride: 2, padding: 0, side: 28),
        ConvShape(name: "3×3 32→32 14²", inChannels: 32, outChannels: 32, kernel: 3, stride: 1, padding: 1, side: 14),
        ConvShape(name: "3×3 64→64 7²", inChannels: 64, outChannels: 64, kernel: 3, stride: 1, padding: 1, side: 7),
        // vgg11
        ConvShape(name: "3×3 64→128 14²", inChannels: 64, outChannels: 128, kernel: 3, stride: 1, padding: 1, side: 14),
        ConvShape(name: "3×3 128→256 7²", inChannels: 128, outChannels: 256, kernel: 3, stride: 1, padding: 1, side: 7),
        ConvShape(name: "3×3 256→256 7²", inChannels: 256, outChannels: 256, kernel: 3, stride: 1, padding: 1, side: 7),
        ConvShape(name: "3×3 512→512 3²", inChannels: 512, outChannels: 512, kernel: 3, stride: 1, padding: 1, side: 3),
        ConvShape(name: "3×3 512→512 1²", inChannels: 512, outChannels: 512, kernel: 3, stride: 1, padding: 1, side: 1),
    ]
    let batch = 128
    for shape in shapes {
        func makeLayer() throws -> (Conv2D, Tensor) {
            var generator = SeededGenerator(seed: 1)
            let conv = try Conv2D(
                inChannels: shape.inChannels, outChannels: shape.outChannels, kernel: shape.kernel, stride: shape.stride,
                padding: shape.padding, bias: false, generator: &generator)
            let input = Tensor.randomUniform(
                shape: [batch, shape.inChannels, shape.side, shape.side], in: -1...1, using: &generator)
            return (conv, input)
        }
        Benchmark("conv2D forward \(shape.name) batch 128", configuration: .init(scalingFactor: .one)) { benchmark in
            let (conv, input) = try makeLayer()
            _ = try conv.forward(input, mode: .training)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try conv.forward(input, mode: .training))
            }
        }
        Benchmark("conv2D backward \(shape.name) batch 128", configuration: .init(scalingFactor: .one)) { benchmark in
            let (conv, input) = try makeLayer()
            let output = try conv.forward(input, mode: .training)
            var generator = SeededGenerator(seed: 2)
            let gradient = Tensor.randomNormal(shape: output.shape, using: &generator)
            _ = try conv.backward(gradient, needsInputGradient: true)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try conv.backward(gradient, needsInputGradient: true))
            }
        }
    }

    Benchmark("batchNorm + ReLU forward/backward 16×28² batch 128", configuration: .init(scalingFactor: .one)) {
        benchmark in
        let norm = try BatchNorm(channels: 16)
        let relu = ReLU()
        var generator = SeededGenerator(seed: 3)
        let input = Tensor.randomNormal(shape: [batch, 16, 28, 28], using: &generator)
        let gradient = Tensor.randomNormal(shape: [batch, 16, 28, 28], using: &generator)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try relu.forward(try norm.forward(input, mode: .training), mode: .training))
            guard let reluGradient = try relu.backward(gradient, needsInputGradient: true) else { return }
            blackHole(try norm.backward(reluGradient, needsInputGradient: true))
        }
    }
}
