import DeepArcCore
import DeepArcPruning
import Testing

@Suite("Uniform+")
struct UniformPlusTests {
    let uniformPlus: UniformPlusCompressor

    init() throws { uniformPlus = try UniformPlusCompressor(options: PruningOptions()) }

    /// conv [2,1,2,2] (8), dense [4,5] (20), classifier [2,5] (10, m = R(2) = 2); U = 38.
    func convNet(lastUnmasked: Int? = nil) throws -> [PrunableTensor] {
        [
            try makeShaped("conv", [2, 1, 2, 2]), try makeShaped("fc1", [4, 5]),
            try makeShaped("fc2", [2, 5], unmasked: lastUnmasked),
        ]
    }

    @Test func firstConvStaysDenseAndThePoolSharesOneFraction() throws {
        // P = 19, f = 19/30; q = R(10 × 11/30 = 3.67) = 4 ≥ 2: R(20f = 12.67) = 13, R(10f = 6.33) = 6.
        #expect(try uniformPlus.pruneCounts(for: convNet(), amount: 0.5) == [0, 13, 6])
    }

    @Test func exactHalfTargetRoundsToEvenAndStaysReachable() throws {
        // 0.75 × 38 = 28.5 → P = 28. f = 28/30, q = R(0.67) = 1 < 2 → p_L = 8, f' = 20/20 = 1 → 20.
        #expect(try uniformPlus.pruneCounts(for: convNet(), amount: 0.75) == [0, 20, 8])
        // Rounding half away (P = 29) would need f' = 21/20 > 1: unreachable. Ties-to-even avoids that.
    }

    @Test func unreachableTargetsThrowNamingTheAmount() throws {
        // P = R(30.4) = 30, f = 1, last gives 8, f' = 22/20 > 1.
        let error = try #require(throws: DeepArcError.self) {
            try uniformPlus.pruneCounts(for: convNet(), amount: 0.8)
        }
        #expect("\(error)".contains("uniform-plus: amount 0.8 is unreachable"))
        #expect("\(error)".contains("'fc2' keeps at least 2"))
        // P = R(34.2) = 34 > 30 pool weights: f > 1.
        let first = try #require(throws: DeepArcError.self) {
            try uniformPlus.pruneCounts(for: convNet(), amount: 0.9)
        }
        #expect("\(first)".contains("uniform-plus: amount 0.9 is unreachable"))
        #expect("\(first)".contains("after the dense first conv hold only 30"))
    }

    @Test func anMLPHasNoFirstLayerException() throws {
        let mlp = [try makeShaped("fc1", [4, 5]), try makeShaped("fc2", [3, 4]), try makeShaped("fc3", [2, 3])]
        // U = 38, P = 19, f = 1/2, q = 3 ≥ m = R(1.2) = 1: 10, 6, 3.
        #expect(try uniformPlus.pruneCounts(for: mlp, amount: 0.5) == [10, 6, 3])
        // P = R(36.1) = 36, f = 36/38, q = R(0.32) = 0 < 1 → p_L = 5, f' = 31/32:
        // R(19.375) = 19, R(11.625) = 12.
        #expect(try uniformPlus.pruneCounts(for: mlp, amount: 0.95) == [19, 12, 5])
    }

    @Test func theLastLayerMinimumUsesItsOriginalSize() throws {
        // fc2 has 3 of 10 unmasked; m = R(0.2 × 10) = 2 (not R(0.2 × 3) = 1). U = 31, P = R(15.5) = 16,
        // f = 16/23, q = R(0.91) = 1 < 2 → p_L = 1, f' = 15/20 → 15.
        #expect(try uniformPlus.pruneCounts(for: convNet(lastUnmasked: 3), amount: 0.5) == [0, 15, 1])
        // Pinned at m: u_L = 2 gives 0. U = 30, P = 15, f = 15/22, q = 1 < 2, f' = 15/20.
        #expect(try uniformPlus.pruneCounts(for: convNet(lastUnmasked: 2), amount: 0.5) == [0, 15, 0])
        // Already below m (u_L = 1): not pruned. U = 29, P = R(14.5) = 14, f' = 14/20.
        #expect(try uniformPlus.pruneCounts(for: convNet(lastUnmasked: 1), amount: 0.5) == [0, 14, 0])
    }

    @Test func theLastLayerCanEndOneBelowItsMinimumOnAnExactHalf() throws {
        // The spec checks q = R((1 − f) × u_L) against m but prunes R(f × u_L): U = 22, P = R(0.86 × 22) = 19,
        // f = 19/22, q = R(1.5) = 2 = m, so the pool branch prunes R(9.5) = 10 of the last layer's 11
        // (keeping 1 < m) and of the first; Σ p = 20 ≠ P. That is §5 as written (and the official code).
        let mlp = [try makeShaped("fc1", [1, 11]), try makeShaped("fc2", [1, 11])]
        #expect(try uniformPlus.pruneCounts(for: mlp, amount: 0.86) == [10, 10])
    }

    @Test func singleLayerModels() throws {
        // A lone conv is the dense first layer: nothing else can be pruned.
        #expect(throws: DeepArcError.self) {
            try uniformPlus.pruneCounts(for: [makeShaped("conv", [2, 1, 2, 2])], amount: 0.5)
        }
        // A lone dense layer is the last layer: P = 5, q = 5 ≥ 2.
        let dense = [try makeShaped("fc", [2, 5])]
        #expect(try uniformPlus.pruneCounts(for: dense, amount: 0.5) == [5])
        // P = 9, q = 1 < 2: it gives 8 and the remaining 1 has nowhere to go.
        #expect(throws: DeepArcError.self) { try uniformPlus.pruneCounts(for: dense, amount: 0.9) }
    }

    @Test(arguments: [UInt64(11), 12, 13, 14, 15, 16, 17, 18])
    func matchesTheSpecOnRandomLayers(seed: UInt64) throws {
        for firstConv in [true, false] {
            for masked in [false, true] {
                let tensors = try RandomLayers.make(seed: seed, values: .normal, masked: masked, firstConv: firstConv)
                for amount in [0.0, 0.1, 0.2, 0.5, 0.75, 0.9, 0.95] {
                    guard let expected = Reference.uniformPlus(tensors, amount: amount) else {
                        #expect(throws: DeepArcError.self) { try uniformPlus.pruneCounts(for: tensors, amount: amount) }
                        continue
                    }
                    let counts = try uniformPlus.pruneCounts(for: tensors, amount: amount)
                    #expect(counts == expected)
                    // Invariants: a first conv stays dense; the last layer keeps ≥ min(u_L, R(0.2 n_L)), up to
                    // the one weight that an exact .5 in R(f × u_L) can cost (see the test above).
                    if firstConv { #expect(counts[0] == 0) }
                    let last = tensors.count - 1
                    let kept = tensors[last].unmaskedCount - counts[last]
                    if !(firstConv && tensors.count == 1) {
                        #expect(kept >= min(tensors[last].unmaskedCount, R(0.2 * Double(tensors[last].count))) - 1)
                    }
                }
            }
        }
    }
}
