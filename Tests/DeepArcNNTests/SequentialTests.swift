import DeepArcNN
import DeepArcTensor
import Testing

/// A parameterless identity layer that records the flags its backward receives.
final class FlagRecordingLayer: Layer {
    var flags: [Bool] = []
    var spec: LayerSpec { .flatten }
    var namedParameters: [(name: String, parameter: Parameter)] { [] }
    func forward(_ input: Tensor, mode: ForwardMode) throws -> Tensor { input }
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        flags.append(needsInputGradient)
        return needsInputGradient ? outputGradient : nil
    }
}

@Suite("Sequential")
struct SequentialTests {
    private func mlp(_ sizes: [Int], seed: UInt64) throws -> Sequential {
        var generator = SeededGenerator(seed: seed)
        var layers: [any Layer] = []
        for index in 0..<(sizes.count - 1) {
            if index > 0 { layers.append(ReLU()) }
            layers.append(try Dense(inputs: sizes[index], outputs: sizes[index + 1], generator: &generator))
        }
        return Sequential(layers)
    }

    @Test("parameters are named by child index and the spec lists the children")
    func names() throws {
        let model = try mlp([4, 5, 3], seed: 1)
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(model.parameterCount == 4 * 5 + 5 + 5 * 3 + 3)
        #expect(
            model.spec
                == .sequential([
                    .dense(inputs: 4, outputs: 5, bias: true), .relu, .dense(inputs: 5, outputs: 3, bias: true),
                ]))
        let nested = Sequential([model, try BatchNorm(channels: 3)])
        #expect(nested.namedParameters.map(\.name).prefix(2) == ["0.0.weight", "0.0.bias"])
        #expect(nested.namedParameters.map(\.name).suffix(2) == ["1.runningMean", "1.runningVariance"])
    }

    @Test("the first child receives the caller's flag, the others true", arguments: [true, false])
    func flags(needsInputGradient: Bool) throws {
        let spies = [FlagRecordingLayer(), FlagRecordingLayer(), FlagRecordingLayer()]
        let model = Sequential(spies)
        let x = Tensor(repeating: 1, shape: [2, 3])
        _ = try model.forward(x, mode: .training)
        let result = try model.backward(x, needsInputGradient: needsInputGradient)
        #expect((result == nil) == !needsInputGradient)
        #expect(spies.map(\.flags) == [[needsInputGradient], [true], [true]])
    }

    @Test("forward composes the children; an empty container is the identity")
    func composition() throws {
        let model = try mlp([3, 4, 2], seed: 2)
        let x = seededUniformTensor([5, 3], seed: 3)
        var expected = x
        for layer in model.layers { expected = try layer.forward(expected, mode: .inference) }
        #expect(try model.forward(x, mode: .inference) == expected)
        let empty = Sequential([])
        #expect(try empty.forward(x, mode: .training) == x)
        #expect(try empty.backward(x, needsInputGradient: true) == x)
        #expect(try empty.backward(x, needsInputGradient: false) == nil)
    }

    @Test("backward matches finite differences")
    func gradientCheck() throws {
        var generator = SeededGenerator(seed: 4)
        let model = Sequential([
            // No bias before batch normalisation: its gradient would be exactly 0 (BN removes shifts).
            try Dense(inputs: 3, outputs: 5, bias: false, generator: &generator), try BatchNorm(channels: 5), ReLU(),
            try Dense(inputs: 5, outputs: 2, generator: &generator),
        ])
        let report = try numericalGradientCheck(model, input: seededUniformTensor([6, 3], seed: 5), step: 1e-3)
        #expect(report.errors.count == 6)
        #expect(report.worst < 1e-2, "\(report)")
    }

    @Test("an MLP learns a separable three-class task to > 95% with SGD")
    func learnsBlobs() throws {
        // Three Gaussian blobs (σ = 0.5) around points 2 apart on a circle of radius 2.
        var generator = SeededGenerator(seed: 21)
        let centres: [(Float, Float)] = [(2, 0), (-1, 1.732), (-1, -1.732)]
        var scalars: [Float] = []
        var labels: [Int] = []
        for sample in 0..<150 {
            let label = sample % 3
            scalars += [
                centres[label].0 + 0.5 * generator.nextNormal(), centres[label].1 + 0.5 * generator.nextNormal(),
            ]
            labels.append(label)
        }
        let x = try Tensor(shape: [150, 2], scalars: scalars)
        let model = try mlp([2, 16, 3], seed: 22)
        let optimizer = try SGD(learningRate: 0.1, momentum: 0.9)
        var firstLoss = 0.0
        var lastLoss = 0.0
        for step in 0..<200 {
            for parameter in model.parameters { parameter.zeroGradient() }
            let logits = try model.forward(x, mode: .training)
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            if step == 0 { firstLoss = result.loss }
            lastLoss = result.loss
            _ = try model.backward(result.gradient, needsInputGradient: false)
            optimizer.step(model.parameters)
        }
        let predictions = try model.forward(x, mode: .inference).argmaxRows()
        let accuracy = Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count)
        #expect(accuracy > 0.95)
        #expect(lastLoss < 0.25 * firstLoss)
    }
}
