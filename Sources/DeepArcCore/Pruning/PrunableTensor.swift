public import DeepArcTensor

/// One prunable weight tensor as a ``Compressor`` sees it: its name, its weights and its current
/// keep-mask (`specs/pruning.md` §1).
///
/// Only the weights of convolutions (`[out, in, kh, kw]`) and dense layers (`[out, in]`) are
/// prunable; the list handed to a compressor is in model order with the classifier last.
public struct PrunableTensor: Sendable, Equatable {
    /// The tensor's name, e.g. `units.3.conv1.weight` (used in messages and reports).
    public let name: String
    /// The weights.
    public let weights: Tensor
    /// The keep-mask (1 = kept, 0 = pruned), the shape of `weights`, or nil for a dense tensor.
    public let mask: Tensor?

    /// Creates a prunable tensor.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` when a weight is NaN or infinite
    ///   (§2.2: non-finite weights are an error), when the mask's shape differs from the weights' or it
    ///   holds an entry other than 0 and 1, or when the tensor is empty.
    public init(name: String, weights: Tensor, mask: Tensor? = nil) throws(DeepArcError) {
        guard weights.count > 0 else {
            throw .invalidPruning(tensor: name, reason: "has no weights (shape \(weights.shape))")
        }
        let badWeight: Int? = weights.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where !buffer[index].isFinite { return index }
            return nil
        }
        if let badWeight {
            throw .invalidPruning(tensor: name, reason: "weight \(badWeight) is not finite")
        }
        if let mask {
            guard mask.shape == weights.shape else {
                throw .invalidPruning(
                    tensor: name, reason: "mask shape \(mask.shape) differs from weight shape \(weights.shape)")
            }
            let badMask: Int? = mask.withUnsafeBufferPointer { buffer in
                for index in 0..<buffer.count where buffer[index] != 0 && buffer[index] != 1 { return index }
                return nil
            }
            if let badMask {
                throw .invalidPruning(tensor: name, reason: "mask entry \(badMask) is neither 0 nor 1")
            }
        }
        self.name = name
        self.weights = weights
        self.mask = mask
    }

    /// The weights' shape.
    public var shape: [Int] { weights.shape }
    /// The number of weights n_l.
    public var count: Int { weights.count }
    /// The number of unmasked weights u_l.
    public var unmaskedCount: Int {
        guard let mask else { return weights.count }
        return mask.withUnsafeBufferPointer { buffer in
            var kept = 0
            for index in 0..<buffer.count where buffer[index] != 0 { kept += 1 }
            return kept
        }
    }

    /// The same tensor with another mask.
    /// - Throws: as ``init(name:weights:mask:)``.
    public func withMask(_ newMask: Tensor?) throws(DeepArcError) -> PrunableTensor {
        try PrunableTensor(name: name, weights: weights, mask: newMask)
    }
}
