public import DeepArcNN
import DeepArcTensor

// MARK: - Prunable tensors of a model

extension Model {
    /// The model's prunable weights (`prunableParameters`: convolution kernels and dense matrices, in
    /// model order, classifier last) as a ``Compressor`` sees them, with their current masks.
    ///
    /// ```swift
    /// let tensors = try model.prunableTensors()
    /// let pruned = try compressor.prune(tensors, amount: 0.2)
    /// try model.installMasks(from: pruned)
    /// ```
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` when the model has no prunable weight, or
    ///   a weight is not finite (naming the tensor).
    public func prunableTensors() throws(DeepArcError) -> [PrunableTensor] {
        let named = prunableParameters
        guard !named.isEmpty else {
            throw .invalidPruning(tensor: nil, reason: "the model '\(spec.architecture)' has no prunable weights")
        }
        var tensors: [PrunableTensor] = []
        tensors.reserveCapacity(named.count)
        for (name, parameter) in named {
            tensors.append(try PrunableTensor(name: name, weights: parameter.value, mask: parameter.mask))
        }
        return tensors
    }

    /// Installs the masks of `tensors` (the list ``prunableTensors()`` returned, pruned) on the model's
    /// prunable weights; masked weights become 0 and stay 0 through later optimizer steps.
    ///
    /// Masks only shrink: an entry the current mask prunes must stay pruned. Nothing is changed unless
    /// every tensor passes the checks.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` when the list does not match the model's
    ///   prunable weights (count, names, shapes), or a new mask would restore a pruned entry.
    public func installMasks(from tensors: [PrunableTensor]) throws(DeepArcError) {
        let named = prunableParameters
        guard tensors.count == named.count else {
            throw .invalidPruning(
                tensor: nil, reason: "\(tensors.count) masks for the model's \(named.count) prunable weights")
        }
        for ((name, parameter), tensor) in zip(named, tensors) {
            guard tensor.name == name, tensor.shape == parameter.value.shape else {
                throw .invalidPruning(
                    tensor: tensor.name,
                    reason: "does not match the model's prunable weight '\(name)' of shape \(parameter.value.shape)")
            }
            if let grown = Self.firstRestoredEntry(old: parameter.mask, new: tensor.mask) {
                throw .invalidPruning(
                    tensor: name, reason: "the new mask restores entry \(grown), which is already pruned (masks only shrink)")
            }
        }
        for ((name, parameter), tensor) in zip(named, tensors) {
            do {
                try parameter.setMask(tensor.mask)
            } catch {
                throw .invalidPruning(tensor: name, reason: "\(error)")
            }
        }
    }

    /// The first flat index that `old` prunes and `new` keeps, if any (nil masks mean all kept).
    static func firstRestoredEntry(old: Tensor?, new: Tensor?) -> Int? {
        guard let old else { return nil }
        guard let new else {
            return old.withUnsafeBufferPointer { keep in (0..<keep.count).first { keep[$0] == 0 } }
        }
        return old.withUnsafeBufferPointer { before in
            new.withUnsafeBufferPointer { after in
                for index in 0..<before.count where before[index] == 0 && after[index] != 0 { return index }
                return nil
            }
        }
    }
}
