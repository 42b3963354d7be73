import DeepArcCore
import DeepArcGreedy
import DeepArcTestKit
import Testing

@Suite("greedy partitioner")
struct GreedyPartitionerTests {
    func greedy(_ threshold: Double, _ criterion: GreedyPartitioner.Criterion) throws -> GreedyPartitioner {
        try GreedyPartitioner(options: .init(threshold: threshold, criterion: criterion))
    }

    @Test(arguments: GreedyPartitioner.Criterion.allCases)
    func linkEqualToThresholdJoins(criterion: GreedyPartitioner.Criterion) throws {
        // Dyadic values, so 0.75 ≥ 0.75 is exact: both criteria use ≥.
        let s = matrix(links: [0.75, 0.5, 0.75, 1.0])
        // link: 0.75 joins, 0.5 splits, 0.75 and 1 join.
        // mean: [0,1] mean 0.75 joins; adding 0.5 gives 0.625 < 0.75; [2,3] 0.75; adding 1 gives 0.875.
        #expect(try greedy(0.75, criterion).partition(s) == partition([[0, 1], [2, 3, 4]]))
    }

    @Test func meanMergesALowLinkThatLinkSplits() throws {
        // Links 1, 0.5, 1 at th = 0.75. link: split at 0.5. mean: [0…2] has mean 0.75 (joins), then
        // (1 + 0.5 + 1) / 3 = 0.833… joins.
        let s = matrix(links: [1.0, 0.5, 1.0])
        #expect(try greedy(0.75, .link).partition(s) == partition([[0, 1], [2, 3]]))
        #expect(try greedy(0.75, .mean).partition(s) == partition([[0, 1, 2, 3]]))
    }

    @Test func meanSplitsWhenTheRunningMeanDrops() throws {
        // Links 1, 0.5, 0.625 at th = 0.75. mean: [0…2] mean 0.75 joins; adding 0.625 gives
        // 2.125 / 3 = 0.708… < 0.75, so [3] starts. link: [0,1], [2], [3].
        let s = matrix(links: [1.0, 0.5, 0.625])
        #expect(try greedy(0.75, .mean).partition(s) == partition([[0, 1, 2], [3]]))
        #expect(try greedy(0.75, .link).partition(s) == partition([[0, 1], [2], [3]]))
    }

    @Test(arguments: GreedyPartitioner.Criterion.allCases)
    func nanLinkAlwaysSplits(criterion: GreedyPartitioner.Criterion) throws {
        let s = matrix(links: [1.0, .nan, 1.0])
        #expect(try greedy(0.5, criterion).partition(s) == partition([[0, 1], [2, 3]]))
    }

    @Test(arguments: GreedyPartitioner.Criterion.allCases)
    func nanOffAdjacentEntriesDoNotMatter(criterion: GreedyPartitioner.Criterion) throws {
        let s = matrix(links: [1.0, 1.0], extra: [[0, 2]: .nan])
        #expect(try greedy(0.9, criterion).partition(s) == partition([[0, 1, 2]]))
    }

    @Test(arguments: GreedyPartitioner.Criterion.allCases)
    func degenerateLayerIsASingleLayerModule(criterion: GreedyPartitioner.Criterion) throws {
        var rows = matrix(links: [1, 1, 1, 1], filler: 1).rows
        for k in 0..<5 {
            rows[2][k] = .nan
            rows[k][2] = .nan
        }
        let s = RandomMatrices.matrix(rows: rows)
        #expect(try greedy(0.99, criterion).partition(s) == partition([[0, 1], [2], [3, 4]]))
    }

    @Test func thresholdOneJoinsOnlyPerfectLinks() throws {
        let s = matrix(links: [1.0, 0.999_999, 1.0, 1.0])
        #expect(try greedy(1, .link).partition(s) == partition([[0, 1], [2, 3, 4]]))
        #expect(try greedy(1, .mean).partition(s) == partition([[0, 1], [2, 3, 4]]))
    }

    @Test func singleLayer() throws {
        let s = RandomMatrices.matrix(rows: [[1]])
        #expect(try greedy(0.99, .mean).partition(s) == partition([[0]]))
    }

    @Test func perCallThresholdOverridesOptions() throws {
        let s = matrix(links: [0.95, 0.95])
        let partitioner = try greedy(0.99, .link)
        #expect(try partitioner.partition(s) == partition([[0], [1], [2]]))
        #expect(try partitioner.partition(s, threshold: 0.9) == partition([[0, 1, 2]]))
    }

    @Test(arguments: [0, -0.1, 1.5, Double.nan])
    func invalidThresholdIsRejected(threshold: Double) throws {
        #expect {
            try GreedyPartitioner(options: .init(threshold: threshold))
        } throws: { error in
            guard case .invalidOption("greedy", "threshold", let reason) = error as? DeepArcError else { return false }
            return reason.contains("\(threshold)")
        }
        let valid = try greedy(0.9, .mean)
        #expect(throws: DeepArcError.self) { try valid.partition(matrix(links: [1]), threshold: threshold) }
    }

    @Test func lawsHold() throws {
        for criterion in GreedyPartitioner.Criterion.allCases {
            for threshold in [0.5, 0.95, 0.99, 1] {
                let violations = checkPartitionerLaws(try greedy(threshold, criterion))
                #expect(violations.isEmpty)
            }
        }
    }
}
