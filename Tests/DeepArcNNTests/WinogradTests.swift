import DeepArcNN
import DeepArcTensor
import Testing

/// The Winograd F(2×2, 3×3) path of `Conv2D` (3×3, stride 1, padding 1) against the im2col path,
/// finite differences and a case worked by hand.
@Suite("Conv2D Winograd path")
struct WinogradTests {
    /// A Winograd case: channels, batch and plane size.
    struct Shape: Sendable, CustomTestStringConvertible {
        var inChannels: Int
        var outChannels: Int
        var batch: Int
        var height: Int
        var width: Int
        var testDescription: String { "\(inChannels)→\(outChannels) x [\(batch), \(height)×\(width)]" }
        init(_ inChannels: Int, _ outChannels: Int, batch: Int, _ height: Int, _ width: Int) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.batch = batch
            self.height = height
            self.width = width
        }
        var inputShape: [Int] { [batch, inChannels, height, width] }
    }

    static let shapes: [Shape] = [
        Shape(1, 1, batch: 1, 1, 1),
        Shape(3, 5, batch: 2, 5, 7),
        Shape(16, 16, batch: 2, 6, 6),
        Shape(17, 3, batch: 5, 2, 3),
        Shape(3, 16, batch: 1, 7, 7),
        Shape(16, 17, batch: 5, 1, 1),
        Shape(1, 4, batch: 5, 3, 3),
        Shape(17, 16, batch: 2, 7, 6),
        // Wide enough for two groups of four tiles plus a tail in the vectorised transforms.
        Shape(3, 4, batch: 2, 6, 17),
        Shape(16, 16, batch: 3, 12, 16),
    ]

    /// Two layers with the same weights and bias, one forced onto each path.
    private func pair(_ shape: Shape, bias: Bool = true) throws -> (winograd: Conv2D, im2col: Conv2D) {
        var first = SeededGenerator(seed: 3), second = SeededGenerator(seed: 3)
        let winograd = try Conv2D(
            inChannels: shape.inChannels, outChannels: shape.outChannels, kernel: 3, padding: 1, bias: bias,
            generator: &first)
        let im2col = try Conv2D(
            inChannels: shape.inChannels, outChannels: shape.outChannels, kernel: 3, padding: 1, bias: bias,
            generator: &second)
        winograd.winogradEnabled = true
        winograd.winogradMinimumChannels = 1
        winograd.winogradMinimumSide = 1
        winograd.winogradMinimumSavedProducts = Int.min
        im2col.winogradEnabled = false
        // 1×1 planes would otherwise take the single-tap path on both sides (SingleTapTests covers it).
        winograd.singleTapEnabled = false
        im2col.singleTapEnabled = false
        if let bias = winograd.bias {
            bias.value = seededUniformTensor(bias.value.shape, seed: 8)
            im2col.bias?.value = bias.value
        }
        return (winograd, im2col)
    }

    @Test("Winograd and im2col agree: forward, accumulated dW, db, dx", arguments: shapes)
    func agreesWithIm2col(_ shape: Shape) throws {
        let (winograd, im2col) = try pair(shape)
        #expect(winograd.usesWinograd(inputShape: shape.inputShape))
        #expect(!im2col.usesWinograd(inputShape: shape.inputShape))
        let input = seededUniformTensor(shape.inputShape, seed: 4)
        var results: [(Tensor, Tensor, Tensor, Tensor)] = []
        for conv in [winograd, im2col] {
            // Start from a non-zero gradient: backward must add to it.
            conv.weight.gradient = seededUniformTensor(conv.weight.value.shape, seed: 5)
            conv.bias?.zeroGradient()
            let output = try conv.forward(input, mode: .training)
            let dy = seededUniformTensor(output.shape, seed: 6)
            let dx = try #require(try conv.backward(dy, needsInputGradient: true))
            results.append((output, conv.weight.gradient, try #require(conv.bias?.gradient), dx))
        }
        let (a, b) = (results[0], results[1])
        ConvTestSupport.expectClose(a.0.scalars, b.0.scalars, rtol: 1e-4, atol: 1e-5, "output")
        ConvTestSupport.expectClose(a.1.scalars, b.1.scalars, rtol: 1e-4, atol: 1e-4, "weight gradient")
        ConvTestSupport.expectClose(a.2.scalars, b.2.scalars, "bias gradient")
        ConvTestSupport.expectClose(a.3.scalars, b.3.scalars, rtol: 1e-4, atol: 1e-5, "input gradient")
    }

    @Test("the default rule: 3×3, stride 1, padding 1, ≥ 8 channels, planes ≥ 2×2, ≥ 1 024 products saved")
    func selectionRule() throws {
        var generator = SeededGenerator(seed: 1)
        func layer(_ inChannels: Int, _ outChannels: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1) throws
            -> Conv2D
        {
            try Conv2D(
                inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                generator: &generator)
        }
        #expect(try layer(16, 16).usesWinograd(inputShape: [128, 16, 28, 28]))
        #expect(try layer(16, 16).usesWinograd(inputShape: [1, 16, 28, 28]))  // saves 1·(7 056 − 3 136)
        #expect(try layer(8, 8).usesWinograd(inputShape: [16, 8, 4, 5]))  // 16·(180 − 96)
        #expect(try !layer(8, 8).usesWinograd(inputShape: [12, 8, 4, 5]))  // 12·84 = 1 008
        #expect(try layer(256, 256).usesWinograd(inputShape: [8, 256, 7, 7]))  // 8·(441 − 256)
        #expect(try !layer(256, 256).usesWinograd(inputShape: [4, 256, 7, 7]))
        #expect(try layer(512, 512).usesWinograd(inputShape: [64, 512, 3, 3]))  // 64·(81 − 64)
        #expect(try !layer(512, 512).usesWinograd(inputShape: [32, 512, 3, 3]))
        #expect(try layer(512, 512).usesWinograd(inputShape: [128, 512, 2, 2]))
        #expect(try !layer(3, 16).usesWinograd(inputShape: [128, 3, 28, 28]))  // stem
        #expect(try !layer(16, 4).usesWinograd(inputShape: [128, 16, 28, 28]))
        #expect(try !layer(512, 512).usesWinograd(inputShape: [128, 512, 1, 1]))
        #expect(try !layer(64, 64).usesWinograd(inputShape: [2, 64, 8, 1]))
        #expect(try !layer(16, 32, stride: 2).usesWinograd(inputShape: [128, 16, 28, 28]))
        #expect(try !layer(16, 16, padding: 0).usesWinograd(inputShape: [128, 16, 28, 28]))
        #expect(try !layer(16, 16, kernel: 5, padding: 2).usesWinograd(inputShape: [128, 16, 28, 28]))
        #expect(try !layer(16, 16).usesWinograd(inputShape: [128, 15, 28, 28]))  // rejected shape
        let off = try layer(16, 16)
        off.winogradEnabled = false
        #expect(!off.usesWinograd(inputShape: [128, 16, 28, 28]))
    }

    @Test(
        "a frozen weight keeps its gradient; needsInputGradient false returns nil", arguments: [shapes[1], shapes[3]])
    func frozenAndNoInputGradient(_ shape: Shape) throws {
        let (winograd, im2col) = try pair(shape, bias: false)
        let input = seededUniformTensor(shape.inputShape, seed: 4)
        let dy = seededUniformTensor(try winograd.outputShape(for: shape.inputShape), seed: 6)

        // Frozen weight: dx only.
        winograd.weight.isTrainable = false
        let frozen = seededUniformTensor(winograd.weight.value.shape, seed: 7)
        winograd.weight.gradient = frozen
        _ = try winograd.forward(input, mode: .training)
        let dx = try #require(try winograd.backward(dy, needsInputGradient: true))
        #expect(winograd.weight.gradient == frozen)
        _ = try im2col.forward(input, mode: .training)
        let expected = try #require(try im2col.backward(dy, needsInputGradient: true))
        ConvTestSupport.expectClose(dx.scalars, expected.scalars, rtol: 1e-4, atol: 1e-5, "input gradient")

        // No input gradient: dW only.
        winograd.weight.isTrainable = true
        winograd.weight.zeroGradient()
        _ = try winograd.forward(input, mode: .training)
        #expect(try winograd.backward(dy, needsInputGradient: false) == nil)
        ConvTestSupport.expectClose(
            winograd.weight.gradient.scalars, im2col.weight.gradient.scalars, rtol: 1e-4, atol: 1e-4,
            "weight gradient")
    }

    @Test("Winograd gradients agree with finite differences")
    func finiteDifferences() throws {
        let (winograd, _) = try pair(Shape(2, 3, batch: 2, 5, 4))
        for comparison in try ConvTestSupport.gradientCheck(
            winograd, input: seededUniformTensor([2, 2, 5, 4], seed: 9))
        {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    @Test("fused conv + batch norm + ReLU inference on the Winograd path equals the unfused layers")
    func fusedEpilogue() throws {
        let (conv, _) = try pair(Shape(3, 5, batch: 6, 9, 7))
        let norm = try BatchNorm(channels: 5)
        norm.weight.value = seededUniformTensor([5], in: 0.5...1.5, seed: 11)
        norm.bias.value = seededUniformTensor([5], in: -0.5...0.5, seed: 12)
        norm.runningMean.value = seededUniformTensor([5], in: -0.3...0.3, seed: 13)
        norm.runningVariance.value = seededUniformTensor([5], in: 0.5...2, seed: 14)
        let layers: [any Layer] = [conv, norm, ReLU()]
        let x = seededUniformTensor([6, 3, 9, 7], seed: 15)
        var expected = x
        for layer in layers { expected = try layer.forward(expected, mode: .inference) }
        let fused = try Sequential(layers).forward(x, mode: .inference)
        ConvTestSupport.expectClose(fused.scalars, expected.scalars, rtol: 1e-6, atol: 1e-6, "fused output")
        #expect(fused.scalars.contains(0) && fused.scalars.allSatisfy { $0 >= 0 })
    }

    @Test("a 1-channel 2×2 input, worked by hand")
    func byHand() throws {
        let (conv, _) = try pair(Shape(1, 1, batch: 1, 2, 2))
        conv.weight.value = try Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map { Float($0) })
        conv.bias?.value = try Tensor(shape: [1], scalars: [0.5])
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        // y[0,0] = 5·1 + 6·2 + 8·3 + 9·4 = 77, y[0,1] = 4·1 + 5·2 + 7·3 + 8·4 = 67,
        // y[1,0] = 2·1 + 3·2 + 5·3 + 6·4 = 47, y[1,1] = 1·1 + 2·2 + 4·3 + 5·4 = 37; plus the bias.
        let y = try conv.forward(x, mode: .training)
        #expect(y.scalars == [77.5, 67.5, 47.5, 37.5])
        conv.weight.zeroGradient()
        let dx = try #require(
            try conv.backward(try Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, 1]), needsInputGradient: true))
        // dx[i, j] = Σ of the taps that touch x[i, j]: x[0,0] ← w11 + w10 + w01 + w00 = 5 + 4 + 2 + 1.
        #expect(dx.scalars == [12, 16, 24, 28])
        // dW[a, b] = Σ over outputs of the input under tap (a, b): the centre sees all of x.
        // Tap (0, 0) sees only x[0,0] (from output (1, 1)); tap (2, 2) only x[1,1] (from (0, 0)).
        #expect(conv.weight.gradient.scalars == [1, 3, 2, 4, 10, 6, 3, 7, 4])
    }
}
