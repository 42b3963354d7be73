import DeepArcCore
import DeepArcData
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

// MARK: - Data

/// Well separated Gaussian blobs: 4 classes, 8 features.
func blobs(samples: Int = 256, seed: UInt64 = 3, separation: Double = 3) throws -> (train: Dataset, test: Dataset) {
    let spec = try SyntheticDataset(
        parsing: "blobs,classes=4,samples=\(samples),features=8,separation=\(separation),noise=1,seed=\(seed)")
    return (spec.generate(split: .train), spec.generate(split: .test))
}

/// Tiny grating images: 4 classes, 1 × 8 × 8.
func tinyImages(samples: Int = 48, seed: UInt64 = 5) throws -> Dataset {
    try SyntheticDataset(parsing: "images,classes=4,samples=\(samples),channels=1,size=8,seed=\(seed)")
        .generate(split: .train)
}

/// `data` with every input value moved by N(0, scale²) noise (a paired D′: sample i comes from i).
func noisy(_ data: Dataset, scale: Float, seed: UInt64) throws -> Dataset {
    var generator = SeededGenerator(seed: seed)
    let values = data.images.scalars.map { $0 + scale * generator.nextNormal() }
    return try Dataset(
        images: Tensor(shape: data.images.shape, scalars: values), labels: data.labels, classCount: data.classCount,
        name: data.name + "+noise")
}

/// Paired enhancement-style data: D and D′ = D + noise, source i ↦ i.
func pairedData(_ data: Dataset, noise: Float = 0.5, seed: UInt64 = 9) throws -> ReadaptionData {
    try ReadaptionData(original: data, new: noisy(data, scale: noise, seed: seed), sources: Array(0..<data.count))
}

// MARK: - Models

/// `mlp-8-8-8` (units dense1, dense2, dense3, head) for 8 features and 4 classes.
func makeMLP(seed: UInt64 = 1) throws -> Model {
    try Model(spec: Architectures.make("mlp-8-8-8", inputShape: [8], classCount: 4), seed: seed)
}

/// `resnet8` (units stem, stage1.block1, stage2.block1, stage3.block1, head) for 1 × 8 × 8 inputs.
func makeResNet8(seed: UInt64 = 1) throws -> Model {
    try Model(spec: Architectures.make("resnet8", inputShape: [1, 8, 8], classCount: 4), seed: seed)
}

/// Trains `model` on `data` with plain SGD.
func train(_ model: Model, on data: Dataset, epochs: Int = 8, learningRate: Float = 0.05) throws {
    var configuration = TrainingConfiguration()
    configuration.epochs = epochs
    configuration.batchSize = 32
    configuration.learningRate = learningRate
    configuration.weightDecay = 0
    configuration.schedule = .constant
    _ = try TrainingLoop(configuration: configuration).train(model, on: data)
}

/// A trained `mlp-8-8-8` on blobs with its data.
func trainedMLP() throws -> (model: Model, train: Dataset, test: Dataset) {
    let (trainSet, testSet) = try blobs()
    let model = try makeMLP()
    try train(model, on: trainSet, epochs: 10)
    return (model, trainSet, testSet)
}

/// The trained MLP and its re-adaption data: D = the first 128 training samples, D′ = their FGSM
/// versions (ε = 1.5), paired by index.
func trainedMLPWithFGSM() throws -> (model: Model, data: ReadaptionData) {
    let (model, trainSet, _) = try trainedMLP()
    let clean = trainSet.prefix(128)
    let data = try ReadaptionData(
        original: clean, new: fgsm(model, clean, epsilon: 1.5), sources: Array(0..<clean.count))
    return (model, data)
}

/// Accuracy of `model` on `data`, counted sample by sample from the logits.
func accuracy(of model: Model, on data: Dataset) throws -> Double {
    let predictions = try model(data.images).argmaxRows()
    return Double(zip(predictions, data.labels).filter { $0 == $1 }.count) / Double(data.count)
}

/// Every parameter's value (running statistics included) by checkpoint name.
func snapshot(_ model: Model) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.value) })
}

/// Whether the name belongs to unit `unit` (`units.<unit>.…`).
func belongs(_ name: String, to unit: Int) -> Bool { name.hasPrefix("units.\(unit).") }

/// The `explicit` retraining options used by the tests: few epochs, small batches.
func quickOptions(epochs: Int = 2, batchSize: Int = 16, alpha: Double = 0.5, beta: Double? = nil)
    -> ModularRetrainer.Options
{
    var options = ModularRetrainer.Options()
    options.epochs = epochs
    options.batchSize = batchSize
    options.alpha = alpha
    options.beta = beta
    return options
}

/// Whether `error` is a `DeepArcError` whose description contains every fragment.
func describes(_ error: any Error, _ fragments: String...) -> Bool {
    guard let error = error as? DeepArcError else { return false }
    let text = error.description
    return fragments.allSatisfy { text.contains($0) }
}

/// Fast-gradient-sign samples of `data` against `model` (ε · sign(∂CE/∂x)), paired with `data`.
func fgsm(_ model: Model, _ data: Dataset, epsilon: Float) throws -> Dataset {
    let copy = try model.copy()
    let (logits, _) = try copy.forward(data.images, mode: .training)
    let loss = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: data.labels)
    let gradient = try #require(try copy.backward(loss.gradient, needsInputGradient: true))
    let moved = zip(data.images.scalars, gradient.scalars).map { $0 + epsilon * ($1 > 0 ? 1 : ($1 < 0 ? -1 : 0)) }
    return try Dataset(
        images: Tensor(shape: data.images.shape, scalars: moved), labels: data.labels, classCount: data.classCount,
        name: data.name + "+fgsm")
}
