import DeepArcCore
import DeepArcPruning
import DeepArcTensor
import Testing

/// Global and LAMP against brute force on random layer sets, and the laws every compressor obeys.
@Suite("randomized: Global and LAMP against brute force")
struct RandomizedTests {
    static let amounts = [0.0, 0.05, 0.2, 0.5, 0.75, 0.9, 0.99]

    @Test(arguments: [UInt64(31), 32, 33, 34, 35, 36, 37, 38])
    func globalMatchesBruteForceAndHitsItsCountExactly(seed: UInt64) throws {
        let global = try GlobalMagnitudeCompressor(options: PruningOptions())
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            let total = unmaskedCounts(tensors).reduce(0, +)
            for amount in Self.amounts {
                let counts = try global.pruneCounts(for: tensors, amount: amount)
                #expect(counts == Reference.global(tensors, amount: amount))
                #expect(counts.reduce(0, +) == R(amount * Double(total)))
            }
        }
    }

    @Test(arguments: [UInt64(41), 42, 43, 44, 45, 46, 47, 48])
    func lampMatchesBruteForceAndIsMagnitudePruningOnItsScores(seed: UInt64) throws {
        let exact = try LAMPCompressor(options: .init())
        let official = try LAMPCompressor(options: .init(ties: .official))
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            let total = unmaskedCounts(tensors).reduce(0, +)
            for tensor in tensors {
                // Scores: bit-for-bit the O(n²) definition, and non-decreasing along the magnitude order.
                let order = Reference.magnitudeOrder(tensor, layer: 0)
                let scores = LAMPCompressor.scores(of: tensor)
                #expect(scores == Reference.lampScores(order.map(\.magnitude)))
                #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 <= $1 })
            }
            for amount in Self.amounts {
                let counts = try exact.pruneCounts(for: tensors, amount: amount)
                #expect(counts == Reference.lamp(tensors, amount: amount, official: false))
                let survivors = R((1 - amount) * Double(total))
                let kept = total - counts.reduce(0, +)
                #expect(amount == 0 || kept == max(survivors, 0))
                #expect(
                    try official.pruneCounts(for: tensors, amount: amount)
                        == Reference.lamp(tensors, amount: amount, official: true))
                // The pruned entries of each layer are a prefix of its magnitude order.
                let pruned = try exact.prune(tensors, amount: amount)
                for (layer, (before, after)) in zip(tensors, pruned).enumerated() {
                    let order = MagnitudePruning.magnitudeOrder(of: before)
                    let newMask = maskValues(after)
                    let removed = order.filter { newMask[$0] == 0 }
                    #expect(removed == Array(order.prefix(counts[layer])))
                }
            }
        }
    }

    @Test(arguments: [UInt64(51), 52, 53, 54])
    func everyCompressorObeysTheLaws(seed: UInt64) throws {
        let compressors: [any Compressor] = [
            try LAMPCompressor(options: .init()), try LAMPCompressor(options: .init(ties: .official)),
            try GlobalMagnitudeCompressor(options: PruningOptions()), try ERKCompressor(options: PruningOptions()),
            try UniformCompressor(options: PruningOptions()),
        ]
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            for compressor in compressors {
                for amount in Self.amounts {
                    let counts = try compressor.pruneCounts(for: tensors, amount: amount)
                    #expect(counts.count == tensors.count)
                    #expect(zip(counts, tensors).allSatisfy { $0 >= 0 && $0 <= $1.unmaskedCount })
                    #expect(try compressor.pruneCounts(for: tensors, amount: amount) == counts)
                    if amount == 0 { #expect(counts.allSatisfy { $0 == 0 }) }
                    // Masked weights never matter: scrambling them changes nothing.
                    let scrambled = try tensors.map { tensor in
                        let mask = maskValues(tensor)
                        let values = zip(tensor.weights.scalars, mask).map { $1 == 0 ? Float(1e6) : $0 }
                        return try makeTensor(tensor.name, tensor.shape, values, mask: tensor.mask?.scalars)
                    }
                    #expect(try compressor.pruneCounts(for: scrambled, amount: amount) == counts)
                }
            }
        }
    }
}
