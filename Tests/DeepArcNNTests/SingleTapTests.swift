import DeepArcNN
import DeepArcTensor
import Testing

/// The single-tap path of `Conv2D` (1×1 input plane, 1×1 output plane: one GEMM with the kernel tap
/// at `(padding, padding)`) against the im2col path and a case worked by hand.
@Suite("Conv2D single-tap path")
struct SingleTapTests {
    static let cases: [ConvCase] = [
        ConvCase(5, 7, k: 3, s: 1, p: 1, bias: true, input: [4, 5, 1, 1]),
        ConvCase(3, 2, k: 5, s: 1, p: 2, bias: false, input: [3, 3, 1, 1]),
        ConvCase(4, 6, k: 3, s: 2, p: 1, bias: true, input: [2, 4, 1, 1]),
        // A large weight (the batch-chunked path on the im2col side) and a single sample.
        ConvCase(160, 300, k: 3, s: 1, p: 1, bias: true, input: [1, 160, 1, 1]),
        // Kernel 2, padding 1: the tap is (1, 1), the last of the kernel.
        ConvCase(3, 4, k: 2, s: 2, p: 1, bias: false, input: [3, 3, 1, 1]),
    ]

    private func run(_ conv: Conv2D, input: Tensor, dy seed: UInt64) throws -> (Tensor, Tensor, Tensor?, Tensor) {
        let output = try conv.forward(input, mode: .training)
        let dx = try #require(
            try conv.backward(ConvTestSupport.random(output.shape, seed: seed), needsInputGradient: true))
        return (output, conv.weight.gradient, conv.bias?.gradient, dx)
    }

    @Test("single-tap and im2col paths agree (forward, dW accumulated into an existing gradient, db, dx)",
        arguments: cases)
    func pathsAgree(_ config: ConvCase) throws {
        let tap = try config.makeLayer(seed: 3)
        let im2col = try config.makeLayer(seed: 3)
        im2col.singleTapEnabled = false
        #expect(try tap.outputShape(for: config.inputShape) == [config.batch, config.outChannels, 1, 1])
        if let bias = tap.bias {
            bias.value = ConvTestSupport.random(bias.value.shape, seed: 8)
            im2col.bias?.value = bias.value
        }
        // Start both from the same non-zero gradients: the path must add, not overwrite.
        let start = ConvTestSupport.random(tap.weight.value.shape, seed: 9)
        tap.weight.gradient = start
        im2col.weight.gradient = start
        let input = ConvTestSupport.random(config.inputShape, seed: 4)
        let a = try run(tap, input: input, dy: 21)
        let b = try run(im2col, input: input, dy: 21)
        ConvTestSupport.expectClose(a.0.scalars, b.0.scalars, "output")
        ConvTestSupport.expectClose(a.1.scalars, b.1.scalars, "weight gradient")
        if let biasA = a.2, let biasB = b.2 { ConvTestSupport.expectClose(biasA.scalars, biasB.scalars, "bias gradient") }
        ConvTestSupport.expectClose(a.3.scalars, b.3.scalars, "input gradient")
    }

    @Test("by hand: only the tap at (padding, padding) sees the input")
    func byHand() throws {
        // One input channel, two output channels, 3×3 kernel, padding 1, two samples.
        var generator = SeededGenerator(seed: 1)
        let conv = try Conv2D(inChannels: 1, outChannels: 2, kernel: 3, padding: 1, bias: true, generator: &generator)
        conv.weight.value = try Tensor(shape: [2, 1, 3, 3], scalars: (0..<18).map { Float($0) })
        conv.bias?.value = try Tensor(shape: [2], scalars: [0.5, -1])
        let x = try Tensor(shape: [2, 1, 1, 1], scalars: [2, -3])
        let y = try conv.forward(x, mode: .training)
        // Centre taps: w[0,0,1,1] = 4, w[1,0,1,1] = 13.
        let expectedOutput: [Float] = [8.5, 25, -11.5, -40]  // 2·4 + 0.5, 2·13 − 1, −3·4 + 0.5, −3·13 − 1
        #expect(y.scalars == expectedOutput)
        conv.weight.zeroGradient()
        conv.bias?.zeroGradient()
        let dy = try Tensor(shape: [2, 2, 1, 1], scalars: [1, 2, -1, 0.5])
        let dx = try #require(try conv.backward(dy, needsInputGradient: true))
        // dx[n] = Σ_o dy[n, o]·w[o, 0, 1, 1]
        let expectedInputGradient: [Float] = [30, 2.5]  // 1·4 + 2·13, −1·4 + 0.5·13
        #expect(dx.scalars == expectedInputGradient)
        // dW[o, 0, 1, 1] = Σ_n dy[n, o]·x[n]; every other tap's gradient is zero.
        var expected = [Float](repeating: 0, count: 18)
        expected[4] = 5  // 1·2 + (−1)·(−3)
        expected[13] = 2.5  // 2·2 + 0.5·(−3)
        #expect(conv.weight.gradient.scalars == expected)
        let expectedBiasGradient: [Float] = [0, 2.5]
        #expect(conv.bias?.gradient.scalars == expectedBiasGradient)
    }
}
