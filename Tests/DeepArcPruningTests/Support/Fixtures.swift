import DeepArcCore
import DeepArcTensor

// MARK: - Building tensors

/// R(x) of the spec, written out here independently of the plugin: round half to even.
func R(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }

/// A prunable tensor from literal values (row-major) and an optional 0/1 mask.
func makeTensor(_ name: String, _ shape: [Int], _ values: [Float], mask: [Float]? = nil) throws -> PrunableTensor {
    let weights = try Tensor(shape: shape, scalars: values)
    return try PrunableTensor(name: name, weights: weights, mask: mask.map { try Tensor(shape: shape, scalars: $0) })
}

/// A 1-D prunable tensor from literal values.
func makeVector(_ name: String, _ values: [Float], mask: [Float]? = nil) throws -> PrunableTensor {
    try makeTensor(name, [values.count], values, mask: mask)
}

/// A tensor of the given shape whose first `unmasked` entries (flat order) are kept, values 1, 2, 3, …
/// (ERK and Uniform+ only look at shapes and counts).
func makeShaped(_ name: String, _ shape: [Int], unmasked: Int? = nil) throws -> PrunableTensor {
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0 + 1) }
    let mask = unmasked.map { kept in (0..<count).map { $0 < kept ? Float(1) : 0 } }
    return try makeTensor(name, shape, values, mask: mask)
}

/// The unmasked count of every tensor.
func unmaskedCounts(_ tensors: [PrunableTensor]) -> [Int] { tensors.map(\.unmaskedCount) }

/// The mask of a tensor as an array (all ones when it has none).
func maskValues(_ tensor: PrunableTensor) -> [Float] {
    tensor.mask?.scalars ?? [Float](repeating: 1, count: tensor.count)
}

// MARK: - Random layer sets

/// Small random layer sets for property tests: 1–5 layers, conv-shaped `[o, i, k, k]` or dense
/// `[o, i]`, with normal, quantised (many exact ties and zeros) or mostly-zero values and random masks.
enum RandomLayers {
    /// How the values are drawn.
    enum Values: CaseIterable {
        case normal, quantized, mostlyZero
    }

    /// One random layer set.
    static func make(seed: UInt64, values: Values, masked: Bool, firstConv: Bool? = nil) throws -> [PrunableTensor] {
        var generator = SeededGenerator(seed: seed)
        let layerCount = Int.random(in: 1...5, using: &generator)
        var tensors: [PrunableTensor] = []
        for layer in 0..<layerCount {
            let conv: Bool
            if layer == 0, let firstConv {
                conv = firstConv
            } else if layer == layerCount - 1 && layerCount > 1 {
                conv = false  // classifier last
            } else {
                conv = Bool.random(using: &generator)
            }
            let shape: [Int]
            if conv {
                let kernel = Int.random(in: 1...3, using: &generator)
                shape = [
                    Int.random(in: 1...4, using: &generator), Int.random(in: 1...3, using: &generator), kernel, kernel,
                ]
            } else {
                shape = [Int.random(in: 1...8, using: &generator), Int.random(in: 1...8, using: &generator)]
            }
            let count = shape.reduce(1, *)
            var weights: [Float] = []
            for _ in 0..<count {
                switch values {
                case .normal:
                    weights.append(generator.nextNormal())
                case .quantized:
                    let level = Float(Int.random(in: 0...4, using: &generator)) * 0.25
                    weights.append(Bool.random(using: &generator) ? level : -level)
                case .mostlyZero:
                    weights.append(Int.random(in: 0..<3, using: &generator) == 0 ? generator.nextNormal() : 0)
                }
            }
            var mask: [Float]? = nil
            if masked && Bool.random(using: &generator) {
                let keepProbability = Double.random(in: 0...1, using: &generator)
                mask = (0..<count).map { _ in Double.random(in: 0..<1, using: &generator) < keepProbability ? 1 : 0 }
            }
            tensors.append(try makeTensor("layer\(layer)", shape, weights, mask: mask))
        }
        return tensors
    }

    /// Every combination of value kind and masking over `seeds` seeds.
    static func cases(seeds: Range<UInt64>) throws -> [[PrunableTensor]] {
        var result: [[PrunableTensor]] = []
        for seed in seeds {
            for (kind, values) in Values.allCases.enumerated() {
                for masked in [false, true] {
                    result.append(
                        try make(
                            seed: seed &* 7 &+ UInt64(kind) &* 2 &+ (masked ? 1 : 0), values: values, masked: masked))
                }
            }
        }
        return result
    }
}
