import DeepArcNN
import DeepArcTensor
import Testing

@Suite("ReLU, Flatten and Dropout")
struct ActivationTests {
    // MARK: - ReLU

    @Test("ReLU forward and backward by hand")
    func reluByHand() throws {
        let relu = ReLU()
        let x = try Tensor(shape: [2, 3], scalars: [-1, 0.5, 0, 2, -3, 4])
        let y = try relu.forward(x, mode: .training)
        #expect(y.scalars == [0, 0.5, 0, 2, 0, 4])
        let g = try Tensor(shape: [2, 3], scalars: [10, 20, 30, 40, 50, 60])
        #expect(try relu.backward(g, needsInputGradient: true)?.scalars == [0, 20, 0, 40, 0, 60])
        #expect(try relu.backward(g, needsInputGradient: false) == nil)
        #expect(relu.namedParameters.isEmpty)
        #expect(relu.spec == .relu)
    }

    @Test("ReLU backward matches finite differences away from the kink")
    func reluGradientCheck() throws {
        // |x| ≥ 0.1 while the finite-difference step is 1e-2.
        let raw = seededUniformTensor([4, 2, 3], in: 0.1...1, seed: 4)
        let signs = seededUniformTensor([4, 2, 3], seed: 5)
        let x = try raw.zipMap(signs) { value, sign in sign < 0 ? -value : value }
        let report = try numericalGradientCheck(ReLU(), input: x)
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("ReLU errors")
    func reluErrors() throws {
        let relu = ReLU()
        #expect(throws: NNError.backwardWithoutForward(layer: "relu")) {
            try relu.backward(Tensor(zeros: [1, 2]), needsInputGradient: true)
        }
        _ = try relu.forward(Tensor(zeros: [1, 2]), mode: .training)
        #expect(throws: NNError.self) { try relu.backward(Tensor(zeros: [2, 2]), needsInputGradient: true) }
        #expect(throws: NNError.self) { try relu.forward(Tensor(scalar: 1), mode: .training) }
    }

    // MARK: - Flatten

    @Test("Flatten keeps the batch axis and the values, and backward restores the shape")
    func flatten() throws {
        let layer = Flatten()
        let x = seededUniformTensor([2, 3, 2, 2], seed: 1)
        let y = try layer.forward(x, mode: .training)
        #expect(y.shape == [2, 12])
        #expect(y.scalars == x.scalars)
        let g = seededUniformTensor([2, 12], seed: 2)
        let dx = try #require(try layer.backward(g, needsInputGradient: true))
        #expect(dx.shape == [2, 3, 2, 2])
        #expect(dx.scalars == g.scalars)
        #expect(try layer.backward(g, needsInputGradient: false) == nil)
        #expect(throws: NNError.self) { try layer.backward(Tensor(zeros: [2, 11]), needsInputGradient: true) }
        #expect(try layer.forward(Tensor(zeros: [5]), mode: .inference).shape == [5, 1])
    }

    // MARK: - Dropout

    @Test("Dropout is the identity in inference mode")
    func dropoutInference() throws {
        let layer = try Dropout(rate: 0.5, seed: 1)
        let x = seededUniformTensor([3, 7], seed: 2)
        #expect(try layer.forward(x, mode: .inference) == x)
    }

    @Test(
        "Dropout zeroes about `rate` of the elements and scales the rest by 1/(1 − rate)",
        arguments: [0.2, 0.5, 0.9] as [Float])
    func dropoutTraining(rate: Float) throws {
        let layer = try Dropout(rate: rate, seed: 7)
        let x = seededUniformTensor([20, 500], in: 1...2, seed: 8)
        let y = try layer.forward(x, mode: .training)
        var dropped = 0
        for (input, output) in zip(x.scalars, y.scalars) {
            if output == 0 {
                dropped += 1
            } else {
                #expect(closeEnough(Double(output), Double(input) / (1 - Double(rate)), relative: 1e-6))
            }
        }
        // 10 000 Bernoulli draws: the standard deviation of the fraction is at most 0.005.
        #expect(abs(Double(dropped) / 10_000 - Double(rate)) < 0.025)

        // Backward multiplies by the same mask: dx = g · y / x.
        let g = seededUniformTensor([20, 500], seed: 9)
        let dx = try #require(try layer.backward(g, needsInputGradient: true))
        for index in stride(from: 0, to: x.count, by: 97) {
            let expected = Double(g.scalars[index]) * Double(y.scalars[index]) / Double(x.scalars[index])
            #expect(closeEnough(Double(dx.scalars[index]), expected, relative: 1e-5, absolute: 1e-7))
        }
    }

    @Test("Dropout masks are reproducible from the seed and differ between passes")
    func dropoutSeeds() throws {
        let x = Tensor(repeating: 1, shape: [4, 50])
        let first = try Dropout(rate: 0.5, seed: 3)
        let second = try Dropout(rate: 0.5, seed: 3)
        let a = try first.forward(x, mode: .training)
        #expect(a == (try second.forward(x, mode: .training)))
        #expect(a != (try first.forward(x, mode: .training)))
        #expect(a != (try Dropout(rate: 0.5, seed: 4).forward(x, mode: .training)))
    }

    @Test("Dropout backward matches finite differences with the mask fixed by the seed")
    func dropoutGradientCheck() throws {
        let x = seededUniformTensor([3, 8], seed: 10)
        let layer = try Dropout(rate: 0.4, seed: 99)
        let report = try numericalGradientCheck(layer, input: x) { input in
            try Dropout(rate: 0.4, seed: 99).forward(input, mode: .training)
        }
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("Dropout rate 0 is the identity in training; invalid rates throw")
    func dropoutRates() throws {
        let x = seededUniformTensor([2, 5], seed: 1)
        let layer = try Dropout(rate: 0, seed: 1)
        #expect(try layer.forward(x, mode: .training) == x)
        #expect(try layer.backward(x, needsInputGradient: true) == x)
        for rate in [1, -0.1, .nan, 2] as [Float] {
            #expect(throws: NNError.self) { try Dropout(rate: rate, seed: 1) }
        }
        #expect(throws: NNError.self) { try Dropout(rate: 0.5, seed: 1).backward(x, needsInputGradient: true) }
        #expect(layer.spec == .dropout(rate: 0))
    }
}
