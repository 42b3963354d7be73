import DeepArcCore
import DeepArcPruning
import DeepArcTensor
import Testing

/// The `ignore` list and `maxSparsity` caps every compressor accepts.
@Suite("ignore list and per-layer caps")
struct LayerRulesTests {
    /// The five compressors with the same layer rules.
    func compressors(_ rules: PruningOptions) throws -> [any Compressor] {
        [
            try LAMPCompressor(options: .init(ignore: rules.ignore, maxSparsity: rules.maxSparsity)),
            try LAMPCompressor(options: .init(ties: .official, ignore: rules.ignore, maxSparsity: rules.maxSparsity)),
            try GlobalMagnitudeCompressor(options: rules), try UniformPlusCompressor(options: rules),
            try ERKCompressor(options: rules), try UniformCompressor(options: rules),
        ]
    }

    // MARK: - ignore

    @Test func ignoredTensorsGetZeroAndLeaveThePool() throws {
        let a = try makeVector("a", [0.1, 0.2])
        let b = try makeVector("b", [0.3, 0.4, 0.5, 0.6])
        let global = try GlobalMagnitudeCompressor(options: .init(ignore: ["a"]))
        // U = 4 (b only), P = 2.
        #expect(try global.pruneCounts(for: [a, b], amount: 0.5) == [0, 2])
        // Ignoring everything prunes nothing.
        for compressor in try compressors(.init(ignore: ["a", "b"])) {
            #expect(try compressor.pruneCounts(for: [a, b], amount: 0.5) == [0, 0])
        }
    }

    @Test func ignoredLayersAreNotUniformPlusFirstOrLast() throws {
        // Ignoring the conv stem: the first remaining layer is 2-D, so nothing stays dense.
        let tensors = [
            try makeShaped("conv", [2, 1, 2, 2]), try makeShaped("fc1", [4, 5]), try makeShaped("fc2", [3, 4]),
            try makeShaped("fc3", [2, 3]),
        ]
        let uniformPlus = try UniformPlusCompressor(options: .init(ignore: ["conv"]))
        // As the MLP fc1, fc2, fc3 alone: U = 38, P = 19, f = 1/2 → 10, 6, 3.
        #expect(try uniformPlus.pruneCounts(for: tensors, amount: 0.5) == [0, 10, 6, 3])
    }

    @Test(arguments: [UInt64(81), 82, 83, 84, 85, 86])
    func ignoringEqualsAllocatingOverTheRest(seed: UInt64) throws {
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) where tensors.count >= 2 {
            let ignored = Int(seed) % tensors.count
            let name = tensors[ignored].name
            let rest = tensors.enumerated().filter { $0.offset != ignored }.map(\.element)
            let with = try compressors(.init(ignore: [name]))
            let without = try compressors(.init())
            for (compressor, plain) in zip(with, without) {
                for amount in [0.2, 0.5, 0.9] {
                    let expected: [Int]
                    do {
                        expected = try plain.pruneCounts(for: rest, amount: amount)
                    } catch {
                        #expect(throws: DeepArcError.self) { try compressor.pruneCounts(for: tensors, amount: amount) }
                        continue
                    }
                    var full = expected
                    full.insert(0, at: ignored)
                    #expect(try compressor.pruneCounts(for: tensors, amount: amount) == full)
                }
            }
        }
    }

    @Test func namesThatMatchNoTensorAreErrors() throws {
        let tensors = [try makeVector("a", [1, 2]), try makeVector("b", [3, 4])]
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "global", option: "ignore", reason: "no prunable tensor is named 'fc9'; the tensors are a, b")
        ) {
            try GlobalMagnitudeCompressor(options: .init(ignore: ["fc9"])).pruneCounts(for: tensors, amount: 0.5)
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "lamp", option: "maxSparsity", reason: "no prunable tensor is named 'c'; the tensors are a, b"
            )
        ) {
            try LAMPCompressor(options: .init(maxSparsity: ["c": 0.5])).pruneCounts(for: tensors, amount: 0.5)
        }
    }

    // MARK: - maxSparsity

    @Test func badCapsAreRejectedNamingTheTensor() throws {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "erk", option: "maxSparsity.fc", reason: "must satisfy 0 ≤ cap ≤ 1; got 1.5")
        ) {
            try ERKCompressor(options: .init(maxSparsity: ["fc": 1.5]))
        }
        #expect(throws: DeepArcError.self) { try UniformCompressor(options: .init(maxSparsity: ["fc": -0.1])) }
        #expect(throws: DeepArcError.self) { try GlobalMagnitudeCompressor(options: .init(maxSparsity: ["fc": .nan])) }
        #expect(throws: DeepArcError.self) { try LAMPCompressor(options: .init(ignore: [""])) }
    }

    @Test func globalRedistributesTheExcessDownItsRanking() throws {
        let a = try makeVector("a", [1, 2, 3, 4])
        let b = try makeVector("b", [5, 6, 7, 8])
        // P = 6. Uncapped: all of a, then 5 and 6. a capped at 50% keeps R(0.5 × 4) = 2: 1, 2, then b's 5–8.
        #expect(try GlobalMagnitudeCompressor(options: .init()).pruneCounts(for: [a, b], amount: 0.75) == [4, 2])
        let capped = try GlobalMagnitudeCompressor(options: .init(maxSparsity: ["a": 0.5]))
        #expect(try capped.pruneCounts(for: [a, b], amount: 0.75) == [2, 4])
        #expect(try capped.prune([a, b], amount: 0.75).map(maskValues) == [[0, 0, 1, 1], [0, 0, 0, 0]])
        // Both capped at 50%: only 4 of the 6 can go.
        let tight = try GlobalMagnitudeCompressor(options: .init(maxSparsity: ["a": 0.5, "b": 0.5]))
        let error = try #require(throws: DeepArcError.self) { try tight.pruneCounts(for: [a, b], amount: 0.75) }
        #expect("\(error)".contains("global: amount 0.75 is unreachable"))
        #expect("\(error)".contains("the maxSparsity caps allow only 4"))
    }

    @Test func lampRedistributesTheExcessDownItsRanking() throws {
        let a = try makeVector("a", [1, 2, 3, 4])
        let b = try makeVector("b", [5, 6, 7, 8])
        // Scores a: 1/30, 4/29, 9/25, 1; b: 25/174, 36/149, 49/113, 1. S = 4 → prune 1/30, 4/29, 25/174, 36/149.
        #expect(try LAMPCompressor(options: .init()).pruneCounts(for: [a, b], amount: 0.5) == [2, 2])
        // a capped at 25% keeps R(3) = 3: after 1/30 the walk skips a's 4/29 and takes b's 25/174, 36/149, 49/113.
        for ties in LAMPCompressor.TieRule.allCases {
            let capped = try LAMPCompressor(options: .init(ties: ties, maxSparsity: ["a": 0.25]))
            #expect(try capped.pruneCounts(for: [a, b], amount: 0.5) == [1, 3])
        }
    }

    @Test func perLayerMethodsClampWithoutRedistributing() throws {
        let a = try makeVector("a", [1, 2, 3, 4])
        let b = try makeVector("b", [5, 6, 7, 8])
        // Uniform: R(3) = 3 each; a may lose 2.
        let uniform = try UniformCompressor(options: .init(maxSparsity: ["a": 0.5]))
        #expect(try uniform.pruneCounts(for: [a, b], amount: 0.75) == [2, 3])
        // ERK plans 63 and 39 (see ERKTests); b capped at 10% keeps R(0.9 × 250) = 225, so loses 25.
        let tensors = [try makeShaped("a", [16, 16]), try makeShaped("b", [10, 25])]
        let erk = try ERKCompressor(options: .init(maxSparsity: ["b": 0.1]))
        #expect(try erk.pruneCounts(for: tensors, amount: 0.2) == [63, 25])
        // Uniform+ plans 0, 13, 6 (see UniformPlusTests); fc1 capped at 0 sparsity stays dense.
        let convNet = [
            try makeShaped("conv", [2, 1, 2, 2]), try makeShaped("fc1", [4, 5]), try makeShaped("fc2", [2, 5]),
        ]
        let uniformPlus = try UniformPlusCompressor(options: .init(maxSparsity: ["fc1": 0]))
        #expect(try uniformPlus.pruneCounts(for: convNet, amount: 0.5) == [0, 0, 6])
    }

    @Test func aTensorAlreadySparserThanItsCapIsNotPruned() throws {
        // 1 of 4 unmasked, cap 50% → keeps at least 2 of the original 4: nothing more goes; masks never grow.
        let a = try makeVector("a", [1, 2, 3, 4], mask: [0, 0, 0, 1])
        let b = try makeVector("b", [5, 6, 7, 8])
        for compressor in try compressors(.init(maxSparsity: ["a": 0.5])) {
            guard let counts = try? compressor.pruneCounts(for: [a, b], amount: 0.5) else { continue }
            #expect(counts[0] == 0)
        }
    }

    @Test(arguments: [UInt64(91), 92, 93, 94, 95, 96])
    func cappedGlobalAndLAMPMatchTheBruteForceWalk(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for tensors in try RandomLayers.cases(seeds: seed..<(seed + 1)) {
            var caps: [Double?] = []
            for _ in tensors {
                caps.append(Bool.random(using: &generator) ? Double.random(in: 0...1, using: &generator) : nil)
            }
            var map: [String: Double] = [:]
            for (tensor, cap) in zip(tensors, caps) { if let cap { map[tensor.name] = cap } }
            let global = try GlobalMagnitudeCompressor(options: .init(maxSparsity: map))
            let exact = try LAMPCompressor(options: .init(maxSparsity: map))
            let official = try LAMPCompressor(options: .init(ties: .official, maxSparsity: map))
            for amount in [0.2, 0.5, 0.75, 0.9] {
                let cases: [(any Compressor, [Int]?)] = [
                    (global, Reference.global(tensors, amount: amount, caps: caps)),
                    (exact, Reference.lamp(tensors, amount: amount, official: false, caps: caps)),
                    (official, Reference.lamp(tensors, amount: amount, official: true, caps: caps)),
                ]
                for (compressor, expected) in cases {
                    if let expected {
                        let counts = try compressor.pruneCounts(for: tensors, amount: amount)
                        #expect(counts == expected)
                        // Every capped tensor keeps at least R((1 − c) × n) or what it had.
                        for (l, tensor) in tensors.enumerated() {
                            guard let cap = caps[l] else { continue }
                            let minimum = min(tensor.unmaskedCount, R((1 - cap) * Double(tensor.count)))
                            #expect(tensor.unmaskedCount - counts[l] >= minimum)
                        }
                    } else {
                        #expect(throws: DeepArcError.self) { try compressor.pruneCounts(for: tensors, amount: amount) }
                    }
                }
            }
        }
    }
}
