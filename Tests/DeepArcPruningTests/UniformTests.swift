import DeepArcCore
import DeepArcPruning
import Testing

@Suite("uniform pruning")
struct UniformTests {
    let uniform: UniformCompressor

    init() throws { uniform = try UniformCompressor(options: PruningOptions()) }

    @Test func everyLayerLosesTheRoundedFractionOfItsUnmaskedWeights() throws {
        let a = try makeVector("a", [5, 4, 3, 2, 1])
        let b = try makeVector("b", [1, 2, 3, 4, 5, 6, 7])
        let c = try makeVector("c", [1, 2, 3, 4, 5, 6], mask: [1, 0, 1, 0, 1, 1])
        // R(2.5) = 2, R(3.5) = 4, R(0.5 × 4 = 2) = 2.
        #expect(try uniform.pruneCounts(for: [a, b, c], amount: 0.5) == [2, 4, 2])
        // 0.3 × 5 = 1.5 → 2; 0.3 × 7 = 2.1 → 2; 0.3 × 4 = 1.2 → 1.
        #expect(try uniform.pruneCounts(for: [a, b, c], amount: 0.3) == [2, 2, 1])
        let pruned = try uniform.prune([a, b, c], amount: 0.5)
        #expect(pruned.map(maskValues) == [[1, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1]])
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func matchesTheDefinitionOnRandomLayers(seed: UInt64) throws {
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            for amount in [0.0, 0.1, 0.25, 0.5, 0.75, 0.9] {
                let expected = tensors.map { R(amount * Double($0.unmaskedCount)) }
                #expect(try uniform.pruneCounts(for: tensors, amount: amount) == expected)
            }
        }
    }
}
