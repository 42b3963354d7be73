import DeepArcCore
import DeepArcTensor

/// Brute-force implementations of `specs/pruning.md`, written as literally as possible and
/// independently of the plugin (no shared code): full sorts of tuples, O(n²) LAMP denominators,
/// floating-point ERK ratios as the official code computes them.
enum Reference {
    /// One unmasked entry: layer, flat index, |w| widened to binary64.
    struct Entry {
        var layer: Int
        var index: Int
        var magnitude: Double
        var position = 0
        var key = 0.0
    }

    /// The unmasked entries of a layer in its magnitude order (ascending |w|, then flat index).
    static func magnitudeOrder(_ tensor: PrunableTensor, layer: Int) -> [Entry] {
        let weights = tensor.weights.scalars
        let mask = maskValues(tensor)
        var entries: [Entry] = []
        for index in weights.indices where mask[index] == 1 {
            entries.append(Entry(layer: layer, index: index, magnitude: Double(abs(weights[index]))))
        }
        entries.sort { ($0.magnitude, $0.index) < ($1.magnitude, $1.index) }
        for position in entries.indices { entries[position].position = position }
        return entries
    }

    /// LAMP scores of ascending magnitudes, each denominator summed afresh from the largest entry down.
    static func lampScores(_ magnitudes: [Double]) -> [Double] {
        let squares = magnitudes.map { $0 * $0 }
        return squares.indices.map { i in
            var denominator = 0.0
            for j in stride(from: squares.count - 1, through: i, by: -1) { denominator += squares[j] }
            return denominator == 0 ? 0 : squares[i] / denominator
        }
    }

    /// The allowance of a tensor under a cap c: u − R((1 − c) × n), at least 0.
    static func allowance(_ tensor: PrunableTensor, cap: Double?) -> Int {
        guard let cap else { return tensor.unmaskedCount }
        return max(0, tensor.unmaskedCount - R((1 - cap) * Double(tensor.count)))
    }

    /// Walks `ranked` (already sorted), pruning entries while their layer has allowance left, until
    /// `target` are pruned. Returns the counts and the entry the walk would prune next, or nil when
    /// the target is unreachable.
    static func walk(_ ranked: [Entry], layers: Int, limits: [Int], target: Int) -> (
        counts: [Int], pruned: [Entry], next: Entry?
    )? {
        var counts = [Int](repeating: 0, count: layers)
        var pruned: [Entry] = []
        var next: Entry? = nil
        for entry in ranked where counts[entry.layer] < limits[entry.layer] {
            if pruned.count == target {
                next = entry
                break
            }
            counts[entry.layer] += 1
            pruned.append(entry)
        }
        return pruned.count == target ? (counts, pruned, next) : nil
    }

    /// Global magnitude pruning (§3) with optional caps; nil when the caps make it unreachable.
    static func global(_ tensors: [PrunableTensor], amount: Double, caps: [Double?]? = nil) -> [Int]? {
        let caps = caps ?? [Double?](repeating: nil, count: tensors.count)
        var all: [Entry] = []
        for (layer, tensor) in tensors.enumerated() { all += magnitudeOrder(tensor, layer: layer) }
        all.sort { ($0.magnitude, $0.layer, $0.index) < ($1.magnitude, $1.layer, $1.index) }
        let target = amount == 0 ? 0 : R(amount * Double(all.count))
        let limits = zip(tensors, caps).map { allowance($0, cap: $1) }
        return walk(all, layers: tensors.count, limits: limits, target: target)?.counts
    }

    /// LAMP (§4) with optional caps; nil when the caps make it unreachable.
    static func lamp(_ tensors: [PrunableTensor], amount: Double, official: Bool, caps: [Double?]? = nil) -> [Int]? {
        let caps = caps ?? [Double?](repeating: nil, count: tensors.count)
        var all: [Entry] = []
        for (layer, tensor) in tensors.enumerated() {
            var entries = magnitudeOrder(tensor, layer: layer)
            let scores = lampScores(entries.map(\.magnitude))
            for position in entries.indices { entries[position].key = scores[position] }
            all += entries
        }
        let total = all.count
        guard amount > 0 else { return [Int](repeating: 0, count: tensors.count) }
        let survivors = R((1 - amount) * Double(total))
        let target = survivors <= 0 ? total : max(total - survivors, 0)
        let limits = zip(tensors, caps).map { allowance($0, cap: $1) }
        if official && survivors > 0 && survivors < total && caps.allSatisfy({ $0 == nil }) {
            // The official rule as stated: keep every entry scoring ≥ τ, the S-th largest score.
            let tau = all.map(\.key).sorted(by: >)[survivors - 1]
            return tensors.indices.map { layer in all.filter { $0.layer == layer && $0.key < tau }.count }
        }
        all.sort { ($0.key, $0.layer, $0.position) < ($1.key, $1.layer, $1.position) }
        guard var result = walk(all, layers: tensors.count, limits: limits, target: target) else { return nil }
        if official && survivors > 0, let next = result.next {
            for entry in result.pruned where entry.key == next.key { result.counts[entry.layer] -= 1 }
        }
        return result.counts
    }

    /// Uniform+ (§5); nil when the target is unreachable.
    static func uniformPlus(_ tensors: [PrunableTensor], amount: Double) -> [Int]? {
        let u = tensors.map(\.unmaskedCount)
        var p = [Int](repeating: 0, count: tensors.count)
        let total = u.reduce(0, +)
        let target = R(amount * Double(total))
        if target == 0 { return p }
        let pool = tensors[0].shape.count == 4 ? Array(1..<tensors.count) : Array(0..<tensors.count)
        let f = Double(target) / Double(pool.map { u[$0] }.reduce(0, +))
        if f > 1 { return nil }
        let last = tensors.count - 1
        let m = R(0.2 * Double(tensors[last].count))
        let q = R((1 - f) * Double(u[last]))
        if q >= m {
            for l in pool { p[l] = R(f * Double(u[l])) }
            return p
        }
        p[last] = max(u[last] - m, 0)
        let middle = pool.filter { $0 != last }
        let rest = target - p[last]
        if rest <= 0 { return p }
        if middle.isEmpty { return nil }
        let fPrime = Double(rest) / Double(middle.map { u[$0] }.reduce(0, +))
        if fPrime > 1 { return nil }
        for l in middle { p[l] = R(fPrime * Double(u[l])) }
        return p
    }

    /// ERK (§6), with ratios as binary64 quotients like the official code.
    static func erk(_ tensors: [PrunableTensor], amount: Double) -> [Int] {
        let u = tensors.map(\.unmaskedCount)
        let e = tensors.map { $0.shape.reduce(0, +) }
        if amount == 0 { return [Int](repeating: 0, count: tensors.count) }
        let t = (1 - amount) * Double(u.reduce(0, +))
        var dense = Set<Int>()
        var s = [Int](repeating: 0, count: tensors.count)
        while true {
            let tPrime = t - Double(dense.map { u[$0] }.reduce(0, +))
            let bigE = Double(tensors.indices.filter { !dense.contains($0) }.map { e[$0] }.reduce(0, +))
            var best = -1
            var bestRatio = 1.0
            for l in tensors.indices where !dense.contains(l) {
                s[l] = R((tPrime * Double(e[l])) / bigE)
                let ratio = u[l] == 0 ? (s[l] > 0 ? Double.infinity : 1) : Double(s[l]) / Double(u[l])
                if ratio > bestRatio {
                    best = l
                    bestRatio = ratio
                }
            }
            if best < 0 { break }
            dense.insert(best)
        }
        return tensors.indices.map { dense.contains($0) ? 0 : u[$0] - s[$0] }
    }
}
