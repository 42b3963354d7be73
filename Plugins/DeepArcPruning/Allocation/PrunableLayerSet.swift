import DeepArcCore
import DeepArcTensor

/// The tensors one compressor call allocates over: the input list without the ignored tensors, with
/// each remaining tensor's unmasked count u_l and its `maxSparsity` allowance.
///
/// Allocators work on "active" layers (indices into ``active``) and hand their counts back through
/// ``scatter(_:)``, which puts 0 for every ignored tensor.
struct PrunableLayerSet {
    /// The identifier named in errors.
    let strategy: String
    /// Every input tensor, in model order.
    let tensors: [PrunableTensor]
    /// Indices (into ``tensors``) of the tensors that take part, in model order.
    let active: [Int]
    /// u_l of each active tensor.
    let unmasked: [Int]
    /// The most each active tensor may be pruned by in this call: u_l, or less under a cap.
    let allowance: [Int]
    /// Σ u_l over the active tensors.
    let totalUnmasked: Int

    /// Applies `rules` to `tensors`.
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an empty tensor list;
    ///   `DeepArcError.invalidOption(strategy:option:reason:)` for an `ignore` or `maxSparsity` name that
    ///   matches no tensor.
    init(strategy: String, tensors: [PrunableTensor], rules: PruningOptions) throws(DeepArcError) {
        guard !tensors.isEmpty else {
            throw .invalidPruning(tensor: nil, reason: "\(strategy): no prunable tensors were given")
        }
        let names = Set(tensors.map(\.name))
        func unknown(_ name: String, option: String) -> DeepArcError {
            let shown = tensors.prefix(6).map(\.name).joined(separator: ", ")
            let more = tensors.count > 6 ? ", … (\(tensors.count) in all)" : ""
            return .invalidOption(
                strategy: strategy, option: option,
                reason: "no prunable tensor is named '\(name)'; the tensors are \(shown)\(more)")
        }
        for name in rules.ignore where !names.contains(name) { throw unknown(name, option: "ignore") }
        for name in rules.maxSparsity.keys.sorted() where !names.contains(name) {
            throw unknown(name, option: "maxSparsity")
        }
        let ignored = Set(rules.ignore)
        var active: [Int] = []
        var unmasked: [Int] = []
        var allowance: [Int] = []
        for (index, tensor) in tensors.enumerated() where !ignored.contains(tensor.name) {
            let kept = tensor.unmaskedCount
            active.append(index)
            unmasked.append(kept)
            if let cap = rules.maxSparsity[tensor.name] {
                let minimumKept = roundedCount((1 - cap) * Double(tensor.count))
                allowance.append(max(0, kept - minimumKept))
            } else {
                allowance.append(kept)
            }
        }
        self.strategy = strategy
        self.tensors = tensors
        self.active = active
        self.unmasked = unmasked
        self.allowance = allowance
        self.totalUnmasked = unmasked.reduce(0, +)
    }

    /// The number of active tensors.
    var count: Int { active.count }

    /// The active tensor at position `layer`.
    func tensor(_ layer: Int) -> PrunableTensor { tensors[active[layer]] }

    /// Counts for the full input list: `counts[l]` for active tensor l, 0 for ignored ones.
    func scatter(_ counts: [Int]) -> [Int] {
        precondition(counts.count == active.count, "one count per active tensor")
        var result = [Int](repeating: 0, count: tensors.count)
        for (layer, index) in active.enumerated() { result[index] = counts[layer] }
        return result
    }

    /// Per-layer counts clamped to each tensor's allowance (the cap rule of per-layer methods).
    func clampedToAllowance(_ counts: [Int]) -> [Int] {
        zip(counts, allowance).map { min($0, $1) }
    }

    /// The |w| of the unmasked entries of active tensor `layer`, ascending (§2.2; ties need no order
    /// here, since only the sorted values matter for counts and scores).
    func sortedMagnitudes(_ layer: Int) -> [Float] {
        Self.sortedMagnitudes(of: tensor(layer))
    }

    /// The |w| of a tensor's unmasked entries, ascending; `-0.0` becomes `+0.0`.
    static func sortedMagnitudes(of tensor: PrunableTensor) -> [Float] {
        let kept = tensor.unmaskedCount
        var values = [Float](unsafeUninitializedCapacity: kept) { output, initialized in
            var written = 0
            tensor.weights.withUnsafeBufferPointer { weights in
                if let mask = tensor.mask {
                    mask.withUnsafeBufferPointer { keep in
                        for index in 0..<weights.count where keep[index] != 0 {
                            output[written] = weights[index].magnitude
                            written += 1
                        }
                    }
                } else {
                    for index in 0..<weights.count {
                        output[written] = weights[index].magnitude
                        written += 1
                    }
                }
            }
            initialized = written
        }
        values.sort()
        return values
    }

    /// The error for a target the method cannot reach.
    func unreachable(amount: Double, _ reason: String) -> DeepArcError {
        .invalidPruning(tensor: nil, reason: "\(strategy): amount \(amount) is unreachable: \(reason)")
    }
}
