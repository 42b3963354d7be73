import DeepArcCore
import DeepArcPruning
import Testing

@Suite("LAMP")
struct LAMPTests {
    let exact: LAMPCompressor
    let official: LAMPCompressor

    init() throws {
        exact = try LAMPCompressor(options: .init())
        official = try LAMPCompressor(options: .init(ties: .official))
    }

    // MARK: - Scores

    @Test func scoresFollowTheDefinitionOverUnmaskedEntries() throws {
        // Unmasked 1, 2, 3 (the masked 10 is not scored): D = 9, 13, 14 from the top down.
        let layer = try makeVector("a", [10, -2, 3, 1], mask: [0, 1, 1, 1])
        #expect(LAMPCompressor.scores(of: layer) == [1.0 / 14.0, 4.0 / 13.0, 1.0])
        // Equal magnitudes get different scores, growing with position; an all-zero layer scores 0/0 := 0.
        #expect(LAMPCompressor.scores(of: try makeVector("b", [-1, 1])) == [0.5, 1])
        #expect(LAMPCompressor.scores(of: try makeVector("c", [0, -0.0, 0])) == [0, 0, 0])
        // Zeros below non-zeros score 0/D = 0.
        #expect(LAMPCompressor.scores(of: try makeVector("d", [0, 3, 0, 4])) == [0, 0, 9.0 / 25.0, 1])
    }

    @Test func scoresAreBinary64EvenWhereFloat32SquaresUnderflow() throws {
        // (1e-23)² ≈ 1e-46 is below the smallest float32; in binary64 the scores are ordinary.
        let small: Float = 1e-23
        let larger: Float = 2e-23
        #expect(small * small == 0)
        let s1 = Double(small) * Double(small)
        let s2 = Double(larger) * Double(larger)
        #expect(LAMPCompressor.scores(of: try makeVector("tiny", [larger, small])) == [s1 / (s2 + s1), 1])
    }

    // MARK: - Allocation

    @Test func roundsTheSurvivorCountNotThePrunedCount() throws {
        let a = try makeVector("a", [1, 2, 3])
        let b = try makeVector("b", [1, 1])
        // Scores: a 1/14, 4/13, 1; b 1/2, 1. U = 5, S = R(0.5 × 5 = 2.5) = 2 → prune 3: 1/14, 4/13, 1/2.
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.5) == [2, 1])
        #expect(try exact.prune([a, b], amount: 0.5).map(maskValues) == [[0, 0, 1], [0, 1]])
        // Global rounds the pruned count instead: R(2.5) = 2.
        let global = try GlobalMagnitudeCompressor(options: PruningOptions())
        #expect(try global.pruneCounts(for: [a, b], amount: 0.5).reduce(0, +) == 2)
    }

    @Test func exactRuleBreaksScoreTiesByLayerThenPosition() throws {
        let a = try makeVector("a", [1, 1])
        let b = try makeVector("b", [-1, 1])
        // Scores 1/2, 1 in both layers. S = R(1) = 1 → prune 3: a's 1/2, b's 1/2, then a's 1.
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.75) == [2, 1])
        // Official: τ = 1, both score-1 entries survive.
        #expect(try official.pruneCounts(for: [a, b], amount: 0.75) == [1, 1])
        // S = 2: no tie at τ, the rules agree.
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.5) == [1, 1])
        #expect(try official.pruneCounts(for: [a, b], amount: 0.5) == [1, 1])
    }

    @Test func officialRuleKeepsEverythingWhenFewerThanSWeightsAreNonZero() throws {
        let a = try makeVector("a", [0, 0, 0, 5])
        let b = try makeVector("b", [0, 0, 3, 4])
        // U = 8, a = 0.5 → S = 4, but only 3 weights are non-zero: τ = 0 and nothing is pruned.
        #expect(try official.pruneCounts(for: [a, b], amount: 0.5) == [0, 0])
        // Exact: prune U − S = 4 score-0 entries, by layer then position: a's three zeros, b's first.
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.5) == [3, 1])
        #expect(try exact.prune([a, b], amount: 0.5).map(maskValues) == [[0, 0, 0, 1], [0, 1, 1, 1]])
        // S = 2 ≤ non-zeros: τ = 1 (a's 5 and b's 4), both rules prune the other 6.
        #expect(try official.pruneCounts(for: [a, b], amount: 0.75) == [3, 3])
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.75) == [3, 3])
    }

    @Test func officialRuleKeepsEveryLayersTopEntryWhenSIsBelowTheLayerCount() throws {
        let a = try makeVector("a", [1, 2])
        let b = try makeVector("b", [3, 4])
        let c = try makeVector("c", [5, 6])
        // Scores 1/5, 9/25, 25/61 and three 1s. S = R(0.25 × 6 = 1.5) = 2.
        #expect(try official.pruneCounts(for: [a, b, c], amount: 0.75) == [1, 1, 1])
        // Exact: prune 4 = the three sub-1 scores, then a's 1 (lowest layer): a is emptied.
        #expect(try exact.pruneCounts(for: [a, b, c], amount: 0.75) == [2, 1, 1])
    }

    @Test func survivorsRoundingToZeroPrunesEverything() throws {
        let a = try makeVector("a", [1, 2])
        let b = try makeVector("b", [3, 4])
        // S = R(0.1 × 4 = 0.4) = 0.
        #expect(try exact.pruneCounts(for: [a, b], amount: 0.9) == [2, 2])
        #expect(try official.pruneCounts(for: [a, b], amount: 0.9) == [2, 2])
    }

    @Test func maskedEntriesAreNeitherScoredNorCounted() throws {
        // Masked entries hold the largest values; scored, they would shrink every other score.
        let a = try makeVector("a", [100, 1, 2, 3], mask: [0, 1, 1, 1])
        let b = try makeVector("b", [1, 1, 200], mask: [1, 1, 0])
        let plainA = try makeVector("a", [1, 2, 3])
        let plainB = try makeVector("b", [1, 1])
        for amount in [0.2, 0.5, 0.75] {
            #expect(
                try exact.pruneCounts(for: [a, b], amount: amount)
                    == exact.pruneCounts(for: [plainA, plainB], amount: amount))
        }
    }
}
