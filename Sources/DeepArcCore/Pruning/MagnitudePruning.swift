public import DeepArcTensor

/// Turns per-layer prune counts into masks by magnitude (`specs/pruning.md` §2.2–§2.3), the step
/// every ``Compressor`` shares.
public enum MagnitudePruning {
    /// The layer's magnitude order (§2.2): the flat (row-major) indices of its unmasked entries by
    /// ascending |w|, ties by ascending flat index (`-0.0` and `+0.0` are equal).
    public static func magnitudeOrder(of tensor: PrunableTensor) -> [Int] {
        var order: [Int] = []
        order.reserveCapacity(tensor.unmaskedCount)
        if let mask = tensor.mask {
            mask.withUnsafeBufferPointer { keep in
                for index in 0..<keep.count where keep[index] != 0 { order.append(index) }
            }
        } else {
            order.append(contentsOf: 0..<tensor.count)
        }
        tensor.weights.withUnsafeBufferPointer { weights in
            order.sort { lhs, rhs in
                let a = abs(weights[lhs])
                let b = abs(weights[rhs])
                return a != b ? a < b : lhs < rhs
            }
        }
        return order
    }

    /// The keep-mask after pruning `count` more entries of `tensor` (§2.3): the first `count` entries of
    /// its magnitude order become 0; entries already masked stay masked.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` when `count` is negative or exceeds the
    ///   unmasked entries.
    public static func mask(for tensor: PrunableTensor, pruning count: Int) throws(DeepArcError) -> Tensor {
        let unmasked = tensor.unmaskedCount
        guard count >= 0, count <= unmasked else {
            throw .invalidPruning(
                tensor: tensor.name, reason: "cannot prune \(count) of its \(unmasked) unmasked weights")
        }
        var mask = tensor.mask ?? Tensor(repeating: 1, shape: tensor.shape)
        guard count > 0 else { return mask }
        let order = magnitudeOrder(of: tensor)
        mask.withUnsafeMutableBufferPointer { keep in
            order.withUnsafeBufferPointer { order in
                for position in 0..<count { keep[order[position]] = 0 }
            }
        }
        return mask
    }

    /// Applies one prune count per tensor, returning the tensors with their new masks.
    /// - Throws: ``DeepArcError/invalidPruning(tensor:reason:)`` when the counts and tensors differ in
    ///   number, or a count is negative or too large for its tensor.
    public static func applying(_ counts: [Int], to tensors: [PrunableTensor]) throws(DeepArcError) -> [PrunableTensor]
    {
        guard counts.count == tensors.count else {
            throw .invalidPruning(tensor: nil, reason: "\(counts.count) prune counts for \(tensors.count) tensors")
        }
        var result: [PrunableTensor] = []
        result.reserveCapacity(tensors.count)
        for (tensor, count) in zip(tensors, counts) {
            result.append(try tensor.withMask(mask(for: tensor, pruning: count)))
        }
        return result
    }
}
