public import DeepArcCore

/// Erdős–Rényi-Kernel allocation, ERK (`specs/pruning.md` §6; Evci et al., as the official LAMP code
/// implements it). Identifier `erk`.
///
/// A layer's survivor count is proportional to the sum of its kernel's dimensions,
/// `e_l = out + in + kh + kw` (conv), `out + in` (dense), the sum of all dimensions for other ranks.
/// Only shapes matter, never weight values. With `T = (1 − a) × U` and no layer forced dense, repeat:
/// `T' = T − Σ_dense u_l`, `E = Σ_other e_l`, `s_l = R((T' × e_l) / E)` for every other layer; the
/// layer with the largest ratio `s_l / u_l` strictly above 1 (lowest index on equal ratios) becomes
/// dense, **one layer per step**; stop when there is none. A layer with `u_l = 0` has ratio +∞ when
/// `s_l > 0` and 1 when `s_l = 0`. Dense layers get 0, the others `u_l − s_l`. Ratios are compared
/// exactly (by cross-multiplying the integers), not as rounded quotients.
///
/// Rounding makes the survivors miss T by up to half the number of non-dense layers, and a small-fan
/// layer can be emptied at extreme sparsity.
///
/// Layer rules (``PruningOptions``): ignored tensors are removed first (they add nothing to U or E).
/// Caps clamp each count after allocation (no redistribution). An all-masked tensor (u_l = 0) takes
/// part with the ratio rule above and is never pruned.
public struct ERKCompressor: Compressor {
    /// `erk`.
    public static let identifier = "erk"
    /// One line for `deeparc strategies`.
    public static let summary =
        "ERK: survivors per layer proportional to the sum of the kernel's dimensions, overfull layers dense"

    /// The options in effect: the layer rules.
    public let options: PruningOptions

    /// Creates the compressor.
    /// - Parameter options: the layer rules.
    /// - Throws: `DeepArcError.invalidOption(strategy:option:reason:)` for a cap outside [0, 1] or an
    ///   empty tensor name.
    public init(options: PruningOptions) throws {
        try options.validate(strategy: Self.identifier)
        self.options = options
    }

    /// The ERK weight e_l of a shape: the sum of its dimensions.
    /// - Parameter shape: a weight tensor's shape.
    /// - Returns: Σ shape.
    public static func kernelDimensionSum(of shape: [Int]) -> Int {
        shape.reduce(0, +)
    }

    /// The per-tensor prune counts of ERK.
    /// - Parameters:
    ///   - tensors: the prunable tensors in model order, with their current masks.
    ///   - amount: the fraction of unmasked weights to remove, in [0, 1). `amount == 0` prunes nothing
    ///     (the `Compressor` law), although the rounding of §6 alone could move a weight or two.
    /// - Returns: one count per tensor (0 for ignored and dense tensors).
    /// - Throws: `DeepArcError.invalidPruning(tensor:reason:)` for an invalid amount, an empty list or a
    ///   rank-0 tensor (its e_l would be 0); `DeepArcError.invalidOption(strategy:option:reason:)` for an
    ///   unknown tensor name in the options.
    public func pruneCounts(for tensors: [PrunableTensor], amount: Double) throws -> [Int] {
        try Self.validateAmount(amount)
        let layers = try PrunableLayerSet(strategy: Self.identifier, tensors: tensors, rules: options)
        guard amount > 0 else { return layers.scatter([Int](repeating: 0, count: layers.count)) }
        for layer in 0..<layers.count where layers.tensor(layer).shape.isEmpty {
            let tensor = layers.tensor(layer)
            throw DeepArcError.invalidPruning(
                tensor: tensor.name, reason: "\(Self.identifier): a rank-0 tensor has no kernel dimensions to weigh")
        }
        let unmasked = layers.unmasked
        let weights = (0..<layers.count).map { Self.kernelDimensionSum(of: layers.tensor($0).shape) }
        let target = (1 - amount) * Double(layers.totalUnmasked)
        var dense = [Bool](repeating: false, count: layers.count)
        var survivors = [Int](repeating: 0, count: layers.count)
        while true {
            var denseUnmasked = 0
            var otherWeight = 0
            for layer in 0..<layers.count {
                if dense[layer] { denseUnmasked += unmasked[layer] } else { otherWeight += weights[layer] }
            }
            guard otherWeight > 0 else { break }  // every layer dense: cannot happen for a < 1
            let remaining = target - Double(denseUnmasked)
            let total = Double(otherWeight)
            var best: Int? = nil
            for layer in 0..<layers.count where !dense[layer] {
                // Never negative in exact arithmetic (T' ≥ 0 throughout); clamp against rounding.
                let planned = max(roundedCount((remaining * Double(weights[layer])) / total), 0)
                survivors[layer] = planned
                guard Self.ratio(planned, unmasked[layer], exceeds: 1, 1) else { continue }
                if let current = best {
                    if Self.ratio(planned, unmasked[layer], exceeds: survivors[current], unmasked[current]) {
                        best = layer
                    }
                } else {
                    best = layer
                }
            }
            guard let best else { break }
            dense[best] = true
        }
        let counts = (0..<layers.count).map { layer in
            dense[layer] ? 0 : max(unmasked[layer] - survivors[layer], 0)
        }
        return layers.scatter(layers.clampedToAllowance(counts))
    }

    /// Whether `a / b > c / d` for non-negative integers, where `x / 0` is +∞ for `x > 0` and 1 for
    /// `x = 0` (§6's ratio rules); +∞ does not exceed +∞.
    static func ratio(_ a: Int, _ b: Int, exceeds c: Int, _ d: Int) -> Bool {
        func normalized(_ numerator: Int, _ denominator: Int) -> (Int, Int) {
            denominator == 0 && numerator == 0 ? (1, 1) : (numerator, denominator)
        }
        let (a, b) = normalized(a, b)
        let (c, d) = normalized(c, d)
        if b == 0 { return d != 0 }  // +∞ > finite
        if d == 0 { return false }
        let left = a.multipliedFullWidth(by: d)
        let right = c.multipliedFullWidth(by: b)
        return left.high != right.high ? left.high > right.high : left.low > right.low
    }
}
