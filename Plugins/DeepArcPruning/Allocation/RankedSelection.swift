// MARK: - The smallest k entries of a global ranking

/// The global ranking of Global magnitude pruning and LAMP: entries of all layers ordered by ascending
/// (key, layer index, position in the layer), where each layer's keys are already ascending
/// (`specs/pruning.md` §3.2, §4.4).
///
/// Each layer may give up at most `limits[l]` entries (its `maxSparsity` allowance, or all of its
/// unmasked entries). Walking down the ranking and skipping the entries of layers whose allowance is
/// used up is the same as ranking only each layer's first `limits[l]` entries, because a layer's
/// entries appear in the ranking in its own order. That is what this type ranks.
///
/// Instead of sorting the concatenation (tens of millions of entries for ResNet-101), it finds the
/// k-th key by a binary search over the keys' bit patterns, counting entries ≤ a value with one binary
/// search per layer.
struct RankedSelection<Key: RankKey> {
    /// Each layer's keys, ascending.
    let keys: [[Key]]
    /// How many of each layer's first keys take part (0 ≤ limit ≤ keys.count).
    let limits: [Int]
    /// The number of ranked entries, Σ limits.
    let available: Int

    /// Ranks the first `limits[l]` keys of each layer.
    /// - Parameters:
    ///   - keys: each layer's keys in ascending order, non-negative and finite, never `-0.0`.
    ///   - limits: how many of each layer's smallest keys may be selected; clamped to [0, count].
    init(keys: [[Key]], limits: [Int]) {
        precondition(keys.count == limits.count, "one limit per layer")
        self.keys = keys
        let limits = zip(keys, limits).map { layerKeys, limit in min(max(limit, 0), layerKeys.count) }
        self.limits = limits
        self.available = limits.reduce(0, +)
    }

    /// The number of ranked entries of `layer` whose key is ≤ `value` (`strict`: < `value`).
    func count(in layer: Int, upTo value: Key, strict: Bool) -> Int {
        let limit = limits[layer]
        return keys[layer].withUnsafeBufferPointer { buffer in
            var low = 0
            var high = limit
            while low < high {
                let middle = low + (high - low) / 2
                let below = strict ? buffer[middle] < value : buffer[middle] <= value
                if below { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// The number of ranked entries of all layers whose key is ≤ `value`.
    func totalCount(upTo value: Key) -> Int {
        var total = 0
        for layer in keys.indices { total += count(in: layer, upTo: value, strict: false) }
        return total
    }

    /// The key of the `rank`-th smallest ranked entry (1-based).
    /// - Precondition: 1 ≤ rank ≤ ``available``.
    func key(atRank rank: Int) -> Key {
        precondition(rank >= 1 && rank <= available, "rank \(rank) outside 1…\(available)")
        var high: UInt64 = 0
        for layer in keys.indices where limits[layer] > 0 {
            high = max(high, keys[layer][limits[layer] - 1].rankBits)
        }
        var low: UInt64 = 0
        // Invariant: at least `rank` entries are ≤ Key(rankBits: high).
        while low < high {
            let middle = low + (high - low) / 2
            if totalCount(upTo: Key(rankBits: middle)) >= rank { high = middle } else { low = middle + 1 }
        }
        return Key(rankBits: low)
    }

    /// How many of the `k` smallest ranked entries lie in each layer; ties in key go to the lower layer
    /// first (within a layer, positions are already in order).
    /// - Precondition: 0 ≤ k ≤ ``available``.
    func counts(smallest k: Int) -> [Int] {
        precondition(k >= 0 && k <= available, "cannot select \(k) of \(available) entries")
        guard k > 0 else { return [Int](repeating: 0, count: keys.count) }
        let cut = key(atRank: k)
        var counts = keys.indices.map { count(in: $0, upTo: cut, strict: true) }
        var remaining = k - counts.reduce(0, +)
        for layer in keys.indices where remaining > 0 {
            let tied = count(in: layer, upTo: cut, strict: false) - counts[layer]
            let taken = min(tied, remaining)
            counts[layer] += taken
            remaining -= taken
        }
        precondition(remaining == 0, "the ranking lost \(remaining) entries")
        return counts
    }

    /// How many ranked entries of each layer have a key strictly below `value`.
    func counts(below value: Key) -> [Int] {
        keys.indices.map { count(in: $0, upTo: value, strict: true) }
    }
}
