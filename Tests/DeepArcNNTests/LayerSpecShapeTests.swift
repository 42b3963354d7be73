import DeepArcNN
import DeepArcTensor
import Testing

@Suite("LayerSpec shapes, parameter counts and MACs")
struct LayerSpecShapeTests {
    private struct Case: Sendable, CustomTestStringConvertible {
        var spec: LayerSpec
        var input: [Int]
        var output: [Int]
        var parameters: Int
        var macs: Int
        var testDescription: String { "\(spec) on \(input)" }
    }

    private static let cases: [Case] = [
        Case(
            spec: .dense(inputs: 784, outputs: 10, bias: true), input: [784], output: [10], parameters: 7850, macs: 7840
        ),
        Case(spec: .dense(inputs: 4, outputs: 3, bias: false), input: [4], output: [3], parameters: 12, macs: 12),
        // (32 + 2 − 3)/1 + 1 = 32; 16·3·9 = 432 weights, each used 32·32 times.
        Case(
            spec: .conv2D(inChannels: 3, outChannels: 16, kernel: 3, stride: 1, padding: 1, bias: false),
            input: [3, 32, 32], output: [16, 32, 32], parameters: 432, macs: 432 * 1024),
        // (32 + 2 − 3)/2 + 1 = 16 (floor); with bias.
        Case(
            spec: .conv2D(inChannels: 3, outChannels: 8, kernel: 3, stride: 2, padding: 1, bias: true),
            input: [3, 32, 32], output: [8, 16, 16], parameters: 8 * 27 + 8, macs: 8 * 27 * 256),
        // (7 − 5)/1 + 1 = 3 by (9 − 5)/1 + 1 = 5.
        Case(
            spec: .conv2D(inChannels: 1, outChannels: 2, kernel: 5, stride: 1, padding: 0, bias: true),
            input: [1, 7, 9], output: [2, 3, 5], parameters: 52, macs: 50 * 15),
        Case(
            spec: .batchNorm(channels: 16, momentum: 0.1, epsilon: 1e-5), input: [16, 8, 8], output: [16, 8, 8],
            parameters: 32, macs: 1024),
        Case(
            spec: .batchNorm(channels: 10, momentum: 0.1, epsilon: 1e-5), input: [10], output: [10], parameters: 20,
            macs: 10),
        Case(spec: .relu, input: [3, 4, 5], output: [3, 4, 5], parameters: 0, macs: 0),
        Case(spec: .maxPool(size: 2, stride: 2), input: [16, 32, 32], output: [16, 16, 16], parameters: 0, macs: 0),
        Case(spec: .maxPool(size: 2, stride: 2), input: [4, 7, 7], output: [4, 3, 3], parameters: 0, macs: 0),
        Case(spec: .avgPool(size: 3, stride: 2), input: [4, 7, 7], output: [4, 3, 3], parameters: 0, macs: 0),
        Case(spec: .globalAvgPool, input: [64, 8, 8], output: [64], parameters: 0, macs: 0),
        Case(spec: .flatten, input: [4, 3, 3], output: [36], parameters: 0, macs: 0),
        Case(spec: .dropout(rate: 0.5), input: [20], output: [20], parameters: 0, macs: 0),
        // A ResNet basic block that halves the resolution, with a 1×1 projection shortcut.
        Case(
            spec: .residual(
                body: [
                    .conv2D(inChannels: 16, outChannels: 32, kernel: 3, stride: 2, padding: 1, bias: false),
                    .batchNorm(channels: 32, momentum: 0.1, epsilon: 1e-5), .relu,
                    .conv2D(inChannels: 32, outChannels: 32, kernel: 3, stride: 1, padding: 1, bias: false),
                    .batchNorm(channels: 32, momentum: 0.1, epsilon: 1e-5),
                ],
                shortcut: [
                    .conv2D(inChannels: 16, outChannels: 32, kernel: 1, stride: 2, padding: 0, bias: false),
                    .batchNorm(channels: 32, momentum: 0.1, epsilon: 1e-5),
                ],
                postActivation: true),
            input: [16, 32, 32], output: [32, 16, 16],
            parameters: 4608 + 64 + 9216 + 64 + 512 + 64,
            macs: 4608 * 256 + 8192 + 9216 * 256 + 8192 + 512 * 256 + 8192),
        // An identity block keeps the shape.
        Case(
            spec: .residual(
                body: [.dense(inputs: 6, outputs: 6, bias: true), .relu], shortcut: [], postActivation: false),
            input: [6], output: [6], parameters: 42, macs: 36),
        // A small VGG-like stack.
        Case(
            spec: .sequential([
                .conv2D(inChannels: 1, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: true), .relu,
                .maxPool(size: 2, stride: 2), .flatten, .dense(inputs: 4 * 14 * 14, outputs: 10, bias: true),
            ]),
            input: [1, 28, 28], output: [10],
            parameters: 4 * 9 + 4 + 784 * 10 + 10, macs: 36 * 784 + 7840),
    ]

    @Test("shapes, parameter counts and MACs by hand", arguments: cases)
    private func arithmetic(_ item: Case) throws {
        #expect(try item.spec.outputShape(forInput: item.input) == item.output)
        #expect(try item.spec.parameterCount(forInput: item.input) == item.parameters)
        #expect(try item.spec.multiplyAccumulates(forInput: item.input) == item.macs)
    }

    @Test("the arithmetic agrees with built layers")
    func agreesWithLayers() throws {
        var generator = SeededGenerator(seed: 1)
        let model = Sequential([
            Flatten(), try Dense(inputs: 12, outputs: 5, generator: &generator), try BatchNorm(channels: 5), ReLU(),
            try Dropout(rate: 0.2, seed: 0),
            ResidualBlock(
                body: [try Dense(inputs: 5, outputs: 3, generator: &generator)],
                shortcut: [try Dense(inputs: 5, outputs: 3, bias: false, generator: &generator)], postActivation: true),
        ])
        let output = try model.forward(Tensor(zeros: [2, 3, 2, 2]), mode: .inference)
        #expect(try model.spec.outputShape(forInput: [3, 2, 2]) == Array(output.shape.dropFirst()))
        #expect(try model.spec.parameterCount(forInput: [3, 2, 2]) == model.parameterCount)
    }

    @Test("errors name the layer (with its path) and the bad shape")
    func errors() throws {
        #expect(throws: NNError.shapeMismatch(layer: "dense(4→2)", expected: "[4]", actual: [3])) {
            try LayerSpec.dense(inputs: 4, outputs: 2, bias: true).outputShape(forInput: [3])
        }
        #expect(throws: NNError.shapeMismatch(layer: "1: dense(4→2)", expected: "[4]", actual: [3])) {
            try LayerSpec.sequential([.relu, .dense(inputs: 4, outputs: 2, bias: true)]).outputShape(forInput: [3])
        }
        let conv = LayerSpec.conv2D(inChannels: 3, outChannels: 4, kernel: 5, stride: 1, padding: 0, bias: true)
        #expect(
            throws: NNError.shapeMismatch(layer: conv.diagnosticNameForTests, expected: "[3, H, W]", actual: [2, 8, 8])
        ) {
            try conv.outputShape(forInput: [2, 8, 8])
        }
        #expect(
            throws: NNError.invalidConfiguration(
                layer: "body.0: " + conv.diagnosticNameForTests, reason: "window 5 is larger than the input extent 4")
        ) {
            try LayerSpec.residual(body: [conv], shortcut: [], postActivation: true).outputShape(forInput: [3, 4, 8])
        }
        #expect(throws: NNError.self) {
            try LayerSpec.conv2D(inChannels: 3, outChannels: 4, kernel: 3, stride: 0, padding: 1, bias: true)
                .outputShape(forInput: [3, 8, 8])
        }
        #expect(throws: NNError.self) { try LayerSpec.maxPool(size: 3, stride: 1).outputShape(forInput: [1, 2, 2]) }
        #expect(throws: NNError.self) { try LayerSpec.globalAvgPool.outputShape(forInput: [4]) }
        #expect(throws: NNError.self) {
            try LayerSpec.batchNorm(channels: 3, momentum: 0.1, epsilon: 1e-5).outputShape(forInput: [4])
        }
        #expect(throws: NNError.self) { try LayerSpec.relu.outputShape(forInput: [3, 0]) }
        #expect(throws: NNError.self) { try LayerSpec.dropout(rate: 1).outputShape(forInput: [3]) }
        // Body and shortcut disagree.
        #expect(throws: NNError.self) {
            try LayerSpec.residual(
                body: [.dense(inputs: 4, outputs: 3, bias: true)], shortcut: [], postActivation: false
            )
            .outputShape(forInput: [4])
        }
        // Absurd sizes overflow into an error, not a trap.
        #expect(throws: NNError.self) {
            try LayerSpec.dense(inputs: Int.max / 2, outputs: 4, bias: true).parameterCount(forInput: [Int.max / 2])
        }
    }
}

extension LayerSpec {
    /// The conv name as the errors print it, spelled out independently of the library.
    fileprivate var diagnosticNameForTests: String {
        guard case .conv2D(let i, let o, let k, let s, let p, _) = self else { return "" }
        return "conv2D(\(i)→\(o), kernel \(k), stride \(s), padding \(p))"
    }
}
