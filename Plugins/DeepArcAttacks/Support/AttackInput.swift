import DeepArcNN
import DeepArcTensor

/// Checks the images and labels an attack receives (law 7 of `AdversarialAttack`).
enum AttackInput {
    /// Throws unless `images` is `[N] + model.inputShape` with finite values in [0, 1] and `labels`
    /// holds N classes in `0..<model.classCount`.
    /// - Parameter attack: the identifier named in errors.
    static func check(_ images: Tensor, labels: [Int], model: Model, attack: String) throws(AttackError) {
        let expected = [labels.count] + model.inputShape
        guard images.shape == expected else {
            if images.rank == model.inputShape.count + 1, Array(images.shape.dropFirst()) == model.inputShape {
                throw .invalidInput(
                    attack: attack, reason: "got \(labels.count) labels for a batch of \(images.batchCount) images")
            }
            throw .invalidInput(
                attack: attack,
                reason: "images of shape \(images.shape) do not fit the model's input [N] + \(model.inputShape)")
        }
        for (sample, label) in labels.enumerated() where label < 0 || label >= model.classCount {
            throw .invalidInput(
                attack: attack, reason: "label \(label) of sample \(sample) is outside 0..<\(model.classCount)")
        }
        let width = images.itemCount
        let bad: (index: Int, value: Float)? = images.withUnsafeBufferPointer { values in
            for index in 0..<values.count where !(values[index] >= 0 && values[index] <= 1) {
                return (index, values[index])
            }
            return nil
        }
        if let bad {
            throw .invalidInput(
                attack: attack,
                reason: "sample \(bad.index / max(width, 1)) holds \(bad.value); attacks need images with values "
                    + "in [0, 1] (scale the data, or use an image data set)")
        }
    }
}
