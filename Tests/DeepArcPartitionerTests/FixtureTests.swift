import DeepArcCore
import DeepArcDP
import DeepArcGreedy
import DeepArcTestKit
import Foundation
import Testing

/// The shared real-data fixture: the 54 × 54 block CKA matrix the DeepArc authors published for their
/// ResNet-110 on CIFAR-10 (`shared/fixtures/README.md`). Expected partitions come from
/// `specs/partitioning.md` (and, for `link`, from the paper's Figure 3).
@Suite("ResNet-110 fixture")
struct FixtureTests {
    static func loadFixture() throws -> SimilarityMatrix {
        let path = try #require(SharedFixtures.path("resnet110-block-cka.npy"), "no Package.swift above \(#filePath)")
        #expect(
            FileManager.default.fileExists(atPath: path),
            "fixture missing at \(path): CI clones shared/ beside the repository")
        return try NPYMatrix(contentsOf: path).similarityMatrix()
    }

    /// The multi-layer modules of a partition, as (first, last) pairs.
    static func multiLayer(_ partition: Partition) -> [[Int]] {
        partition.modules.filter { $0.count > 1 }.map { [$0.lowerBound, $0.upperBound] }
    }

    @Test func fixtureIsTheExpectedMatrix() throws {
        let matrix = try Self.loadFixture()
        #expect(matrix.count == 54)
        #expect(!matrix.degenerate.contains(true))
        for i in 0..<54 { #expect(abs(matrix[i, i] - 1) < 1e-6) }
    }

    @Test func greedyLinkReproducesFigure3() throws {
        let matrix = try Self.loadFixture()
        let greedy = try GreedyPartitioner(options: .init(threshold: 0.99, criterion: .link))
        let partition = try greedy.partition(matrix)
        #expect(partition.moduleCount == 26)
        #expect(Self.multiLayer(partition) == [[5, 9], [22, 35], [38, 49]])
        let architecture = try SemanticArchitecture(partition: partition, matrix: matrix, threshold: 0.99)
        // (5 + 14 + 12) layers in multi-layer modules out of 54.
        #expect(architecture.modularity == 31.0 / 54.0)
    }

    @Test func greedyMeanGivesTheSpecPartition() throws {
        let matrix = try Self.loadFixture()
        let greedy = try GreedyPartitioner(options: .init(threshold: 0.99, criterion: .mean))
        let partition = try greedy.partition(matrix)
        #expect(partition.moduleCount == 24)
        #expect(Self.multiLayer(partition) == [[5, 10], [22, 35], [38, 50]])
    }

    @Test func sweepOnFixtureMatchesSinglePartitions() throws {
        let matrix = try Self.loadFixture()
        let greedy = try GreedyPartitioner(options: .init(criterion: .link))
        let sweep = try ThresholdSweep(matrix: matrix, partitioner: greedy)
        #expect(sweep.rows.map(\.threshold) == [0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99])
        let last = try #require(sweep.rows.last)
        #expect(last.moduleCount == 26)
        #expect(last.modularity == 31.0 / 54.0)
        // A higher threshold never merges more under the link criterion: the module count grows.
        for (lower, higher) in zip(sweep.rows, sweep.rows.dropFirst()) {
            #expect(lower.moduleCount <= higher.moduleCount)
        }
    }

    @Test func lawsHoldOnFixture() throws {
        let matrix = try Self.loadFixture()
        checkPartitionerLaws(try GreedyPartitioner(options: .init(criterion: .link)), matrices: [matrix])
        checkPartitionerLaws(try GreedyPartitioner(options: .init(criterion: .mean)), matrices: [matrix])
        checkPartitionerLaws(try DPPartitioner(options: .init()), matrices: [matrix])
    }
}
