import DeepArcCore
import DeepArcPruning
import Testing

/// Rounds of a = 0.2 without retraining (`specs/pruning.md` §8).
@Suite("iterative pruning")
struct IterativeTests {
    /// Runs `rounds` rounds, checking after each that masks only shrink and exactly the counted
    /// entries were removed; returns the final tensors.
    func iterate(_ compressor: any Compressor, _ tensors: [PrunableTensor], rounds: Int) throws -> [PrunableTensor] {
        var current = tensors
        for _ in 0..<rounds {
            let counts = try compressor.pruneCounts(for: current, amount: 0.2)
            let next = try compressor.prune(current, amount: 0.2)
            for (l, (before, after)) in zip(current, next).enumerated() {
                let old = maskValues(before)
                let new = maskValues(after)
                #expect(zip(old, new).allSatisfy { $1 <= $0 })
                #expect(before.unmaskedCount - after.unmaskedCount == counts[l])
            }
            current = next
        }
        return current
    }

    @Test(arguments: [UInt64(61), 62, 63, 64, 65, 66])
    func iteratedGlobalAndLAMPEqualOneShotAtTheCumulativeSurvivorCount(seed: UInt64) throws {
        let compressors: [any Compressor] = [
            try GlobalMagnitudeCompressor(options: PruningOptions()), try LAMPCompressor(options: .init()),
        ]
        for values in [RandomLayers.Values.normal, .quantized] {
            let tensors = try RandomLayers.make(seed: seed, values: values, masked: false)
            let total = unmaskedCounts(tensors).reduce(0, +)
            for compressor in compressors {
                let iterated = try iterate(compressor, tensors, rounds: 5)
                let survivors = unmaskedCounts(iterated).reduce(0, +)
                // One shot from the dense tensors at the amount that leaves the same survivors.
                let amount = Double(total - survivors) / Double(total)
                guard amount < 1 else { continue }
                let oneShot = try compressor.prune(tensors, amount: amount)
                try #require(unmaskedCounts(oneShot).reduce(0, +) == survivors)
                #expect(oneShot.map(maskValues) == iterated.map(maskValues))
            }
        }
    }

    @Test(arguments: [UInt64(71), 72, 73])
    func everyMethodRunsFiveRoundsWithShrinkingMasks(seed: UInt64) throws {
        let compressors: [any Compressor] = [
            try LAMPCompressor(options: .init(ties: .official)), try ERKCompressor(options: PruningOptions()),
            try UniformCompressor(options: PruningOptions()),
        ]
        let tensors = try RandomLayers.make(seed: seed, values: .normal, masked: true)
        for compressor in compressors { _ = try iterate(compressor, tensors, rounds: 5) }
    }

    @Test func uniformPlusKeepsTheFirstConvDensePinsTheLastLayerAndFinallyStops() throws {
        let uniformPlus = try UniformPlusCompressor(options: PruningOptions())
        var tensors = [
            try makeShaped("conv", [4, 2, 3, 3]), try makeShaped("fc1", [12, 10]), try makeShaped("fc2", [3, 5]),
        ]
        // Round 1: U = 207, P = R(41.4) = 41, f = 41/135, q = R(10.44) = 10 ≥ m = R(3) = 3:
        // fc1 loses R(36.44) = 36, fc2 R(4.56) = 5. Later rounds follow §5 the same way; from round 3 on
        // fc2 is pinned at m = 3, and in round 5 P = R(17) = 17 exceeds the 13 pool weights.
        let expected = [[72, 84, 10], [72, 55, 6], [72, 31, 3], [72, 10, 3]]
        for state in expected {
            tensors = try uniformPlus.prune(tensors, amount: 0.2)
            #expect(unmaskedCounts(tensors) == state)
        }
        #expect(throws: DeepArcError.self) { try uniformPlus.prune(tensors, amount: 0.2) }
    }
}
