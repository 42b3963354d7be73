import DeepArcCore
import DeepArcPruning
import Testing

@Suite("global magnitude pruning")
struct GlobalTests {
    let global: GlobalMagnitudeCompressor

    init() throws { global = try GlobalMagnitudeCompressor(options: PruningOptions()) }

    @Test func prunesTheSmallestMagnitudesOfTheWholeModel() throws {
        let a = try makeVector("a", [0.1, -0.5, 0.3, 0.25])
        let b = try makeVector("b", [0.2, 0.05, -0.4, 0.6, 0.7, 0.01])
        // U = 10, a = 0.5 → P = 5: 0.01 (b), 0.05 (b), 0.1 (a), 0.2 (b), 0.25 (a).
        #expect(try global.pruneCounts(for: [a, b], amount: 0.5) == [2, 3])
        let pruned = try global.prune([a, b], amount: 0.5)
        #expect(maskValues(pruned[0]) == [0, 1, 1, 0])
        #expect(maskValues(pruned[1]) == [0, 0, 1, 1, 1, 0])
    }

    @Test func roundsThePrunedCountHalfToEven() throws {
        let a = try makeVector("a", [0.1, -0.5, 0.3, 0.25])
        let b = try makeVector("b", [0.2, 0.05, -0.4, 0.6, 0.7, 0.01])
        // 0.25 × 10 = 2.5 exactly → P = 2 (half away from zero would give 3).
        #expect(try global.pruneCounts(for: [a, b], amount: 0.25) == [0, 2])
        // 0.75 × 10 = 7.5 → P = 8 (even): everything but 0.6 and 0.7.
        #expect(try global.pruneCounts(for: [a, b], amount: 0.75) == [4, 4])
        // U = 5, 0.5 × 5 = 2.5 → P = 2.
        let c = try makeVector("c", [5, 4, 3, 2, 1])
        #expect(try global.pruneCounts(for: [c], amount: 0.5) == [2])
    }

    @Test func tiedMagnitudesGoByLayerThenFlatIndex() throws {
        // Across layers: U = 6, P = 3: 0.1 (b), then the 0.2s in order a[1], b[0], c[0].
        let a = try makeVector("a", [0.3, 0.2])
        let b = try makeVector("b", [-0.2, 0.1])
        let c = try makeVector("c", [0.2, 0.5])
        #expect(try global.pruneCounts(for: [a, b, c], amount: 0.5) == [1, 2, 0])
        let pruned = try global.prune([a, b, c], amount: 0.5)
        #expect(pruned.map(maskValues) == [[1, 0], [0, 0], [1, 1]])
        // Within a layer, equal magnitudes (−0.0 and +0.0 included) go by flat index.
        let d = try makeVector("d", [0.2, 0, -0.2, -0.0, 0.2, 0.9])
        #expect(try global.prune([d], amount: 0.5).map(maskValues) == [[0, 0, 1, 0, 1, 1]])
    }

    @Test func canEmptyAWholeLayer() throws {
        let small = try makeVector("small", [0.01, -0.02, 0.03])
        let large = try makeVector("large", [1, 2, 3, 4, 5])
        // U = 8, a = 0.5 → P = 4: all of `small`, then 1.
        #expect(try global.pruneCounts(for: [small, large], amount: 0.5) == [3, 1])
    }

    @Test func masksOnlyShrinkAndMaskedEntriesAreNeverCounted() throws {
        // Masked entries are the smallest; they must not be counted again.
        let a = try makeVector("a", [0.001, 0.002, 0.5, 0.6], mask: [0, 0, 1, 1])
        let b = try makeVector("b", [0.4, 0.7], mask: [1, 1])
        // U = 4, a = 0.5 → P = 2: 0.4 (b) and 0.5 (a).
        #expect(try global.pruneCounts(for: [a, b], amount: 0.5) == [1, 1])
        let pruned = try global.prune([a, b], amount: 0.5)
        #expect(pruned.map(maskValues) == [[0, 0, 0, 1], [0, 1]])
    }
}
