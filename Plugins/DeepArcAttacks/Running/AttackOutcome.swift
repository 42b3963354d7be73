public import DeepArcNN
public import DeepArcTensor

/// Adversarial samples together with what the model makes of them, sample by sample.
///
/// Row i of ``adversarial`` was derived from row i of the clean images; the per-sample arrays are
/// in the same order, and ``report`` summarises them.
public struct AttackOutcome: Sendable {
    /// The adversarial images, the clean images' shape.
    public var adversarial: Tensor
    /// The true labels.
    public var labels: [Int]
    /// The model's predictions (inference mode) on the clean images.
    public var cleanPredictions: [Int]
    /// Its predictions on the adversarial images.
    public var adversarialPredictions: [Int]
    /// Each sample's ‖x′ − x‖∞.
    public var linf: [Double]
    /// Each sample's ‖x′ − x‖₂.
    public var l2: [Double]

    /// The summary of the per-sample results.
    public var report: AttackReport {
        AttackReport(
            labels: labels, cleanPredictions: cleanPredictions, adversarialPredictions: adversarialPredictions,
            linf: linf, l2: l2)
    }

    /// Whether each sample was classified correctly before the attack and not after it.
    public var succeeded: [Bool] {
        labels.indices.map { cleanPredictions[$0] == labels[$0] && adversarialPredictions[$0] != labels[$0] }
    }

    /// Measures adversarial images against their clean originals on `model` (inference mode, in batches).
    /// - Parameters:
    ///   - clean: the clean images `[N] + model.inputShape`.
    ///   - adversarial: the adversarial images, the same shape.
    ///   - labels: the N true labels.
    ///   - model: the model; only run in inference mode.
    ///   - batchSize: samples per inference batch (at least 1).
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` when the shapes or counts differ; the
    ///   model's errors.
    public init(clean: Tensor, adversarial: Tensor, labels: [Int], model: Model, batchSize: Int = 256) throws {
        guard clean.shape == adversarial.shape, clean.batchCount == labels.count, clean.rank >= 1 else {
            throw AttackError.invalidInput(
                attack: "report",
                reason: "clean images \(clean.shape), adversarial images \(adversarial.shape) and "
                    + "\(labels.count) labels do not match")
        }
        self.adversarial = adversarial
        self.labels = labels
        cleanPredictions = try Self.predictions(of: clean, model: model, batchSize: batchSize)
        adversarialPredictions = try Self.predictions(of: adversarial, model: model, batchSize: batchSize)
        let width = clean.itemCount
        var linf = [Double](repeating: 0, count: labels.count)
        var l2 = [Double](repeating: 0, count: labels.count)
        clean.withUnsafeBufferPointer { x in
            adversarial.withUnsafeBufferPointer { y in
                for sample in labels.indices {
                    var largest = 0.0
                    var squares = 0.0
                    for index in (sample * width)..<((sample + 1) * width) {
                        let difference = Double(y[index]) - Double(x[index])
                        largest = max(largest, abs(difference))
                        squares += difference * difference
                    }
                    linf[sample] = largest
                    l2[sample] = squares.squareRoot()
                }
            }
        }
        self.linf = linf
        self.l2 = l2
    }

    private static func predictions(of images: Tensor, model: Model, batchSize: Int) throws -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(images.batchCount)
        let size = max(1, batchSize)
        var start = 0
        while start < images.batchCount {
            let end = min(start + size, images.batchCount)
            result += try model(try images.slice(batch: start..<end), mode: .inference).argmaxRows()
            start = end
        }
        return result
    }
}
