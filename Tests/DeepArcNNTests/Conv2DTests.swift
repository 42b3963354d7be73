import DeepArcNN
import DeepArcTensor
import Testing

// MARK: - Reference

/// A direct convolution with plain loops in Double: the independent reference for forward tests.
private func naiveConvolution(
    input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int
) throws -> Tensor {
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (o, k) = (weight.shape[0], weight.shape[2])
    let ho = (h + 2 * padding - k) / stride + 1
    let wo = (w + 2 * padding - k) / stride + 1
    let x = input.scalars, wt = weight.scalars, b = bias?.scalars
    var y = [Float](repeating: 0, count: n * o * ho * wo)
    for sample in 0..<n {
        for filter in 0..<o {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    var total = Double(b?[filter] ?? 0)
                    for channel in 0..<c {
                        for i in 0..<k {
                            for j in 0..<k {
                                let ih = oh * stride - padding + i, iw = ow * stride - padding + j
                                guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                total +=
                                    Double(x[((sample * c + channel) * h + ih) * w + iw])
                                    * Double(wt[((filter * c + channel) * k + i) * k + j])
                            }
                        }
                    }
                    y[((sample * o + filter) * ho + oh) * wo + ow] = Float(total)
                }
            }
        }
    }
    return try Tensor(shape: [n, o, ho, wo], scalars: y)
}

// MARK: - Configurations

struct ConvCase: Sendable, CustomTestStringConvertible {
    var inChannels: Int
    var outChannels: Int
    var kernel: Int
    var stride: Int
    var padding: Int
    var bias: Bool
    var batch: Int
    var height: Int
    var width: Int

    var testDescription: String {
        "in \(inChannels) out \(outChannels) k\(kernel) s\(stride) p\(padding) bias \(bias) x [\(batch), \(inChannels), \(height), \(width)]"
    }

    var inputShape: [Int] { [batch, inChannels, height, width] }

    /// A case from the layer's configuration and its input shape `[N, inChannels, H, W]`.
    init(_ inChannels: Int, _ outChannels: Int, k: Int, s: Int, p: Int, bias: Bool, input: [Int]) {
        precondition(input.count == 4 && input[1] == inChannels, "test case input shape")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = k
        self.stride = s
        self.padding = p
        self.bias = bias
        self.batch = input[0]
        self.height = input[2]
        self.width = input[3]
    }

    func makeLayer(seed: UInt64 = 1) throws -> Conv2D {
        var generator = SeededGenerator(seed: seed)
        return try Conv2D(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
            bias: bias, generator: &generator)
    }
}

private let forwardCases: [ConvCase] = [
    ConvCase(3, 4, k: 3, s: 1, p: 0, bias: true, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 3, s: 1, p: 1, bias: true, input: [2, 3, 5, 6]),
    ConvCase(3, 4, k: 3, s: 2, p: 0, bias: false, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 3, s: 2, p: 1, bias: true, input: [3, 3, 7, 5]),
    // 1×1, stride 1, no padding on a 16×16 plane: the im2col-free path.
    ConvCase(2, 5, k: 1, s: 1, p: 0, bias: true, input: [2, 2, 16, 16]),
    // 1×1 on a small plane: the chunked path.
    ConvCase(2, 5, k: 1, s: 1, p: 0, bias: false, input: [3, 2, 4, 4]),
    ConvCase(3, 2, k: 1, s: 2, p: 0, bias: true, input: [2, 3, 5, 5]),
    ConvCase(2, 3, k: 2, s: 2, p: 1, bias: true, input: [2, 2, 5, 5]),
    // A kernel larger than the input, reached through padding.
    ConvCase(1, 2, k: 5, s: 1, p: 2, bias: true, input: [2, 1, 3, 3]),
    ConvCase(2, 3, k: 3, s: 3, p: 0, bias: true, input: [2, 2, 8, 7]),
]

private let gradientCases: [ConvCase] = [
    ConvCase(3, 4, k: 3, s: 1, p: 0, bias: true, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 3, s: 1, p: 1, bias: true, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 3, s: 2, p: 0, bias: false, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 3, s: 2, p: 1, bias: true, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 1, s: 1, p: 0, bias: true, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 1, s: 2, p: 0, bias: false, input: [2, 3, 5, 5]),
    ConvCase(3, 4, k: 1, s: 1, p: 1, bias: true, input: [2, 3, 5, 5]),
    ConvCase(2, 3, k: 2, s: 2, p: 1, bias: true, input: [2, 2, 5, 6]),
    // The im2col-free 1×1 path.
    ConvCase(2, 3, k: 1, s: 1, p: 0, bias: true, input: [2, 2, 16, 16]),
]

// MARK: - Tests

@Suite("Conv2D")
struct Conv2DTests {
    // MARK: Configuration

    @Test(
        "invalid configurations throw invalidConfiguration",
        arguments: [
            (0, 4, 3, 1, 0), (3, 0, 3, 1, 0), (3, 4, 0, 1, 0), (3, 4, 3, 0, 0), (3, 4, 3, -1, 0), (3, 4, 3, 1, -1),
            (-2, 4, 3, 1, 0), (1 << 20, 1 << 20, 1 << 10, 1, 0),
        ])
    func invalidConfiguration(_ values: (Int, Int, Int, Int, Int)) {
        var generator = SeededGenerator(seed: 1)
        let error = #expect(throws: NNError.self) {
            _ = try Conv2D(
                inChannels: values.0, outChannels: values.1, kernel: values.2, stride: values.3, padding: values.4,
                generator: &generator)
        }
        guard case .invalidConfiguration(let layer, _) = error else {
            Issue.record("expected invalidConfiguration, got \(String(describing: error))")
            return
        }
        #expect(layer == "conv2D")
    }

    @Test("parameters: shapes, kinds, names, He initialisation, zero bias, spec")
    func parameters() throws {
        var generator = SeededGenerator(seed: 42)
        let conv = try Conv2D(
            inChannels: 16, outChannels: 32, kernel: 3, stride: 2, padding: 1, generator: &generator)
        #expect(conv.weight.value.shape == [32, 16, 3, 3])
        #expect(conv.weight.kind == .weight)
        #expect(conv.bias?.value.shape == [32])
        #expect(conv.bias?.kind == .bias)
        #expect(conv.bias?.value.scalars.allSatisfy { $0 == 0 } == true)
        #expect(conv.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(conv.namedParameters[0].parameter === conv.weight)
        #expect(conv.parameterCount == 32 * 16 * 9 + 32)
        #expect(
            conv.spec == .conv2D(inChannels: 16, outChannels: 32, kernel: 3, stride: 2, padding: 1, bias: true))

        let values = conv.weight.value.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        let expected = (2.0 / (16.0 * 9.0)).squareRoot()
        #expect(abs(std - expected) < 0.05 * expected)
        #expect(abs(mean) < 0.06 * expected)

        var other = SeededGenerator(seed: 42)
        let twin = try Conv2D(
            inChannels: 16, outChannels: 32, kernel: 3, stride: 2, padding: 1, generator: &other)
        #expect(twin.weight.value == conv.weight.value)

        var third = SeededGenerator(seed: 1)
        let noBias = try Conv2D(inChannels: 2, outChannels: 3, kernel: 1, bias: false, generator: &third)
        #expect(noBias.bias == nil)
        #expect(noBias.namedParameters.map(\.name) == ["weight"])
        #expect(noBias.spec == .conv2D(inChannels: 2, outChannels: 3, kernel: 1, stride: 1, padding: 0, bias: false))
    }

    // MARK: Forward

    @Test("forward matches a direct convolution", arguments: forwardCases)
    func forwardMatchesReference(_ config: ConvCase) throws {
        let conv = try config.makeLayer()
        if let bias = conv.bias { bias.value = ConvTestSupport.random([config.outChannels], seed: 5) }
        let input = ConvTestSupport.random(config.inputShape, seed: 3)
        let output = try conv.forward(input, mode: .inference)
        let reference = try naiveConvolution(
            input: input, weight: conv.weight.value, bias: conv.bias?.value, stride: config.stride,
            padding: config.padding)
        #expect(output.shape == reference.shape)
        #expect(try conv.outputShape(for: input.shape) == reference.shape)
        ConvTestSupport.expectClose(output.scalars, reference.scalars, rtol: 1e-4, atol: 1e-5, "output")
        let training = try conv.forward(input, mode: .training)
        #expect(training == output)
    }

    @Test("chunking the batch does not change results", arguments: [1, 2, 4])
    func chunking(samplesPerChunk: Int) throws {
        let config = ConvCase(3, 4, k: 3, s: 1, p: 1, bias: true, input: [5, 3, 6, 5])
        let conv = try config.makeLayer()
        conv.bias?.value = ConvTestSupport.random([4], seed: 8)
        // Budget for exactly `samplesPerChunk` samples: (C·k·k + out) · Ho·Wo floats per sample.
        conv.maximumScratchElements = samplesPerChunk * (3 * 9 + 4) * 30
        let input = ConvTestSupport.random(config.inputShape, seed: 4)
        let output = try conv.forward(input, mode: .inference)
        let reference = try naiveConvolution(
            input: input, weight: conv.weight.value, bias: conv.bias?.value, stride: 1, padding: 1)
        ConvTestSupport.expectClose(output.scalars, reference.scalars, "chunked output")
        for comparison in try ConvTestSupport.gradientCheck(conv, input: input) {
            ConvTestSupport.expectAgreement(comparison)
        }
    }

    @Test("an empty batch gives an empty output and gradient")
    func emptyBatch() throws {
        let conv = try gradientCases[1].makeLayer()
        let output = try conv.forward(Tensor(zeros: [0, 3, 5, 5]), mode: .training)
        #expect(output.shape == [0, 4, 5, 5])
        let gradient = try conv.backward(Tensor(zeros: [0, 4, 5, 5]), needsInputGradient: true)
        #expect(gradient?.shape == [0, 3, 5, 5])
        #expect(conv.weight.gradient.scalars.allSatisfy { $0 == 0 })
    }

    @Test("a masked weight convolves like a direct convolution with those entries zeroed")
    func maskedWeight() throws {
        let config = forwardCases[1]
        let conv = try config.makeLayer(seed: 11)
        let original = conv.weight.value
        let mask = ConvTestSupport.random(original.shape, seed: 12, in: 0...1).map { $0 < 0.5 ? 0 : 1 }
        try conv.weight.setMask(mask)
        let zeroed = try Tensor(
            shape: original.shape,
            scalars: zip(original.scalars, mask.scalars).map { weight, keep in keep == 0 ? 0 : weight })
        #expect(conv.weight.value == zeroed)

        let input = ConvTestSupport.random(config.inputShape, seed: 13)
        let output = try conv.forward(input, mode: .inference)
        let reference = try naiveConvolution(
            input: input, weight: zeroed, bias: conv.bias?.value, stride: 1, padding: 1)
        ConvTestSupport.expectClose(output.scalars, reference.scalars, "masked output")
        let unmasked = try naiveConvolution(
            input: input, weight: original, bias: conv.bias?.value, stride: 1, padding: 1)
        #expect(try output.maxAbsoluteDifference(to: unmasked) > 1e-3)
    }

    // MARK: Backward

    @Test("backward agrees with finite differences", arguments: gradientCases)
    func gradients(_ config: ConvCase) throws {
        let conv = try config.makeLayer(seed: 21)
        if let bias = conv.bias { bias.value = ConvTestSupport.random([config.outChannels], seed: 22) }
        let input = ConvTestSupport.random(config.inputShape, seed: 23)
        let comparisons = try ConvTestSupport.gradientCheck(conv, input: input)
        #expect(comparisons.map(\.name) == ["input"] + conv.namedParameters.map(\.name))
        for comparison in comparisons { ConvTestSupport.expectAgreement(comparison) }
    }

    @Test("a frozen weight keeps its gradient bit-identical; input and bias gradients stay correct")
    func frozenWeight() throws {
        let config = gradientCases[3]
        let conv = try config.makeLayer(seed: 31)
        conv.weight.isTrainable = false
        let input = ConvTestSupport.random(config.inputShape, seed: 32)

        // Finite differences cover the input and the (trainable) bias; the weight is skipped.
        let comparisons = try ConvTestSupport.gradientCheck(conv, input: input)
        #expect(comparisons.map(\.name) == ["input", "bias"])
        for comparison in comparisons { ConvTestSupport.expectAgreement(comparison) }

        let sentinel = ConvTestSupport.random(conv.weight.value.shape, seed: 33)
        conv.weight.gradient = sentinel
        _ = try conv.forward(input, mode: .training)
        let projection = ConvTestSupport.random(try conv.outputShape(for: input.shape), seed: 34)
        _ = try conv.backward(projection, needsInputGradient: true)
        #expect(conv.weight.gradient == sentinel)
        _ = try conv.backward(projection, needsInputGradient: false)
        #expect(conv.weight.gradient == sentinel)
    }

    @Test("needsInputGradient false returns nil and still accumulates parameter gradients")
    func noInputGradient() throws {
        let config = gradientCases[1]
        let conv = try config.makeLayer(seed: 41)
        let input = ConvTestSupport.random(config.inputShape, seed: 42)
        let projection = ConvTestSupport.random(try conv.outputShape(for: input.shape), seed: 43)
        _ = try conv.forward(input, mode: .training)
        _ = try conv.backward(projection, needsInputGradient: true)
        let weightGradient = conv.weight.gradient.scalars
        let biasGradient = conv.bias?.gradient.scalars ?? []
        #expect(weightGradient.contains { $0 != 0 })

        for parameter in conv.parameters { parameter.zeroGradient() }
        let result = try conv.backward(projection, needsInputGradient: false)
        #expect(result == nil)
        ConvTestSupport.expectClose(conv.weight.gradient.scalars, weightGradient, "weight gradient")
        ConvTestSupport.expectClose(conv.bias?.gradient.scalars ?? [], biasGradient, "bias gradient")

        // Gradients accumulate: one more backward doubles them.
        _ = try conv.backward(projection, needsInputGradient: false)
        ConvTestSupport.expectClose(conv.weight.gradient.scalars, weightGradient.map { 2 * $0 }, "accumulated")
        ConvTestSupport.expectClose(conv.bias?.gradient.scalars ?? [], biasGradient.map { 2 * $0 }, "accumulated")

        // Nothing to compute at all: frozen weight and bias, no input gradient.
        conv.weight.isTrainable = false
        conv.bias?.isTrainable = false
        let frozenWeight = conv.weight.gradient
        #expect(try conv.backward(projection, needsInputGradient: false) == nil)
        #expect(conv.weight.gradient == frozenWeight)
    }

    @Test("backward without a training forward throws")
    func backwardWithoutForward() throws {
        let config = gradientCases[0]
        let conv = try config.makeLayer()
        let projection = Tensor(zeros: [2, 4, 3, 3])
        #expect(throws: NNError.backwardWithoutForward(layer: "conv2D")) {
            _ = try conv.backward(projection, needsInputGradient: true)
        }
        _ = try conv.forward(ConvTestSupport.random(config.inputShape, seed: 1), mode: .inference)
        #expect(throws: NNError.backwardWithoutForward(layer: "conv2D")) {
            _ = try conv.backward(projection, needsInputGradient: true)
        }
    }

    // MARK: Shape errors

    @Test(
        "inputs that do not fit throw shapeMismatch",
        arguments: [[3, 5, 5], [2, 2, 5, 5], [2, 3, 2, 2], [2, 3, 0, 5], [2, 3, 5, 5, 1], [2, 3, 5, 2]])
    func badInputShape(_ shape: [Int]) throws {
        let conv = try gradientCases[0].makeLayer()  // in 3, k 3, no padding
        #expect(throws: NNError.self) { _ = try conv.outputShape(for: shape) }
        let error = #expect(throws: NNError.self) { _ = try conv.forward(Tensor(zeros: shape), mode: .training) }
        guard case .shapeMismatch(let layer, _, let actual) = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        #expect(layer == "conv2D")
        #expect(actual == shape)
    }

    @Test("parameters replaced with the wrong shape throw instead of being read out of bounds")
    func wrongParameterShapes() throws {
        let config = gradientCases[0]
        let input = ConvTestSupport.random(config.inputShape, seed: 1)
        func expectInvalid(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: NNError.self, sourceLocation: sourceLocation) { try body() }
            guard case .invalidConfiguration("conv2D", _) = error else {
                Issue.record(
                    "expected invalidConfiguration, got \(String(describing: error))", sourceLocation: sourceLocation)
                return
            }
        }
        let conv = try config.makeLayer()
        conv.weight.value = Tensor(zeros: [4, 3, 2, 2])
        expectInvalid { _ = try conv.forward(input, mode: .inference) }

        let other = try config.makeLayer()
        other.bias?.value = Tensor(zeros: [5])
        expectInvalid { _ = try other.forward(input, mode: .inference) }

        let third = try config.makeLayer()
        let output = try third.forward(input, mode: .training)
        third.weight.gradient = Tensor(zeros: [1])
        expectInvalid { _ = try third.backward(output, needsInputGradient: true) }
        third.weight.isTrainable = false  // a frozen weight's gradient is never touched
        #expect(try third.backward(output, needsInputGradient: true)?.shape == input.shape)
        #expect(third.weight.gradient.shape == [1])
    }

    @Test("an output gradient of the wrong shape throws shapeMismatch")
    func badGradientShape() throws {
        let conv = try gradientCases[0].makeLayer()
        _ = try conv.forward(ConvTestSupport.random([2, 3, 5, 5], seed: 1), mode: .training)
        for shape in [[2, 4, 3], [2, 4, 3, 4], [1, 4, 3, 3], [2, 3, 3, 3]] {
            let error = #expect(throws: NNError.self) {
                _ = try conv.backward(Tensor(zeros: shape), needsInputGradient: true)
            }
            guard case .shapeMismatch("conv2D", _, let actual) = error else {
                Issue.record("expected shapeMismatch, got \(String(describing: error))")
                continue
            }
            #expect(actual == shape)
        }
    }
}
