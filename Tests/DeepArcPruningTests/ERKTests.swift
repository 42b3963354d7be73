import DeepArcCore
import DeepArcPruning
import Testing

@Suite("ERK")
struct ERKTests {
    let erk: ERKCompressor

    init() throws { erk = try ERKCompressor(options: PruningOptions()) }

    @Test func survivorsAreProportionalToTheSumOfDimensionsAndRoundedPerLayer() throws {
        // U = 256 + 250 = 506, T = 0.8 × 506 = 404.8, e = 32 and 35, E = 67:
        // R(404.8 × 32 / 67 = 193.34) = 193, R(404.8 × 35 / 67 = 211.46) = 211 → 404 survivors, not 405.
        let tensors = [try makeShaped("a", [16, 16]), try makeShaped("b", [10, 25])]
        let counts = try erk.pruneCounts(for: tensors, amount: 0.2)
        #expect(counts == [63, 39])
        #expect(506 - counts.reduce(0, +) == 404)
    }

    @Test func convolutionsCountAllFourDimensions() throws {
        #expect(ERKCompressor.kernelDimensionSum(of: [4, 3, 3, 3]) == 13)
        #expect(ERKCompressor.kernelDimensionSum(of: [10, 8]) == 18)
        // U = 188, T = 94, E = 31: R(94 × 13 / 31 = 39.42) = 39, R(94 × 18 / 31 = 54.58) = 55.
        let tensors = [try makeShaped("conv", [4, 3, 3, 3]), try makeShaped("fc", [10, 8])]
        #expect(try erk.pruneCounts(for: tensors, amount: 0.5) == [108 - 39, 80 - 55])
    }

    @Test func overfullLayersBecomeDenseOneAtATime() throws {
        // U = 408, T = 204, E = 48: a and b plan R(17) = 17 > 4 (ratio 4.25, tie → a first).
        // Then T' = 200, E = 44: b plans R(18.2) = 18 > 4 → dense. Then T' = 196, E = 40: c keeps 196.
        let tensors = [try makeShaped("a", [2, 2]), try makeShaped("b", [2, 2]), try makeShaped("c", [20, 20])]
        #expect(try erk.pruneCounts(for: tensors, amount: 0.5) == [0, 0, 204])
    }

    @Test func aRatioOfExactlyOneStaysWithoutJoiningTheDenseSet() throws {
        // U = 106, T = 0.28125 × 106 = 29.8125, E = 25: a plans R(5.96) = 6 = u_a (ratio 1), b R(23.85) = 24.
        let tensors = [try makeShaped("a", [2, 3]), try makeShaped("b", [10, 10])]
        #expect(try erk.pruneCounts(for: tensors, amount: 0.71875) == [0, 76])
    }

    @Test func anAllMaskedLayerWithPlannedSurvivorsCountsAsInfinitelyOverfull() throws {
        // a: 16 weights, none unmasked. U = 100, T = 50, E = 28: a plans R(14.3) = 14 > 0 → ratio +∞ →
        // dense, so b gets all of T' = 50 (not R(50 × 20 / 28) = 36).
        let tensors = [try makeShaped("a", [4, 4], unmasked: 0), try makeShaped("b", [10, 10])]
        #expect(try erk.pruneCounts(for: tensors, amount: 0.5) == [0, 50])
        // A planned 0 on an all-masked layer is ratio 1: it just stays at 0.
        let both = [try makeShaped("a", [4, 4], unmasked: 0), try makeShaped("b", [1, 1], unmasked: 0)]
        #expect(try erk.pruneCounts(for: both, amount: 0.5) == [0, 0])
    }

    @Test func aRankZeroTensorIsRefusedNamingIt() throws {
        let tensors = [try makeTensor("scale", [], [2]), try makeShaped("fc", [2, 2])]
        #expect(
            throws: DeepArcError.invalidPruning(
                tensor: "scale", reason: "erk: a rank-0 tensor has no kernel dimensions to weigh")
        ) {
            try erk.pruneCounts(for: tensors, amount: 0.5)
        }
    }

    @Test func aSmallFanLayerCanBeEmptiedAtExtremeSparsity() throws {
        // U = 901, T = (1 − 0.99) × 901 = 9.01, E = 62: R(0.29) = 0 and R(8.72) = 9.
        let tensors = [try makeShaped("tiny", [1, 1]), try makeShaped("big", [30, 30])]
        #expect(try erk.pruneCounts(for: tensors, amount: 0.99) == [1, 891])
    }

    @Test func amountZeroPrunesNothingThoughRoundingAloneWould() throws {
        // Ten unmasked weights in each of three layers with e = 94, 103, 103 (E = 300, T = 30):
        // R(9.4) = 9, R(10.3) = 10, R(10.3) = 10, so §6 alone would prune one weight even at a = 0.
        let tensors = [
            try makeShaped("a", [47, 47], unmasked: 10), try makeShaped("b", [50, 53], unmasked: 10),
            try makeShaped("c", [51, 52], unmasked: 10),
        ]
        #expect(try erk.pruneCounts(for: tensors, amount: 1e-12) == [1, 0, 0])
        // The Compressor law (amount 0 prunes nothing) wins at exactly 0.
        #expect(try erk.pruneCounts(for: tensors, amount: 0) == [0, 0, 0])
    }

    @Test(arguments: [UInt64(21), 22, 23, 24, 25, 26])
    func matchesTheSpecAndStaysProportionalOnRandomLayers(seed: UInt64) throws {
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            for amount in [0.1, 0.2, 0.5, 0.8, 0.9, 0.98] {
                let counts = try erk.pruneCounts(for: tensors, amount: amount)
                #expect(counts == Reference.erk(tensors, amount: amount))
                // Proportional up to rounding: every two pruned layers l, m have survivor counts with
                // |kept_l / e_l − kept_m / e_m| ≤ 0.5 / e_l + 0.5 / e_m (both are R(c × e) for one c).
                let e = tensors.map { Double($0.shape.reduce(0, +)) }
                let kept = zip(tensors, counts).map { Double($0.unmaskedCount - $1) }
                let pruned = tensors.indices.filter { counts[$0] > 0 }
                for l in pruned {
                    for m in pruned where m > l {
                        #expect(abs(kept[l] / e[l] - kept[m] / e[m]) <= 0.5 / e[l] + 0.5 / e[m] + 1e-12)
                    }
                }
                // Survivors miss T = (1 − a) U by at most half a weight per layer.
                let target = (1 - amount) * Double(tensors.map(\.unmaskedCount).reduce(0, +))
                #expect(abs(kept.reduce(0, +) - target) <= Double(tensors.count) / 2 + 1e-9)
            }
        }
    }
}
