import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("Dataset")
struct DatasetTests {
    /// Items i = 0..<n with every value equal to i, label i % classes; shape [n, 2, 1, 2].
    static func indexed(_ n: Int, classes: Int = 3) throws -> Dataset {
        let values = (0..<n).flatMap { [Float](repeating: Float($0), count: 4) }
        return try Dataset(
            images: try Tensor(shape: [n, 2, 1, 2], scalars: values), labels: (0..<n).map { $0 % classes },
            classCount: classes, name: "indexed")
    }

    @Test func initializerChecksItsParts() throws {
        let images = Tensor(zeros: [2, 1, 2, 2])
        #expect(errorKind { try Dataset(images: images, labels: [0], classCount: 2, name: "d") } == "invalidContents")
        #expect(
            errorKind { try Dataset(images: images, labels: [0, 2], classCount: 2, name: "d") } == "invalidContents")
        #expect(
            errorKind { try Dataset(images: images, labels: [0, -1], classCount: 2, name: "d") } == "invalidContents")
        #expect(
            errorKind { try Dataset(images: Tensor(zeros: [2, 3, 4]), labels: [0, 1], classCount: 2, name: "d") }
                == "invalidContents")
        let features = try Dataset(images: Tensor(zeros: [2, 5]), labels: [1, 0], classCount: 2, name: "d")
        #expect(features.sampleShape == [5])
        #expect(features.classCounts() == [1, 1])
    }

    @Test func subsetAndPrefixPickTheRightItems() throws {
        let data = try DatasetTests.indexed(10)
        let picked = try data.subset([7, 2, 7])
        #expect(picked.labels == [1, 2, 1])
        #expect(picked.images.scalars == [7, 7, 7, 7, 2, 2, 2, 2, 7, 7, 7, 7])
        #expect(picked.images.shape == [3, 2, 1, 2])
        #expect(errorKind { try data.subset([10]) } == "invalidArgument")
        #expect(errorKind { try data.subset([-1]) } == "invalidArgument")
        #expect(data.prefix(3).labels == [0, 1, 2])
        #expect(data.prefix(3).images.scalars.last == 2)
        #expect(data.prefix(100).count == 10)
        #expect(data.prefix(-5).count == 0)
    }

    @Test(arguments: [true, false])
    func splitIsDisjointCompleteAndSeeded(stratified: Bool) throws {
        let data = try DatasetTests.indexed(90)
        let (rest, holdout) = try data.split(holdoutFraction: 0.2, seed: 5, stratified: stratified)
        #expect(holdout.count == 18)
        #expect(rest.count == 72)
        // Item identity is its value.
        let restIDs = Set(stride(from: 0, to: rest.images.count, by: 4).map { Int(rest.images.scalars[$0]) })
        let holdoutIDs = Set(stride(from: 0, to: holdout.images.count, by: 4).map { Int(holdout.images.scalars[$0]) })
        #expect(restIDs.isDisjoint(with: holdoutIDs))
        #expect(restIDs.union(holdoutIDs) == Set(0..<90))
        if stratified { #expect(holdout.classCounts() == [6, 6, 6]) }
        let again = try data.split(holdoutFraction: 0.2, seed: 5, stratified: stratified)
        #expect(again.holdout.images == holdout.images)
        let other = try data.split(holdoutFraction: 0.2, seed: 6, stratified: stratified)
        #expect(other.holdout.images != holdout.images)
        #expect(errorKind { try data.split(holdoutFraction: 1.5, seed: 1) } == "invalidArgument")
    }

    @Test func stratifiedSplitRoundsByLargestRemainder() throws {
        // Class sizes 5, 3, 2 (labels i % 3 over 10 items would be 4,3,3 — build explicitly).
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]
        let data = try Dataset(images: Tensor(zeros: [10, 1]), labels: labels, classCount: 3, name: "d")
        let (_, holdout) = try data.split(holdoutFraction: 0.5, seed: 1)
        // Exact shares 2.5, 1.5, 1.0 → floors 2, 1, 1 (sum 4), one more to the largest remainder (class 0 wins the tie).
        #expect(holdout.classCounts() == [3, 1, 1])
    }

    @Test func normalizationStatisticsMatchTheDefinition() throws {
        // Two items, two channels of 2 values: channel 0 holds 1,3,5,7; channel 1 holds 2,2,2,6.
        let images = try Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 2, 2, 5, 7, 2, 6])
        let data = try Dataset(images: images, labels: [0, 1], classCount: 2, name: "d")
        let stats = data.normalizationStatistics()
        #expect(stats.mean == [4, 3])
        // Population variances: channel 0 (9+1+1+9)/4 = 5, channel 1 (1+1+1+9)/4 = 3.
        #expect(abs(stats.std[0] - Float(5).squareRoot()) < 1e-6)
        #expect(abs(stats.std[1] - Float(3).squareRoot()) < 1e-6)
        let normalized = try data.normalized(mean: stats.mean, std: stats.std)
        let again = normalized.normalizationStatistics()
        #expect(again.mean.allSatisfy { abs($0) < 1e-6 })
        #expect(again.std.allSatisfy { abs($0 - 1) < 1e-5 })
        #expect(abs(normalized.images.scalars[0] - (1 - 4) / Float(5).squareRoot()) < 1e-6)
        #expect(errorKind { try data.normalized(mean: [0], std: [1]) } == "invalidArgument")
        #expect(errorKind { try data.normalized(mean: [0, 0], std: [1, 0]) } == "invalidArgument")
        #expect(errorKind { try data.normalized(mean: [0, .nan], std: [1, 1]) } == "invalidArgument")
    }
}
