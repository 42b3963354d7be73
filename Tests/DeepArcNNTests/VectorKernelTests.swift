import DeepArcNN
import DeepArcTensor
import Testing

/// The SIMD / multi-threaded paths of the memory-bound layers on tensors large enough to take
/// them (spans longer than 16 with a ragged tail, more elements than the parallel threshold),
/// checked against the definitions evaluated in `Double`.
@Suite("Vector kernels of ReLU, residual sum and batch normalisation")
struct VectorKernelTests {
    @Test("ReLU forward and backward on a large tensor with NaN, zeros and negatives")
    func reluLarge() throws {
        var x = seededUniformTensor([9, 5, 31, 29], seed: 11)  // 40 455 elements, odd tail
        x.withUnsafeMutableBufferPointer { values in
            values[3] = .nan
            values[17] = 0
            values[40_454] = -0
        }
        let layer = ReLU()
        let y = try layer.forward(x, mode: .training)
        for (input, output) in zip(x.scalars, y.scalars) {
            if input.isNaN { #expect(output.isNaN) } else { #expect(output == max(input, 0)) }
        }
        let g = seededUniformTensor(x.shape, seed: 12)
        let dx = try #require(try layer.backward(g, needsInputGradient: true))
        for index in 0..<x.count {
            let expected: Float = y.scalars[index] > 0 ? g.scalars[index] : 0
            #expect(dx.scalars[index] == expected)
        }
    }

    @Test("residual sum with post-activation: forward and backward by definition on a large tensor")
    func residualLarge() throws {
        var generator = SeededGenerator(seed: 3)
        let body = try Conv2D(inChannels: 3, outChannels: 3, kernel: 1, bias: false, generator: &generator)
        let block = ResidualBlock(body: [body], shortcut: [], postActivation: true)
        let x = seededUniformTensor([8, 3, 41, 37], seed: 4)  // 36 408 elements
        let y = try block.forward(x, mode: .training)
        let bodyOutput = try body.forward(x, mode: .inference)
        let sums = zip(bodyOutput.scalars, x.scalars).map { $0 + $1 }
        #expect(y.scalars == sums.map { max($0, 0) })

        let g = seededUniformTensor(x.shape, seed: 5)
        body.weight.zeroGradient()
        let dx = try #require(try block.backward(g, needsInputGradient: true))
        // dx = Wᵀ·g' + g' with g' = g masked by sum > 0 (1×1 conv: per-pixel channel mixing).
        let w = body.weight.value.scalars
        let plane = 41 * 37
        for n in [0, 7] {
            for p in stride(from: 0, to: plane, by: 97) {
                for c in 0..<3 {
                    var expected = 0.0
                    for o in 0..<3 {
                        let index = (n * 3 + o) * plane + p
                        let masked = sums[index] > 0 ? Double(g.scalars[index]) : 0
                        expected += Double(w[o * 3 + c]) * masked + (o == c ? masked : 0)
                    }
                    #expect(closeEnough(Double(dx.scalars[(n * 3 + c) * plane + p]), expected, relative: 1e-4, absolute: 1e-5))
                }
            }
        }
    }

    @Test("batch normalisation on a large tensor matches the definition (forward, dx, dγ, dβ)")
    func batchNormLarge() throws {
        let (n, c, h, w) = (16, 5, 29, 31)  // 71 920 elements, spans of 899
        let layer = try BatchNorm(channels: c)
        layer.weight.value = seededUniformTensor([c], in: 0.5...1.5, seed: 1)
        layer.bias.value = seededUniformTensor([c], in: -0.5...0.5, seed: 2)
        var x = seededUniformTensor([n, c, h, w], in: -2...3, seed: 3)
        x.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] += 10 }  // a large mean stresses accuracy
        }
        let y = try layer.forward(x, mode: .training)
        let g = seededUniformTensor(x.shape, seed: 4)
        let dx = try #require(try layer.backward(g, needsInputGradient: true))

        let plane = h * w
        let count = Double(n * plane)
        for channel in 0..<c {
            var indices: [Int] = []
            for sample in 0..<n {
                let start: Int = (sample * c + channel) * plane
                indices.append(contentsOf: start..<(start + plane))
            }
            let values: [Double] = indices.map { Double(x.scalars[$0]) }
            let mean: Double = values.reduce(0.0, +) / count
            var squares = 0.0
            for value in values { squares += (value - mean) * (value - mean) }
            let variance: Double = squares / count
            let inverse: Double = 1 / (variance + 1e-5).squareRoot()
            let gamma = Double(layer.weight.value.scalars[channel])
            let beta = Double(layer.bias.value.scalars[channel])
            let gradients: [Double] = indices.map { Double(g.scalars[$0]) }
            let normalized: [Double] = values.map { ($0 - mean) * inverse }
            let sumG: Double = gradients.reduce(0.0, +)
            var sumGX = 0.0
            for (gradient, xHat) in zip(gradients, normalized) { sumGX += gradient * xHat }
            #expect(closeEnough(Double(layer.bias.gradient.scalars[channel]), sumG, relative: 1e-4, absolute: 1e-3))
            #expect(closeEnough(Double(layer.weight.gradient.scalars[channel]), sumGX, relative: 1e-4, absolute: 1e-3))
            for (position, index) in indices.enumerated() where position % 37 == 0 {
                let expectedY = gamma * normalized[position] + beta
                #expect(closeEnough(Double(y.scalars[index]), expectedY, relative: 1e-4, absolute: 1e-4))
                let centred: Double = gradients[position] - sumG / count - normalized[position] * sumGX / count
                let expectedDX: Double = gamma * inverse * centred
                #expect(closeEnough(Double(dx.scalars[index]), expectedDX, relative: 1e-3, absolute: 1e-4))
            }
        }
    }

    @Test("batch normalisation with spans longer than one SIMD step matches finite differences")
    func batchNormGradientCheck() throws {
        let layer = try BatchNorm(channels: 2)
        layer.weight.value = seededUniformTensor([2], in: 0.5...1.5, seed: 7)
        layer.bias.value = seededUniformTensor([2], in: -0.5...0.5, seed: 8)
        let report = try numericalGradientCheck(layer, input: seededUniformTensor([2, 2, 5, 7], in: -2...2, seed: 9))
        #expect(report.worst < 1e-2, "\(report)")
    }
}
