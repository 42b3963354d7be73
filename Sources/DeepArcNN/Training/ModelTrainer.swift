public import DeepArcTensor

/// Runs training steps (softmax cross-entropy, backward, optimizer update) and evaluation on a
/// ``Model``.
///
/// Only trainable units are updated (``Model/setTrainableUnits(_:)``), nothing before the first
/// trainable unit runs backward, and masks stay applied through every update.
public final class ModelTrainer {
    /// The outcome of one step or one evaluation pass.
    public struct Result: Sendable, Equatable {
        /// The mean cross-entropy loss over the samples.
        public var loss: Double
        /// How many samples were predicted correctly.
        public var correct: Int
        /// How many samples were seen.
        public var count: Int

        /// Creates a result.
        public init(loss: Double, correct: Int, count: Int) {
            self.loss = loss
            self.correct = correct
            self.count = count
        }

        /// correct / count (0 when nothing was seen).
        public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }
    }

    /// The model being trained.
    public let model: Model
    /// The optimizer applying updates.
    public var optimizer: any Optimizer
    /// The current epoch (used in error messages).
    public var epoch = 0
    /// Steps taken so far.
    public private(set) var stepCount = 0

    /// Creates a trainer for `model`.
    public init(model: Model, optimizer: any Optimizer) {
        self.model = model
        self.optimizer = optimizer
    }

    /// One optimisation step on a batch.
    ///
    /// - Parameters:
    ///   - images: `[N] + model.inputShape`.
    ///   - labels: N class indices.
    ///   - extraLoss: an optional extra term computed from captured unit outputs: given the
    ///     captured outputs, it returns its value and the gradients to inject at those units
    ///     (e.g. β·Dev at a module's output). Its value is added to the reported loss.
    ///   - capturing: the units whose outputs `extraLoss` needs.
    ///   - lossScale: α, the weight of the cross-entropy term.
    /// - Throws: ``NNError/nonFiniteLoss(epoch:step:)`` when the loss is NaN or infinite (the
    ///   parameters are left as they were before the step), or any error of the model.
    @discardableResult
    public func step(
        images: Tensor, labels: [Int], capturing: Set<Int> = [], lossScale: Float = 1,
        extraLoss: ((_ captured: [Int: Tensor]) throws -> (value: Double, gradients: [Int: Tensor]))? = nil
    ) throws -> Result {
        let (logits, captured) = try model.forward(images, mode: .training, capturing: capturing)
        var evaluation = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        var loss = Double(lossScale) * evaluation.loss
        var injected: [Int: Tensor] = [:]
        if let extraLoss {
            let extra = try extraLoss(captured)
            loss += extra.value
            injected = extra.gradients
        }
        guard loss.isFinite else { throw NNError.nonFiniteLoss(epoch: epoch, step: stepCount) }
        if lossScale != 1 { evaluation.gradient.scale(by: lossScale) }
        model.zeroGradients()
        _ = try model.backward(evaluation.gradient, injecting: injected)
        let trainable = model.units.flatMap(\.parameters).filter(\.receivesUpdates)
        optimizer.step(trainable)
        stepCount += 1
        return Result(loss: loss, correct: evaluation.correct, count: labels.count)
    }

    /// Loss and accuracy of `model` on `images`/`labels` in inference mode, in batches.
    /// - Throws: ``NNError`` for mismatched inputs.
    public static func evaluate(model: Model, images: Tensor, labels: [Int], batchSize: Int = 256) throws -> Result {
        guard images.batchCount == labels.count else {
            throw NNError.shapeMismatch(layer: "evaluation", expected: "\(labels.count) samples", actual: images.shape)
        }
        var totalLoss = 0.0
        var correct = 0
        var start = 0
        let size = max(1, batchSize)
        while start < labels.count {
            let end = min(start + size, labels.count)
            let batch = try images.slice(batch: start..<end)
            let logits = try model(batch)
            let evaluation = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: Array(labels[start..<end]))
            totalLoss += evaluation.loss * Double(end - start)
            correct += evaluation.correct
            start = end
        }
        return Result(loss: labels.isEmpty ? 0 : totalLoss / Double(labels.count), correct: correct, count: labels.count)
    }
}
