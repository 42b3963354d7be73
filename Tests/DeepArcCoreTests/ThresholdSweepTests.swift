import DeepArcCore
import DeepArcTestKit
import Testing

@Suite("ThresholdSweep")
struct ThresholdSweepTests {
    @Test func rowsByHand() throws {
        let m = SemanticArchitectureTests.matrix(links: [0.95, 0.92, 0.97])
        let sweep = try ThresholdSweep(
            matrix: m, partitioner: LinkSplitPartitioner(options: .init()), thresholds: [0.9, 0.93, 0.96, 0.99])
        #expect(sweep.partitioner == "test.links")
        #expect(
            sweep.rows == [
                .init(threshold: 0.9, moduleCount: 1, modularity: 1),  // every link ≥ 0.9
                .init(threshold: 0.93, moduleCount: 2, modularity: 1),  // split at 0.92: [0,1] [2,3]
                .init(threshold: 0.96, moduleCount: 3, modularity: 0.5),  // [0] [1] [2,3]
                .init(threshold: 0.99, moduleCount: 4, modularity: 0),
            ])
    }

    @Test func defaultThresholdsAreNinetyToNinetyNine() {
        #expect(ThresholdSweep.defaultThresholds == [0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99])
    }

    @Test func invalidThresholdThrows() throws {
        let m = SemanticArchitectureTests.matrix()
        #expect(throws: DeepArcError.self) {
            try ThresholdSweep(matrix: m, partitioner: LinkSplitPartitioner(options: .init()), thresholds: [0.9, 1.1])
        }
    }
}
