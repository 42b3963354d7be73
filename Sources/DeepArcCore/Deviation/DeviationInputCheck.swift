import DeepArcTensor

/// Shared validation of deviation inputs.
enum DeviationInputCheck {
    /// Rank ≥ 1, at least one sample, finite values.
    static func representations(_ tensor: Tensor, what: String) throws(DeepArcError) {
        guard tensor.rank >= 1, tensor.shape[0] > 0 else {
            throw .invalidActivations(
                layer: nil, reason: "\(what) need shape [samples, …] with at least one sample; got \(tensor.shape)")
        }
        guard tensor.itemCount > 0 else {
            throw .invalidActivations(layer: nil, reason: "\(what) have no features; shape \(tensor.shape)")
        }
        let firstBad: Int? = tensor.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where !buffer[index].isFinite { return index }
            return nil
        }
        if let firstBad {
            throw .invalidActivations(
                layer: nil, reason: "\(what) hold a non-finite value at sample \(firstBad / tensor.itemCount)")
        }
    }

    /// Count matches and no negative entry.
    static func classes(_ values: [Int]?, count: Int, what: String) throws(DeepArcError) {
        guard let values else { return }
        guard values.count == count else {
            throw .invalidActivations(layer: nil, reason: "\(values.count) \(what) for \(count) samples")
        }
        if let index = values.firstIndex(where: { $0 < 0 }) {
            throw .invalidActivations(layer: nil, reason: "\(what): entry \(index) is negative (\(values[index]))")
        }
    }
}
