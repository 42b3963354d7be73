import DeepArcAttacks
import DeepArcCore
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

/// Models and data the attack tests share, all built by hand and seeded.
enum Fixtures {
    // MARK: - Data

    /// Images 1×8×8 in [0, 1] of four classes: a brighter left, right, top or bottom half on a
    /// 0.5 background, plus uniform noise. Labels cycle 0, 1, 2, 3, ….
    static func quadrantImages(count: Int, seed: UInt64) -> (images: Tensor, labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        let labels = (0..<count).map { $0 % 4 }
        let images = Tensor(shape: [count, 1, 8, 8]) { values in
            for sample in 0..<count {
                for row in 0..<8 {
                    for column in 0..<8 {
                        let bright: Bool
                        switch labels[sample] {
                        case 0: bright = column < 4
                        case 1: bright = column >= 4
                        case 2: bright = row < 4
                        default: bright = row >= 4
                        }
                        let noise = (generator.nextUniform() - 0.5) * 0.3
                        let value = (bright ? 0.7 : 0.3) + noise
                        values[sample * 64 + row * 8 + column] = min(max(value, 0), 1)
                    }
                }
            }
        }
        return (images, labels)
    }

    // MARK: - Models

    /// A one-unit linear softmax model z = W·x + b on `[features]` inputs.
    static func linearModel(weights: [[Float]], bias: [Float]) throws -> Model {
        let classes = weights.count
        let features = weights[0].count
        let spec = ModelSpec(
            architecture: "linear", inputShape: [features], classCount: classes,
            units: [.init(name: "head", layer: .dense(inputs: features, outputs: classes, bias: true))])
        let model = try Model(spec: spec, seed: 0)
        let dense = try #require(model.units[0] as? Dense)
        dense.weight.value = try Tensor(shape: [classes, features], scalars: weights.flatMap { $0 })
        try #require(dense.bias).value = try Tensor(shape: [classes], scalars: bias)
        return model
    }

    /// A small CNN on 1×8×8 images with every mode-dependent layer: input normalisation, a
    /// conv–BN–ReLU stem, a residual block with batch normalisation on both branches, dropout
    /// (unless `dropout` is false), and a head with a feature batch normalisation.
    static func cnnSpec(dropout: Bool = true) -> ModelSpec {
        ModelSpec(
            architecture: "test-cnn", inputShape: [1, 8, 8], classCount: 4,
            normalization: .init(mean: [0.5], standardDeviation: [0.25]),
            units: [
                .init(
                    name: "stem",
                    layer: .sequential([
                        .conv2D(inChannels: 1, outChannels: 4, kernel: 3, stride: 1, padding: 1, bias: false),
                        .batchNorm(channels: 4, momentum: 0.1, epsilon: 1e-5), .relu,
                    ])),
                .init(
                    name: "block",
                    layer: .residual(
                        body: [
                            .conv2D(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 1, bias: false),
                            .batchNorm(channels: 6, momentum: 0.1, epsilon: 1e-5), .relu,
                            .conv2D(inChannels: 6, outChannels: 6, kernel: 3, stride: 1, padding: 1, bias: false),
                            .batchNorm(channels: 6, momentum: 0.1, epsilon: 1e-5),
                        ],
                        shortcut: [
                            .conv2D(inChannels: 4, outChannels: 6, kernel: 1, stride: 2, padding: 0, bias: false),
                            .batchNorm(channels: 6, momentum: 0.1, epsilon: 1e-5),
                        ], postActivation: true)),
                .init(
                    name: "head",
                    layer: .sequential([
                        .globalAvgPool, .dropout(rate: dropout ? 0.2 : 0), .dense(inputs: 6, outputs: 8, bias: true),
                        .batchNorm(channels: 8, momentum: 0.1, epsilon: 1e-5), .relu,
                        .dense(inputs: 8, outputs: 4, bias: true),
                    ])),
            ])
    }

    /// ``cnnSpec()`` trained on ``quadrantImages(count:seed:)`` (SGD, a few epochs), so its batch
    /// normalisations hold real running statistics.
    static func trainedCNN(epochs: Int = 6, dropout: Bool = true) throws -> Model {
        let model = try Model(spec: cnnSpec(dropout: dropout), seed: 11)
        let (images, labels) = quadrantImages(count: 256, seed: 5)
        let trainer = ModelTrainer(model: model, optimizer: try SGD(learningRate: 0.05, momentum: 0.9))
        for _ in 0..<epochs {
            for start in stride(from: 0, to: 256, by: 32) {
                try trainer.step(
                    images: try images.slice(batch: start..<(start + 32)), labels: Array(labels[start..<(start + 32)]))
            }
        }
        return model
    }

    /// The accuracy of `model` (inference mode) on `images`.
    static func accuracy(_ model: Model, _ images: Tensor, _ labels: [Int]) throws -> Double {
        try ModelTrainer.evaluate(model: model, images: images, labels: labels).accuracy
    }

    /// Every parameter's value and gradient bits plus trainability, in model order.
    static func snapshot(_ model: Model) -> [(String, [UInt32], [UInt32], Bool)] {
        model.namedParameters.map { name, parameter in
            (
                name, parameter.value.scalars.map(\.bitPattern), parameter.gradient.scalars.map(\.bitPattern),
                parameter.isTrainable
            )
        }
    }
}
