public import DeepArcCore
public import DeepArcNN
public import DeepArcTensor

extension AdversarialAttack {
    /// Attacks `images` batch by batch with one generator seeded by `seed`, then measures the
    /// result on the model (``AttackOutcome``).
    ///
    /// The generator is passed from batch to batch, so the random draws follow the samples' order.
    /// Every built-in attack treats samples independently (inference-mode gradients, per-sample
    /// randomness in sample order), so the result does not depend on `batchSize` beyond
    /// floating-point rounding.
    ///
    /// ```swift
    /// let outcome = try PGD(options: .init()).attack(images, labels: labels, model: model, seed: 1)
    /// print(outcome.report.successRate ?? .nan, outcome.report.meanLinf)
    /// ```
    /// - Parameters:
    ///   - images: `[N] + model.inputShape`, values in [0, 1].
    ///   - labels: the N true labels.
    ///   - model: the model under attack; not modified.
    ///   - seed: the seed of the attack's generator.
    ///   - batchSize: samples per batch (at least 1).
    ///   - progress: called after each batch with the number of samples done so far.
    /// - Returns: the adversarial images with per-sample predictions and norms.
    /// - Throws: ``AttackError/invalidInput(attack:reason:)`` for inputs that do not fit; the
    ///   attack's and the model's errors.
    public func attack(
        _ images: Tensor, labels: [Int], model: Model, seed: UInt64, batchSize: Int = 128,
        progress: ((_ done: Int) -> Void)? = nil
    ) throws -> AttackOutcome {
        try AttackInput.check(images, labels: labels, model: model, attack: Self.identifier)
        var generator = SeededGenerator(seed: seed)
        var parts: [Tensor] = []
        let size = max(1, batchSize)
        var start = 0
        while start < labels.count {
            let end = min(start + size, labels.count)
            let batch = try images.slice(batch: start..<end)
            let adversarial = try perturb(batch, labels: Array(labels[start..<end]), model: model, generator: &generator)
            guard adversarial.shape == batch.shape else {
                throw AttackError.invalidInput(
                    attack: Self.identifier,
                    reason: "returned images of shape \(adversarial.shape) for a batch of shape \(batch.shape)")
            }
            parts.append(adversarial)
            start = end
            progress?(end)
        }
        let adversarial = parts.isEmpty ? images : try Tensor.concatenate(batches: parts)
        return try AttackOutcome(clean: images, adversarial: adversarial, labels: labels, model: model)
    }
}
