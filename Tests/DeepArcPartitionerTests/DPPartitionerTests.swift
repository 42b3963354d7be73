import DeepArcCore
import DeepArcDP
import DeepArcTensor
import DeepArcTestKit
import Testing

/// Eq. 4 evaluated straight from its definition, and its optimum by enumerating every partition.
enum BruteForce {
    /// Every partition of `0..<n` into consecutive modules: bit k of `mask` splits after layer k.
    static func allPartitions(of n: Int) -> [Partition] {
        (0..<(1 << (n - 1))).map { mask in
            var starts = [0]
            for k in 0..<(n - 1) where mask & (1 << k) != 0 { starts.append(k + 1) }
            // Valid by construction.
            return (try? Partition(moduleStarts: starts, layerCount: n)) ?? .singletons(layerCount: n)
        }
    }

    /// Σ_k simmod(p_k) − c · Σ_{i<j in different modules} S[i][j] (NaN entries count 0), or nil when a
    /// multi-layer module has a NaN link or simmod ≤ th.
    static func objective(_ partition: Partition, _ s: SimilarityMatrix, c: Double, threshold: Double) -> Double? {
        var total = 0.0
        for module in partition.modules where module.count > 1 {
            var sum = 0.0
            for k in module.lowerBound..<module.upperBound {
                if s[k, k + 1].isNaN { return nil }
                sum += s[k, k + 1]
            }
            let simmod = sum / Double(module.count - 1)
            guard simmod > threshold else { return nil }
            total += simmod
        }
        var cross = 0.0
        for i in 0..<s.count {
            for j in (i + 1)..<max(i + 1, s.count) where !partition.sameModule(i, j) && !s[i, j].isNaN {
                cross += s[i, j]
            }
        }
        return total - c * cross
    }

    /// The optimal partition; among (near-)ties the one whose module starts, read from the last module
    /// backwards, are lexicographically smallest: that is "for each end, the smallest start wins".
    static func optimum(_ s: SimilarityMatrix, c: Double, threshold: Double) -> (partition: Partition, value: Double) {
        let scored = allPartitions(of: s.count).compactMap { p in
            objective(p, s, c: c, threshold: threshold).map { (p, $0) }
        }
        let best = scored.map(\.1).max() ?? 0
        let tied = scored.filter { $0.1 >= best - 1e-9 }
        let chosen = tied.min { lhs, rhs in
            Array(lhs.0.moduleStarts.reversed()).lexicographicallyPrecedes(Array(rhs.0.moduleStarts.reversed()))
        }
        return (chosen?.0 ?? .singletons(layerCount: s.count), best)
    }
}

@Suite("dp partitioner")
struct DPPartitionerTests {
    func dp(_ threshold: Double, _ pairs: DPPartitioner.Pairs = .unordered) throws -> DPPartitioner {
        try DPPartitioner(options: .init(threshold: threshold, pairs: pairs))
    }

    // MARK: - Brute force

    /// Continuous random matrices (entries in [−0.3, 1], some NaN): the optimum is unique.
    @Test(arguments: Array(1...12))
    func matchesBruteForceOnRandomMatrices(n: Int) throws {
        var generator = SeededGenerator(seed: UInt64(1000 + n))
        for trial in 0..<5 {
            let s = RandomMatrices.symmetric(count: n, in: -0.3...1, nanProbability: 0.12, using: &generator)
            for pairs in DPPartitioner.Pairs.allCases {
                for threshold in [0.3, 0.6, 0.9] {
                    let found = try dp(threshold, pairs).partition(s)
                    let expected = BruteForce.optimum(s, c: pairs.weight, threshold: threshold)
                    let value = try #require(BruteForce.objective(found, s, c: pairs.weight, threshold: threshold))
                    #expect(abs(value - expected.value) <= 1e-9, "n \(n) trial \(trial) \(pairs) th \(threshold)")
                    #expect(found == expected.partition, "n \(n) trial \(trial) \(pairs) th \(threshold)")
                }
            }
        }
    }

    /// Quantised matrices (multiples of 1/8, dyadic thresholds): exact ties and simmod == th occur,
    /// exercising the tie rule and the strict constraint.
    @Test(arguments: Array(2...12))
    func matchesBruteForceWithTies(n: Int) throws {
        var generator = SeededGenerator(seed: UInt64(2000 + n))
        for trial in 0..<10 {
            let s = RandomMatrices.symmetric(
                count: n, in: -0.25...1, quantum: 0.125, nanProbability: 0.08, using: &generator)
            for pairs in DPPartitioner.Pairs.allCases {
                for threshold in [0.25, 0.5, 0.75, 0.875] {
                    let found = try dp(threshold, pairs).partition(s)
                    let expected = BruteForce.optimum(s, c: pairs.weight, threshold: threshold)
                    #expect(found == expected.partition, "n \(n) trial \(trial) \(pairs) th \(threshold)")
                }
            }
        }
    }

    // MARK: - Hand-made matrices

    @Test func simmodMustExceedThresholdStrictly() throws {
        let s = matrix(links: [0.75])
        #expect(try dp(0.75).partition(s) == partition([[0], [1]]))
        // Merging gains simmod 0.75 and removes the cross pair 0.75: 0.75 > 0 − 0.75.
        #expect(try dp(0.74).partition(s) == partition([[0, 1]]))
    }

    @Test func tieGoesToTheSmallestStartOfTheLastModule() throws {
        // S01 = S12 = 15/16, S02 = −15/16, th = 1/2. Objectives (−c·T dropped, T = 15/16):
        // [0,1,2]: 15/16 + 15/16 = 15/8;  [0,1][2]: 15/16 + 15/16 = 15/8;  [0][1,2]: 15/8;  singletons: 0.
        // A three-way exact tie: for end 2 the smallest start, 0, wins.
        let s = matrix(links: [0.9375, 0.9375], extra: [[0, 2]: -0.9375])
        #expect(try dp(0.5).partition(s) == partition([[0, 1, 2]]))
    }

    @Test func tieIsResolvedPerEndNotPerFirstModule() throws {
        // S01 = S12 = 3/4, S02 = −2, th = 1/2. [0,1,2]: 3/4 + (3/4 + 3/4 − 2) = 1/4.
        // [0,1][2] and [0][1,2]: 3/4 + 3/4 = 3/2 each (an exact tie). For end 2, start 1 (module [1,2])
        // beats start 2 (module [2] after [0,1]).
        let s = matrix(links: [0.75, 0.75], extra: [[0, 2]: -2])
        #expect(try dp(0.5).partition(s) == partition([[0], [1, 2]]))
    }

    @Test func nanLinkMakesSegmentsInfeasible() throws {
        let s = matrix(links: [.nan, 1.0], extra: [[0, 2]: 1.0])
        #expect(try dp(0.5).partition(s) == partition([[0], [1, 2]]))
    }

    @Test func nanOffAdjacentEntryCountsAsZero() throws {
        // With S02 = NaN (0): [0,1,2] scores 3/4 + (3/4 + 3/4 + 0) = 9/4 > 3/2, so everything merges;
        // were NaN treated as very negative, [0][1,2] would win (see the test above).
        let s = matrix(links: [0.75, 0.75], extra: [[0, 2]: .nan])
        #expect(try dp(0.5).partition(s) == partition([[0, 1, 2]]))
    }

    @Test func orderedPairsDoubleThePenalty() throws {
        // S01 = 1, S12 = 0.6, S02 = −0.45, th = 0.5. Objectives without −c·T:
        // [0,1][2]: 1 + c;  [0,1,2]: 0.8 + 1.15c;  [0][1,2]: 0.6 + 0.6c.
        // c = 1: 2 > 1.95, so [0,1][2]. c = 2: 3.1 > 3, so [0,1,2].
        let s = matrix(links: [1.0, 0.6], extra: [[0, 2]: -0.45])
        #expect(try dp(0.5, .unordered).partition(s) == partition([[0, 1], [2]]))
        #expect(try dp(0.5, .ordered).partition(s) == partition([[0, 1, 2]]))
    }

    @Test func singleLayerAndAllLowLinks() throws {
        #expect(try dp(0.99).partition(RandomMatrices.matrix(rows: [[1]])) == partition([[0]]))
        #expect(try dp(0.99).partition(matrix(links: [0.9, 0.98, 0.5])) == partition([[0], [1], [2], [3]]))
    }

    @Test(arguments: [0, -1, 1.01, Double.nan, Double.infinity])
    func invalidThresholdIsRejected(threshold: Double) throws {
        #expect {
            try DPPartitioner(options: .init(threshold: threshold))
        } throws: { error in
            guard case .invalidOption("dp", "threshold", let reason) = error as? DeepArcError else { return false }
            return reason.contains("\(threshold)")
        }
    }

    @Test func lawsHold() throws {
        for pairs in DPPartitioner.Pairs.allCases {
            for threshold in [0.5, 0.95, 0.99, 1] {
                #expect(checkPartitionerLaws(try dp(threshold, pairs)).isEmpty)
            }
        }
    }
}
