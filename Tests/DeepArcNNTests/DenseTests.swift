import DeepArcNN
import DeepArcTensor
import Testing

@Suite("Dense")
struct DenseTests {
    /// W = [[1, 2, 3], [−1, 0, 1]], b = [0.5, −1].
    private func handLayer(bias: Bool = true) throws -> Dense {
        var generator = SeededGenerator(seed: 0)
        let dense = try Dense(inputs: 3, outputs: 2, bias: bias, generator: &generator)
        dense.weight.value = try Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1])
        dense.bias?.value = try Tensor(shape: [2], scalars: [0.5, -1])
        return dense
    }

    /// x = [[1, 1, 1], [2, 0, −1]].
    private var handInput: Tensor { Tensor(repeating: 0, shape: [2, 3]).replacing([1, 1, 1, 2, 0, -1]) }

    @Test("forward computes x·Wᵀ + b")
    func forwardByHand() throws {
        let y = try handLayer().forward(handInput, mode: .inference)
        // Row 0: [1+2+3+0.5, −1+0+1−1]; row 1: [2+0−3+0.5, −2+0−1−1].
        #expect(y.shape == [2, 2])
        #expect(y.scalars == [6.5, -1, -0.5, -4])
        let noBias = try handLayer(bias: false).forward(handInput, mode: .inference)
        #expect(noBias.scalars == [6, 0, -1, -3])
    }

    @Test("backward gives dYᵀ·X, column sums and dY·W")
    func backwardByHand() throws {
        let dense = try handLayer()
        _ = try dense.forward(handInput, mode: .training)
        let dY = try Tensor(shape: [2, 2], scalars: [1, 0, 2, 1])
        let dX = try #require(try dense.backward(dY, needsInputGradient: true))
        // dW = dYᵀ·X: row 0 = 1·[1,1,1] + 2·[2,0,−1]; row 1 = 0·[1,1,1] + 1·[2,0,−1].
        #expect(dense.weight.gradient.scalars == [5, 1, -1, 2, 0, -1])
        #expect(dense.bias?.gradient.scalars == [3, 1])
        // dX = dY·W: row 0 = W₀; row 1 = 2·W₀ + W₁.
        #expect(dX.scalars == [1, 2, 3, 1, 4, 7])

        // A second backward accumulates.
        _ = try dense.backward(dY, needsInputGradient: false)
        #expect(dense.weight.gradient.scalars == [10, 2, -2, 4, 0, -2])
        #expect(dense.bias?.gradient.scalars == [6, 2])
    }

    @Test("initialisation is uniform in ±1/√inputs like PyTorch", arguments: [1, 16, 100])
    func initialisation(inputs: Int) throws {
        var generator = SeededGenerator(seed: 3)
        let dense = try Dense(inputs: inputs, outputs: 64, generator: &generator)
        let bound = 1 / Float(inputs).squareRoot()
        let weights = dense.weight.value.scalars
        let biases = try #require(dense.bias).value.scalars
        #expect(dense.weight.value.shape == [64, inputs])
        #expect(weights.allSatisfy { abs($0) <= bound })
        #expect(biases.allSatisfy { abs($0) <= bound })
        // 64·inputs draws fill the range: the extremes lie within 10% of the bounds.
        #expect(try #require(weights.max()) > 0.8 * bound)
        #expect(try #require(weights.min()) < -0.8 * bound)
        #expect(dense.weight.kind == .weight)
        #expect(dense.bias?.kind == .bias)
    }

    @Test("backward matches finite differences", arguments: [true, false])
    func gradientCheck(bias: Bool) throws {
        var generator = SeededGenerator(seed: 11)
        let dense = try Dense(inputs: 4, outputs: 3, bias: bias, generator: &generator)
        let report = try numericalGradientCheck(dense, input: seededUniformTensor([5, 4], seed: 12))
        #expect(report.errors.count == (bias ? 3 : 2))
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("frozen parameters keep their gradients bit for bit")
    func frozenParameters() throws {
        let dense = try handLayer()
        let bias = try #require(dense.bias)
        let weightPattern = try Tensor(shape: [2, 3], scalars: [0.1, -0.2, 0.3, 1e-7, .pi, -0])
        dense.weight.gradient = weightPattern
        dense.weight.isTrainable = false
        _ = try dense.forward(handInput, mode: .training)
        let dY = try Tensor(shape: [2, 2], scalars: [1, 0, 2, 1])
        let dX = try dense.backward(dY, needsInputGradient: true)
        #expect(dense.weight.gradient.scalars.map(\.bitPattern) == weightPattern.scalars.map(\.bitPattern))
        #expect(bias.gradient.scalars == [3, 1])
        #expect(dX?.scalars == [1, 2, 3, 1, 4, 7])

        bias.isTrainable = false
        _ = try dense.backward(dY, needsInputGradient: false)
        #expect(bias.gradient.scalars == [3, 1])
    }

    @Test("needsInputGradient false returns nil and still accumulates parameter gradients")
    func noInputGradient() throws {
        let dense = try handLayer()
        _ = try dense.forward(handInput, mode: .training)
        let result = try dense.backward(Tensor(repeating: 1, shape: [2, 2]), needsInputGradient: false)
        #expect(result == nil)
        #expect(dense.bias?.gradient.scalars == [2, 2])
    }

    @Test("bad shapes, missing forward and bad configuration throw")
    func errors() throws {
        let dense = try handLayer()
        #expect(throws: NNError.shapeMismatch(layer: "dense(3→2)", expected: "[N, 3]", actual: [2, 4])) {
            try dense.forward(Tensor(zeros: [2, 4]), mode: .training)
        }
        #expect(throws: NNError.shapeMismatch(layer: "dense(3→2)", expected: "[N, 3]", actual: [3])) {
            try dense.forward(Tensor(zeros: [3]), mode: .training)
        }
        // An inference pass caches nothing.
        _ = try dense.forward(handInput, mode: .inference)
        #expect(throws: NNError.backwardWithoutForward(layer: "dense(3→2)")) {
            try dense.backward(Tensor(zeros: [2, 2]), needsInputGradient: true)
        }
        _ = try dense.forward(handInput, mode: .training)
        #expect(throws: NNError.self) { try dense.backward(Tensor(zeros: [3, 2]), needsInputGradient: true) }

        var generator = SeededGenerator(seed: 0)
        #expect(throws: NNError.self) { try Dense(inputs: 0, outputs: 2, generator: &generator) }
        #expect(throws: NNError.self) { try Dense(inputs: 2, outputs: -1, generator: &generator) }
        // Refused before allocating.
        #expect(throws: NNError.self) { try Dense(inputs: 1 << 20, outputs: 1 << 20, generator: &generator) }
        #expect(throws: NNError.self) { try Dense(inputs: Int.max, outputs: Int.max, generator: &generator) }

        // A parameter replaced with the wrong shape is reported, not read out of bounds.
        dense.weight.value = Tensor(zeros: [3, 3])
        #expect(throws: NNError.self) { try dense.forward(handInput, mode: .inference) }
    }

    @Test("spec, names and parameter count")
    func description() throws {
        var generator = SeededGenerator(seed: 0)
        let dense = try Dense(inputs: 5, outputs: 7, generator: &generator)
        #expect(dense.spec == .dense(inputs: 5, outputs: 7, bias: true))
        #expect(dense.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(dense.parameterCount == 5 * 7 + 7)
        let noBias = try Dense(inputs: 5, outputs: 7, bias: false, generator: &generator)
        #expect(noBias.namedParameters.map(\.name) == ["weight"])
    }
}
