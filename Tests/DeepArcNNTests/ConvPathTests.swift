import DeepArcNN
import DeepArcTensor
import Testing

/// The sample-parallel convolution path (small weights: each core convolves its own samples with
/// single-threaded BLAS) against the batch-chunked path and a direct convolution.
@Suite("Conv2D execution paths")
struct ConvPathTests {
    static let cases: [ConvCase] = [
        ConvCase(3, 5, k: 3, s: 1, p: 1, bias: true, input: [5, 3, 6, 6]),
        ConvCase(4, 6, k: 3, s: 2, p: 1, bias: false, input: [4, 4, 7, 7]),
        ConvCase(4, 6, k: 1, s: 2, p: 0, bias: false, input: [5, 4, 6, 6]),
        // 1×1, stride 1, planes of 256 positions: the im2col-free pointwise path.
        ConvCase(3, 4, k: 1, s: 1, p: 0, bias: true, input: [3, 3, 16, 16]),
    ]

    /// Forward, weight/bias gradients and input gradient of `conv` on fixed data.
    private func run(_ conv: Conv2D, input: Tensor) throws -> (Tensor, Tensor, Tensor?, Tensor) {
        for (_, parameter) in conv.namedParameters { parameter.zeroGradient() }
        let output = try conv.forward(input, mode: .training)
        let gradient = ConvTestSupport.random(output.shape, seed: 21)
        let dx = try #require(try conv.backward(gradient, needsInputGradient: true))
        return (output, conv.weight.gradient, conv.bias?.gradient, dx)
    }

    @Test("sample-parallel and batch-chunked paths agree (forward, dW, db, dx)", arguments: cases, [1, 2, 3])
    func pathsAgree(_ config: ConvCase, samplesPerTask: Int) throws {
        let parallel = try config.makeLayer(seed: 3)
        let chunked = try config.makeLayer(seed: 3)
        if let bias = parallel.bias { bias.value = ConvTestSupport.random(bias.value.shape, seed: 8) }
        chunked.bias?.value = parallel.bias?.value ?? Tensor(zeros: [0])
        parallel.sampleParallelWeightLimit = Int.max
        chunked.sampleParallelWeightLimit = 0
        // The 3×3 "same" case would otherwise take the Winograd path (WinogradTests covers it).
        parallel.winogradEnabled = false
        chunked.winogradEnabled = false
        let g = try parallel.outputShape(for: config.inputShape)
        parallel.taskScratchElements =
            samplesPerTask * (config.inChannels * config.kernel * config.kernel + config.outChannels) * g[2] * g[3]
        let input = ConvTestSupport.random(config.inputShape, seed: 4)
        let a = try run(parallel, input: input)
        let b = try run(chunked, input: input)
        ConvTestSupport.expectClose(a.0.scalars, b.0.scalars, "output")
        ConvTestSupport.expectClose(a.1.scalars, b.1.scalars, "weight gradient")
        if let biasA = a.2, let biasB = b.2 { ConvTestSupport.expectClose(biasA.scalars, biasB.scalars, "bias gradient") }
        ConvTestSupport.expectClose(a.3.scalars, b.3.scalars, "input gradient")
        // And the sample-parallel path against finite differences (once per case; the pointwise
        // case's input is too large to difference quickly, and it matched the chunked path above).
        guard samplesPerTask == 2, config.inputShape[2] < 16 else { return }
        for comparison in try ConvTestSupport.gradientCheck(parallel, input: input) {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    @Test("the sample-parallel path accumulates into existing gradients and honours a frozen weight")
    func accumulation() throws {
        let config = ConvCase(3, 4, k: 3, s: 1, p: 1, bias: false, input: [6, 3, 7, 7])
        let conv = try config.makeLayer(seed: 5)
        conv.sampleParallelWeightLimit = Int.max
        conv.winogradEnabled = false
        let input = ConvTestSupport.random(config.inputShape, seed: 6)
        let (_, once, _, dxOnce) = try run(conv, input: input)
        let output = try conv.forward(input, mode: .training)
        let dx = try #require(
            try conv.backward(ConvTestSupport.random(output.shape, seed: 21), needsInputGradient: true))
        let doubled = once.scalars.map { 2 * $0 }
        ConvTestSupport.expectClose(conv.weight.gradient.scalars, doubled, "accumulated weight gradient")
        #expect(dx == dxOnce)

        conv.weight.isTrainable = false
        let frozen = conv.weight.gradient
        _ = try conv.forward(input, mode: .training)
        let dxFrozen = try #require(
            try conv.backward(ConvTestSupport.random(output.shape, seed: 21), needsInputGradient: true))
        #expect(conv.weight.gradient == frozen)
        #expect(dxFrozen == dxOnce)
    }
}
