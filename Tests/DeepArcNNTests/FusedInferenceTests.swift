import DeepArcNN
import DeepArcTensor
import Testing

/// Sequential's fused inference of conv → batch norm (→ ReLU) against the layers run one by one.
@Suite("Fused conv + batch norm inference")
struct FusedInferenceTests {
    /// A batch norm with non-trivial γ, β and running statistics.
    private func norm(_ channels: Int, seed: UInt64) throws -> BatchNorm {
        let layer = try BatchNorm(channels: channels)
        layer.weight.value = seededUniformTensor([channels], in: 0.5...1.5, seed: seed)
        layer.bias.value = seededUniformTensor([channels], in: -0.5...0.5, seed: seed + 1)
        layer.runningMean.value = seededUniformTensor([channels], in: -0.3...0.3, seed: seed + 2)
        layer.runningVariance.value = seededUniformTensor([channels], in: 0.5...2, seed: seed + 3)
        return layer
    }

    @Test(
        "fused output equals layer-by-layer output",
        arguments: [(true, true), (true, false), (false, true), (false, false)])
    func matchesUnfused(relu: Bool, sampleParallel: Bool) throws {
        var generator = SeededGenerator(seed: 9)
        let conv = try Conv2D(inChannels: 3, outChannels: 5, kernel: 3, padding: 1, bias: true, generator: &generator)
        conv.bias?.value = seededUniformTensor([5], seed: 10)
        conv.sampleParallelWeightLimit = sampleParallel ? Int.max : 0
        conv.winogradEnabled = false  // WinogradTests covers the fused Winograd forward
        let bn = try norm(5, seed: 11)
        let layers: [any Layer] = relu ? [conv, bn, ReLU()] : [conv, bn]
        let sequential = Sequential(layers)
        let x = seededUniformTensor([6, 3, 9, 7], seed: 12)
        var expected = x
        for layer in layers { expected = try layer.forward(expected, mode: .inference) }
        let fused = try sequential.forward(x, mode: .inference)
        #expect(fused == expected)
        if relu { #expect(fused.scalars.contains(0) && fused.scalars.allSatisfy { $0 >= 0 }) }
        // Training mode is not fused and still uses batch statistics.
        let training = try sequential.forward(x, mode: .training)
        #expect(training != fused)
    }

    @Test("a batch norm of another width is not fused and reports the mismatch")
    func mismatchNotFused() throws {
        var generator = SeededGenerator(seed: 1)
        let conv = try Conv2D(inChannels: 2, outChannels: 4, kernel: 1, generator: &generator)
        let sequential = Sequential([conv, try BatchNorm(channels: 3)])
        #expect(throws: NNError.self) { try sequential.forward(seededUniformTensor([2, 2, 3, 3], seed: 2), mode: .inference) }
    }
}
