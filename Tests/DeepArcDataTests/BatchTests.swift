import DeepArcData
import DeepArcTensor
import Foundation
import Testing

@Suite("Batching and augmentation")
struct BatchTests {
    /// n items of shape [1, 2, 3] whose values encode the item: item i, pixel p holds 100 i + p.
    static func dataset(_ n: Int) throws -> Dataset {
        let values = (0..<n).flatMap { item in (0..<6).map { Float(100 * item + $0) } }
        return try Dataset(
            images: try Tensor(shape: [n, 1, 2, 3], scalars: values), labels: (0..<n).map { $0 % 4 }, classCount: 4,
            name: "b")
    }

    @Test(arguments: [(10, 3, false), (10, 3, true), (12, 4, false), (5, 8, false), (5, 8, true)])
    func everyIndexOnceAndBatchesMatchTheirItems(count: Int, batchSize: Int, dropLast: Bool) throws {
        let data = try BatchTests.dataset(count)
        let batches = try Batches(dataset: data, batchSize: batchSize, dropLast: dropLast, seed: 9)
        for epoch in 0..<3 {
            var seen: [Int] = []
            var batchCount = 0
            for batch in batches.epoch(epoch) {
                batchCount += 1
                #expect(batch.count <= batchSize)
                #expect(batch.images.shape == [batch.count, 1, 2, 3])
                for (slot, index) in batch.indices.enumerated() {
                    #expect(batch.labels[slot] == index % 4)
                    #expect(batch.images.scalars[slot * 6] == Float(100 * index))
                }
                seen += batch.indices
            }
            #expect(batchCount == batches.batchCount)
            if dropLast {
                #expect(seen.count == count / batchSize * batchSize)
                #expect(Set(seen).count == seen.count)
            } else {
                #expect(seen.sorted() == Array(0..<count))
            }
        }
    }

    @Test func sameSeedSameOrder() throws {
        let data = try BatchTests.dataset(50)
        let a = try Batches(dataset: data, batchSize: 7, seed: 1)
        let b = try Batches(dataset: data, batchSize: 7, seed: 1)
        #expect(a.epoch(2).flatMap(\.indices) == b.epoch(2).flatMap(\.indices))
        #expect(a.epoch(0).flatMap(\.indices) != a.epoch(1).flatMap(\.indices))
        let c = try Batches(dataset: data, batchSize: 7, seed: 2)
        #expect(a.epoch(0).flatMap(\.indices) != c.epoch(0).flatMap(\.indices))
        let ordered = try Batches(dataset: data, batchSize: 7, shuffle: false)
        #expect(ordered.epoch(5).flatMap(\.indices) == Array(0..<50))
        #expect(a.order(epoch: 3) == a.epoch(3).flatMap(\.indices))
    }

    @Test func batchSizeAndAugmentationAreValidated() throws {
        let data = try BatchTests.dataset(4)
        #expect(errorKind { try Batches(dataset: data, batchSize: 0) } == "invalidArgument")
        #expect(
            errorKind { try Batches(dataset: data, batchSize: 2, augmentation: Augmentation(padding: -1)) }
                == "invalidArgument")
        #expect(
            errorKind { try Batches(dataset: data, batchSize: 2, augmentation: Augmentation(padding: 2)) }
                == "invalidArgument")
        let features = try Dataset(images: Tensor(zeros: [2, 3]), labels: [0, 1], classCount: 2, name: "f")
        #expect(
            errorKind { try Batches(dataset: features, batchSize: 2, augmentation: Augmentation(horizontalFlip: true)) }
                == "invalidArgument")
        #expect(throws: Never.self) { try Batches(dataset: features, batchSize: 2, augmentation: Augmentation()) }
    }

    @Test func identityAugmentationChangesNothing() throws {
        let data = try BatchTests.dataset(9)
        let plain = try Batches(dataset: data, batchSize: 4, seed: 3)
        let augmented = try Batches(
            dataset: data, batchSize: 4, seed: 3, augmentation: Augmentation(padding: 0, horizontalFlip: false))
        #expect(plain.epoch(1).map(\.images) == augmented.epoch(1).map(\.images))
    }

    /// Every augmented item equals the zero-padded, shifted (and possibly mirrored) original for some
    /// shift within the padding — checked by brute force over all candidates.
    @Test(arguments: [(1, false), (0, true), (2, true)])
    func augmentedItemsAreShiftsAndFlipsOfTheOriginal(padding: Int, flip: Bool) throws {
        let (channels, height, width) = (2, 5, 6)
        var generator = SeededGenerator(seed: 21)
        let images = Tensor.randomUniform(shape: [16, channels, height, width], in: 0.1...1, using: &generator)
        let data = try Dataset(images: images, labels: [Int](repeating: 0, count: 16), classCount: 1, name: "a")
        let batches = try Batches(
            dataset: data, batchSize: 5, seed: 4, augmentation: Augmentation(padding: padding, horizontalFlip: flip))
        var sawChange = false
        var sawFlip = false
        for batch in batches.epoch(0) {
            #expect(batch.images.shape == [batch.count, channels, height, width])
            for (slot, index) in batch.indices.enumerated() {
                let output = Array(
                    batch.images.scalars[(slot * channels * height * width)..<((slot + 1) * channels * height * width)])
                let input = Array(
                    images.scalars[(index * channels * height * width)..<((index + 1) * channels * height * width)])
                var match: (dy: Int, dx: Int, mirrored: Bool)?
                for dy in -padding...padding {
                    for dx in -padding...padding {
                        for mirrored in flip ? [false, true] : [false] where match == nil {
                            var candidate = [Float](repeating: 0, count: input.count)
                            for c in 0..<channels {
                                for y in 0..<height {
                                    for x in 0..<width {
                                        let sy = y + dy
                                        let sx = (mirrored ? width - 1 - x : x) + dx
                                        if sy >= 0, sy < height, sx >= 0, sx < width {
                                            candidate[(c * height + y) * width + x] =
                                                input[(c * height + sy) * width + sx]
                                        }
                                    }
                                }
                            }
                            if candidate == output { match = (dy, dx, mirrored) }
                        }
                    }
                }
                #expect(match != nil, "item \(index) is not a shift/flip of its original")
                if let match {
                    if match.dy != 0 || match.dx != 0 || match.mirrored { sawChange = true }
                    if match.mirrored { sawFlip = true }
                }
            }
        }
        #expect(sawChange)
        #expect(sawFlip == flip)
        // Seeded: the same epoch gives the same augmented batches.
        #expect(batches.epoch(0).map(\.images) == batches.epoch(0).map(\.images))
    }
}

@Suite("Batch buffer reuse")
struct BatchBufferTests {
    @Test func fullBatchesReuseOneBufferWhenTheCallerLetsGo() throws {
        let data = try BatchTests.dataset(40)
        let batches = try Batches(dataset: data, batchSize: 8, seed: 1)
        var iterator = batches.epoch(0)
        var addresses = Set<Int>()
        while let batch = iterator.next() {
            addresses.insert(batch.images.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })
        }
        #expect(addresses.count == 1)
        // A caller that keeps its batches gets distinct, intact copies.
        let kept = Array(batches.epoch(0))
        #expect(
            Set(kept.map { batch in batch.images.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } }).count
                == kept.count)
        for batch in kept {
            for (slot, index) in batch.indices.enumerated() {
                #expect(batch.images.scalars[slot * 6] == Float(100 * index))
            }
        }
    }
}
