public import DeepArcNN
public import DeepArcTensor

/// Turns clean samples into adversarial ones for a given model: the D′ of *enhancement*
/// (`specs/readaption.md`), each adversarial sample derived from, and paired with, its source.
///
/// Attacks work in pixel space: inputs are images with every value in [0, 1] (the model's own
/// input normalisation, if any, is part of the function being attacked). They use only the
/// model's input gradients (white box).
///
/// Laws (for every conformer):
/// 1. The output has the input's shape, and row i is derived from row i of the input.
/// 2. Every output value lies in [0, 1].
/// 3. The budget of the attack's options is respected per sample: an L∞ attack with radius ε
///    never moves a value by more than ε; an L2 attack with a budget never exceeds it. (Minimal-
///    perturbation attacks such as DeepFool and Carlini–Wagner have no fixed budget.)
/// 4. Deterministic: the same images, labels, model, options and generator state give the same
///    bits. All randomness comes from `generator`.
/// 5. The model is left exactly as it was: parameter values, their gradients, running statistics,
///    trainability and any cached forward pass. An attack may run between a training step's
///    forward and backward passes without disturbing it.
/// 6. Gradients are those of the model *in inference mode*: batch normalisation uses its running
///    statistics and dropout is off, so a sample's attack does not depend on the rest of its batch.
/// 7. Inputs are checked: images of shape `[N] + model.inputShape` with finite values in [0, 1],
///    N labels in `0..<model.classCount`; anything else throws an error naming the sample or shape.
///
/// ```swift
/// let attack = try registry.attacks.make("pgd", options: ["epsilon": 0.1, "steps": 20])
/// var generator = SeededGenerator(seed: 1)
/// let adversarial = try attack.perturb(images, labels: labels, model: model, generator: &generator)
/// ```
public protocol AdversarialAttack: Strategy {
    /// Perturbs a batch of images so that `model` misclassifies them.
    /// - Parameters:
    ///   - images: `[N] + model.inputShape`, values in [0, 1].
    ///   - labels: the N true labels, in `0..<model.classCount`.
    ///   - model: the model under attack; it is not modified.
    ///   - generator: the source of any randomness (random starts); advanced by the attack.
    /// - Returns: the adversarial images, the input's shape, values in [0, 1].
    /// - Throws: an error naming the sample or shape for images or labels that do not fit the
    ///   model (wrong shape, non-finite values, values outside [0, 1], labels out of range), and the
    ///   model's errors.
    func perturb(_ images: Tensor, labels: [Int], model: Model, generator: inout SeededGenerator) throws -> Tensor
}
