import DeepArcNN
import DeepArcTensor
import Testing

@Suite("ResidualBlock")
struct ResidualBlockTests {
    private func dense(
        _ inputs: Int, _ outputs: Int, _ generator: inout SeededGenerator, bias: Bool = true
    ) throws -> Dense {
        try Dense(inputs: inputs, outputs: outputs, bias: bias, generator: &generator)
    }

    @Test("forward and backward by hand: relu(2x + x)")
    func byHand() throws {
        var generator = SeededGenerator(seed: 0)
        let body = try Dense(inputs: 2, outputs: 2, bias: false, generator: &generator)
        body.weight.value = try Tensor(shape: [2, 2], scalars: [2, 0, 0, 2])
        let block = ResidualBlock(body: [body], shortcut: [], postActivation: true)
        let y = try block.forward(Tensor(shape: [1, 2], scalars: [1, -1]), mode: .training)
        #expect(y.scalars == [3, 0])
        // The ReLU passes only the first entry: body gives [2, 0], the identity [1, 0].
        let dx = try block.backward(Tensor(shape: [1, 2], scalars: [1, 1]), needsInputGradient: true)
        #expect(dx?.scalars == [3, 0])
        // dW = gᵀx with g = [1, 0]: [[1, −1], [0, 0]].
        #expect(body.weight.gradient.scalars == [1, -1, 0, 0])

        let linear = ResidualBlock(body: [body], shortcut: [], postActivation: false)
        #expect(try linear.forward(Tensor(shape: [1, 2], scalars: [1, -1]), mode: .inference).scalars == [3, -3])
    }

    @Test("backward matches finite differences with an identity shortcut", arguments: [true, false])
    func identityGradientCheck(postActivation: Bool) throws {
        var generator = SeededGenerator(seed: 1)
        let block = ResidualBlock(
            body: [
                try dense(4, 4, &generator, bias: false), try BatchNorm(channels: 4), ReLU(),
                try dense(4, 4, &generator),
            ],
            shortcut: [], postActivation: postActivation)
        let report = try numericalGradientCheck(block, input: seededUniformTensor([6, 4], seed: 2), step: 1e-3)
        #expect(report.errors.count == 6)
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("backward matches finite differences with a dense projection shortcut", arguments: [true, false])
    func projectionGradientCheck(postActivation: Bool) throws {
        var generator = SeededGenerator(seed: 3)
        let block = ResidualBlock(
            body: [try dense(4, 3, &generator, bias: false), try BatchNorm(channels: 3), ReLU()],
            shortcut: [try dense(4, 3, &generator)], postActivation: postActivation)
        let report = try numericalGradientCheck(block, input: seededUniformTensor([5, 4], seed: 4), step: 1e-3)
        #expect(
            report.errors.map(\.name) == [
                "input", "body.0.weight", "body.1.weight", "body.1.bias",
                "shortcut.0.weight", "shortcut.0.bias",
            ])
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("names, spec and the needsInputGradient flag")
    func structure() throws {
        var generator = SeededGenerator(seed: 5)
        let spy = FlagRecordingLayer()
        let shortcutSpy = FlagRecordingLayer()
        let block = ResidualBlock(
            body: [spy, try dense(3, 3, &generator), try BatchNorm(channels: 3)],
            shortcut: [shortcutSpy, try dense(3, 3, &generator)],
            postActivation: true)
        #expect(
            block.namedParameters.map(\.name) == [
                "body.1.weight", "body.1.bias", "body.2.weight", "body.2.bias", "body.2.runningMean",
                "body.2.runningVariance", "shortcut.1.weight", "shortcut.1.bias",
            ])
        #expect(
            block.spec
                == .residual(
                    body: [
                        .flatten, .dense(inputs: 3, outputs: 3, bias: true),
                        .batchNorm(channels: 3, momentum: 0.1, epsilon: 1e-5),
                    ],
                    shortcut: [.flatten, .dense(inputs: 3, outputs: 3, bias: true)], postActivation: true))
        let x = seededUniformTensor([4, 3], seed: 6)
        _ = try block.forward(x, mode: .training)
        #expect(try block.backward(x, needsInputGradient: false) == nil)
        #expect(spy.flags == [false])
        #expect(shortcutSpy.flags == [false])
        // Parameter gradients still accumulate in both branches.
        #expect(
            block.namedParameters.first { $0.name == "shortcut.1.weight" }?.parameter.gradient.squaredNorm() ?? 0 > 0)
        #expect(try block.backward(x, needsInputGradient: true)?.shape == [4, 3])
        #expect(spy.flags == [false, true])
    }

    @Test("branches with different output shapes throw a message naming both shapes")
    func shapeMismatch() throws {
        var generator = SeededGenerator(seed: 7)
        let block = ResidualBlock(body: [try dense(4, 3, &generator)], shortcut: [], postActivation: true)
        do {
            _ = try block.forward(Tensor(zeros: [2, 4]), mode: .training)
            Issue.record("expected an error")
        } catch let error as NNError {
            guard case .invalidConfiguration(_, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(reason.contains("[2, 3]") && reason.contains("[2, 4]"))
        }
        #expect(throws: NNError.self) { try block.backward(Tensor(zeros: [2, 3]), needsInputGradient: true) }
    }
}
