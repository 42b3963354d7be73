import DeepArcCore
import DeepArcPruning
import DeepArcTensor
import Testing

@Suite("pack, options and input validation")
struct RegistryAndValidationTests {
    func registry() throws -> StrategyRegistry { try StrategyRegistry().installing(PruningStrategies.self) }

    @Test func thePackInstallsAllFiveCompressors() throws {
        let registry = try registry()
        #expect(registry.compressors.identifiers == ["erk", "global", "lamp", "uniform", "uniform-plus"])
        #expect(throws: DeepArcError.duplicateStrategy(kind: "compressor", name: "lamp")) {
            try registry.installing(PruningStrategies.self)
        }
        #expect(
            try registry.compressors.description(of: "lamp").defaultOptions == [
                "ties": "exact", "ignore": [], "maxSparsity": [:],
            ])
        #expect(try registry.compressors.description(of: "erk").defaultOptions == ["ignore": [], "maxSparsity": [:]])
        // A compressor made by name prunes like the concrete type.
        let tensors = [try makeVector("a", [1, 2, 3]), try makeVector("b", [1, 1])]
        for name in registry.compressors.identifiers {
            let made = try registry.compressors.make(name)
            #expect(try made.pruneCounts(for: tensors, amount: 0.5).count == 2)
        }
    }

    @Test func optionsDecodePartiallyAndRejectMisspellings() throws {
        let official = try #require(
            try registry().compressors.make("lamp", options: ["ties": "official"]) as? LAMPCompressor)
        #expect(official.options == LAMPCompressor.Options(ties: .official))
        #expect(try LAMPCompressor.decodeOptions(from: nil) == LAMPCompressor.Options())
        #expect(
            try GlobalMagnitudeCompressor.decodeOptions(from: ["maxSparsity": ["fc": 0.5]])
                == PruningOptions(maxSparsity: ["fc": 0.5]))
        #expect(
            try UniformPlusCompressor.decodeOptions(from: ["ignore": ["conv1"]]) == PruningOptions(ignore: ["conv1"]))
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "lamp", option: "tie", reason: "unknown option; valid options: ignore, maxSparsity, ties")
        ) {
            try registry().compressors.make("lamp", options: ["tie": "official"])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "erk", option: "ignored", reason: "unknown option; valid options: ignore, maxSparsity")
        ) {
            try registry().compressors.make("erk", options: ["ignored": ["fc"]])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "lamp", option: "ties", reason: "'offical' is not one of exact, official")
        ) {
            try registry().compressors.make("lamp", options: ["ties": "offical"])
        }
        #expect(throws: DeepArcError.self) { try registry().compressors.make("global", options: ["ignore": "fc"]) }
        #expect(throws: DeepArcError.self) {
            try registry().compressors.make("uniform-plus", options: ["maxSparsity": ["fc": 2]])
        }
    }

    @Test func amountsFollowCoreValidation() throws {
        let tensors = [try makeVector("a", [1, 2, 3])]
        for compressor in try registry().compressors.identifiers.map({ try registry().compressors.make($0) }) {
            for amount in [1.0, -0.1, .nan, .infinity] {
                #expect(throws: DeepArcError.self) { try compressor.pruneCounts(for: tensors, amount: amount) }
            }
            #expect(try compressor.pruneCounts(for: tensors, amount: 0) == [0])
            #expect(throws: DeepArcError.self) { try compressor.pruneCounts(for: [], amount: 0.5) }
        }
    }

    @Test func nonFiniteAndEmptyLayersAreRejectedNamingTheLayer() throws {
        // Core's PrunableTensor refuses them, so a compressor never sees them.
        #expect(throws: DeepArcError.invalidPruning(tensor: "fc2.weight", reason: "weight 1 is not finite")) {
            try makeVector("fc2.weight", [1, .nan, 3])
        }
        #expect(throws: DeepArcError.invalidPruning(tensor: "conv", reason: "has no weights (shape [0, 3, 3, 3])")) {
            try PrunableTensor(name: "conv", weights: Tensor(zeros: [0, 3, 3, 3]))
        }
    }

    @Test func allMaskedLayersAreHandledByEveryMethod() throws {
        let tensors = [
            try makeShaped("conv", [2, 1, 2, 2], unmasked: 0), try makeShaped("fc1", [4, 5]),
            try makeShaped("fc2", [2, 5], unmasked: 0),
        ]
        for compressor in try registry().compressors.identifiers.map({ try registry().compressors.make($0) }) {
            let counts = try compressor.pruneCounts(for: tensors, amount: 0.5)
            #expect(counts[0] == 0 && counts[2] == 0)
            #expect(counts[1] <= 20)
        }
    }
}
