import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

@Suite("BatchNorm")
struct BatchNormTests {
    /// Sets γ and β to non-trivial values so their gradients and the dx scaling are exercised.
    private func randomised(_ layer: BatchNorm, seed: UInt64) -> BatchNorm {
        layer.weight.value = seededUniformTensor([layer.channels], in: 0.5...1.5, seed: seed)
        layer.bias.value = seededUniformTensor([layer.channels], in: -0.5...0.5, seed: seed + 1)
        return layer
    }

    @Test("training backward matches finite differences", arguments: [[5, 3], [3, 2, 2, 3], [4, 3, 1, 1]])
    func gradientCheck(shape: [Int]) throws {
        let layer = randomised(try BatchNorm(channels: shape[1]), seed: 5)
        let report = try numericalGradientCheck(layer, input: seededUniformTensor(shape, in: -2...2, seed: 6))
        #expect(report.errors.map(\.name) == ["input", "weight", "bias"])
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("one training step: output normalised by batch statistics, running statistics updated by hand")
    func runningStatisticsByHand() throws {
        let layer = try BatchNorm(channels: 2, momentum: 0.1, epsilon: 1e-5)
        // [N=2, C=2, H=1, W=2]. Channel 0: 1, 2, 3, 4. Channel 1: −2, 0, 2, 4.
        let x = try Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, -2, 0, 3, 4, 2, 4])
        let y = try layer.forward(x, mode: .training)
        // Channel 0: mean 2.5, biased variance 1.25, unbiased 5/3.
        // Channel 1: mean 1, biased variance 5, unbiased 20/3.
        #expect(closeEnough(layer.runningMean.value.scalars, [0.1 * 2.5, 0.1 * 1]))
        let runningVariance: [Double] = [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 20 / 3]
        #expect(closeEnough(layer.runningVariance.value.scalars, runningVariance))
        let s0 = (1.25 + 1e-5).squareRoot()
        let s1 = (5 + 1e-5).squareRoot()
        let expected: [Double] = [(1 - 2.5) / s0, (2 - 2.5) / s0, -3 / s1, -1 / s1, 0.5 / s0, 1.5 / s0, 1 / s1, 3 / s1]
        #expect(closeEnough(y.scalars, expected, relative: 1e-5, absolute: 1e-6))

        // A second step moves the running statistics again.
        _ = try layer.forward(x, mode: .training)
        #expect(closeEnough(layer.runningMean.value.scalars, [0.19 * 2.5, 0.19 * 1]))
    }

    @Test("running statistics in training: the inference map, statistics unchanged, gradients of that map")
    func runningStatisticsInTraining() throws {
        let layer = try BatchNorm(channels: 2, epsilon: 1e-5)
        layer.runningMean.value = try Tensor(shape: [2], scalars: [1, -1])
        layer.runningVariance.value = try Tensor(shape: [2], scalars: [4, 0.25])
        layer.weight.value = try Tensor(shape: [2], scalars: [2, 1])
        layer.bias.value = try Tensor(shape: [2], scalars: [0, 3])
        layer.usesRunningStatistics = true
        // By hand: y = γ (x − μ)/√(σ² + ε) + β with the running μ, σ²; a batch of one is fine.
        let x = try Tensor(shape: [1, 2, 1, 2], scalars: [1, 5, -1, -0.5])
        let y = try layer.forward(x, mode: .training)
        let a0 = 2 / (4 + 1e-5).squareRoot()
        let a1 = 1 / (0.25 + 1e-5).squareRoot()
        #expect(closeEnough(y.scalars, [0, 4 * a0, 3, 0.5 * a1 + 3]))
        #expect(layer.runningMean.value.scalars == [1, -1])
        #expect(layer.runningVariance.value.scalars == [4, 0.25])
        // Backward of an affine map: dx = a·g, dγ = Σ g·x̂, dβ = Σ g.
        let g = try Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let dx = try #require(try layer.backward(g, needsInputGradient: true))
        #expect(closeEnough(dx.scalars, [a0, 2 * a0, 3 * a1, 4 * a1]))
        let xHat0 = [0.0, 4 / (4 + 1e-5).squareRoot()]
        let xHat1 = [0.0, 0.5 / (0.25 + 1e-5).squareRoot()]
        #expect(closeEnough(layer.weight.gradient.scalars, [1 * xHat0[0] + 2 * xHat0[1], 3 * xHat1[0] + 4 * xHat1[1]]))
        #expect(closeEnough(layer.bias.gradient.scalars, [3, 7]))

        // And against finite differences on random data.
        let random = randomised(try BatchNorm(channels: 3), seed: 8)
        random.runningMean.value = seededUniformTensor([3], in: -1...1, seed: 9)
        random.runningVariance.value = seededUniformTensor([3], in: 0.5...2, seed: 10)
        random.usesRunningStatistics = true
        let report = try numericalGradientCheck(random, input: seededUniformTensor([3, 3, 2, 2], in: -2...2, seed: 11))
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("inference uses the running statistics and leaves them unchanged")
    func inference() throws {
        let layer = try BatchNorm(channels: 2, epsilon: 1e-5)
        layer.runningMean.value = try Tensor(shape: [2], scalars: [1, -1])
        layer.runningVariance.value = try Tensor(shape: [2], scalars: [4, 0.25])
        layer.weight.value = try Tensor(shape: [2], scalars: [2, 1])
        layer.bias.value = try Tensor(shape: [2], scalars: [0, 3])
        // A batch of one is fine in inference.
        let y = try layer.forward(Tensor(shape: [1, 2], scalars: [3, 0]), mode: .inference)
        let expected: [Double] = [2 * 2 / (4 + 1e-5).squareRoot(), 1 / (0.25 + 1e-5).squareRoot() + 3]
        #expect(closeEnough(y.scalars, expected))
        #expect(layer.runningMean.value.scalars == [1, -1])
        #expect(layer.runningVariance.value.scalars == [4, 0.25])

        // 4-D: one value per channel per position.
        let image = try layer.forward(Tensor(shape: [1, 2, 1, 2], scalars: [1, 5, -1, -0.5]), mode: .inference)
        let a0 = 2 / (4 + 1e-5).squareRoot()
        let a1 = 1 / (0.25 + 1e-5).squareRoot()
        #expect(closeEnough(image.scalars, [0, 4 * a0, 3, 0.5 * a1 + 3]))
    }

    @Test("training output has zero mean and unit variance per channel")
    func normalisedStatistics() throws {
        let layer = try BatchNorm(channels: 3)
        let x = seededUniformTensor([4, 3, 5, 5], in: -3...7, seed: 9)
        let y = try layer.forward(x, mode: .training).scalars
        for channel in 0..<3 {
            var values: [Double] = []
            for sample in 0..<4 {
                let start = (sample * 3 + channel) * 25
                values += y[start..<(start + 25)].map(Double.init)
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)
        }
    }

    @Test("frozen γ and β keep their gradients bit for bit; the input gradient is unchanged")
    func frozenParameters() throws {
        let x = seededUniformTensor([4, 2], in: -2...2, seed: 1)
        let g = seededUniformTensor([4, 2], seed: 2)
        let reference = randomised(try BatchNorm(channels: 2), seed: 3)
        _ = try reference.forward(x, mode: .training)
        let expected = try #require(try reference.backward(g, needsInputGradient: true))

        let frozen = randomised(try BatchNorm(channels: 2), seed: 3)
        let pattern = try Tensor(shape: [2], scalars: [0.25, -7])
        frozen.weight.gradient = pattern
        frozen.bias.gradient = pattern
        frozen.weight.isTrainable = false
        frozen.bias.isTrainable = false
        _ = try frozen.forward(x, mode: .training)
        let dx = try #require(try frozen.backward(g, needsInputGradient: true))
        #expect(frozen.weight.gradient.scalars.map(\.bitPattern) == pattern.scalars.map(\.bitPattern))
        #expect(frozen.bias.gradient.scalars.map(\.bitPattern) == pattern.scalars.map(\.bitPattern))
        #expect(dx.scalars == expected.scalars)
        #expect(try frozen.backward(g, needsInputGradient: false) == nil)
    }

    @Test("parameters, kinds and spec")
    func description() throws {
        let layer = try BatchNorm(channels: 4, momentum: 0.01, epsilon: 1e-3)
        #expect(layer.namedParameters.map(\.name) == ["weight", "bias", "runningMean", "runningVariance"])
        #expect(
            layer.namedParameters.map(\.parameter.kind) == [
                .normalization, .normalization, .runningStatistic, .runningStatistic,
            ])
        #expect(layer.weight.value.scalars == [1, 1, 1, 1])
        #expect(layer.bias.value.scalars == [0, 0, 0, 0])
        #expect(layer.runningVariance.value.scalars == [1, 1, 1, 1])
        #expect(!layer.runningMean.receivesUpdates)
        #expect(layer.parameterCount == 8)
        #expect(layer.spec == .batchNorm(channels: 4, momentum: 0.01, epsilon: 1e-3))
    }

    @Test("bad shapes and configurations throw")
    func errors() throws {
        let layer = try BatchNorm(channels: 3)
        #expect(throws: NNError.self) { try layer.forward(Tensor(zeros: [2, 4]), mode: .training) }
        #expect(throws: NNError.self) { try layer.forward(Tensor(zeros: [2, 3, 4]), mode: .training) }
        // One value per channel has no variance in training.
        #expect(throws: NNError.self) { try layer.forward(Tensor(zeros: [1, 3]), mode: .training) }
        #expect(throws: NNError.self) { try layer.forward(Tensor(zeros: [1, 3, 1, 1]), mode: .training) }
        #expect(throws: NNError.backwardWithoutForward(layer: "batchNorm(3)")) {
            try layer.backward(Tensor(zeros: [2, 3]), needsInputGradient: true)
        }
        _ = try layer.forward(Tensor(zeros: [2, 3]), mode: .training)
        #expect(throws: NNError.self) { try layer.backward(Tensor(zeros: [3, 3]), needsInputGradient: true) }
        #expect(throws: NNError.self) { try BatchNorm(channels: 0) }
        #expect(throws: NNError.self) { try BatchNorm(channels: 2, momentum: 1.5) }
        #expect(throws: NNError.self) { try BatchNorm(channels: 2, epsilon: 0) }
    }
}
