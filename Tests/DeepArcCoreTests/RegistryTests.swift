import DeepArcCore
import Testing

@Suite("Registry")
struct RegistryTests {
    @Test func registersAndMakes() throws {
        var registry = Registry<any Partitioner>(kind: .partitioner)
        try registry.register(LinkSplitPartitioner.self, as: { $0 })
        #expect(registry.identifiers == ["test.links"])
        #expect(registry.contains("test.links"))
        let made = try registry.make(StrategyReference(name: "test.links", options: ["threshold": 0.5]))
        #expect(made.threshold == 0.5)
        #expect(try registry.make("test.links").threshold == 0.99)
    }

    @Test func unknownNameListsAvailableIdentifiers() throws {
        let registry = try StrategyRegistry().installing(StubPack.self)
        #expect(throws: DeepArcError.unknownStrategy(kind: "partitioner", name: "greedy", available: ["test.links"])) {
            try registry.partitioners.make("greedy")
        }
        #expect(
            throws: DeepArcError.unknownStrategy(kind: "similarity metric", name: "cka.linear", available: ["test.cka"])
        ) {
            try registry.similarityMetrics.make("cka.linear")
        }
        let message = DeepArcError.unknownStrategy(kind: "partitioner", name: "x", available: ["dp", "greedy"])
            .description
        #expect(message == "unknown partitioner 'x'; available: dp, greedy")
    }

    @Test func duplicatesThrow() throws {
        var registry = StrategyRegistry()
        try registry.register(LinkSplitPartitioner.self)
        #expect(throws: DeepArcError.duplicateStrategy(kind: "partitioner", name: "test.links")) {
            try registry.register(LinkSplitPartitioner.self)
        }
        #expect(throws: DeepArcError.duplicateStrategy(kind: "partitioner", name: "test.links")) {
            try registry.installing(StubPack.self)
        }
    }

    @Test(arguments: ["acme.cosine", "cka.linear", "a", "a-b_c.d2", "lamp"])
    func validIdentifiers(name: String) throws {
        try StrategyIdentifier.validate(name, kind: .similarity)
    }

    @Test(arguments: ["", "Greedy", "1abc", "a..b", ".a", "a.", "a b", "é", "-a", String(repeating: "a", count: 65)])
    func invalidIdentifiers(name: String) throws {
        #expect {
            var registry = Registry<Int>(kind: .compressor)
            try registry.register(name, summary: "x") { _ in 1 }
        } throws: { error in
            guard case .invalidIdentifier("compressor", let rejected, _) = error as? DeepArcError else { return false }
            return rejected == name
        }
    }

    @Test func packsListEveryKindWithDefaults() throws {
        let registry = try StrategyRegistry().installing(StubPack.self)
        #expect(registry.descriptions.map(\.kind) == [.similarity, .partitioner, .deviation, .compressor])
        #expect(registry.descriptions.map(\.identifier) == ["test.cka", "test.links", "test.mse", "test.uniform"])
        #expect(registry.identifiers(of: .deviation) == ["test.mse"])
        let links = try registry.partitioners.description(of: "test.links")
        #expect(links.summary == "splits at links below th")
        #expect(try links.defaultOptions.jsonString() == #"{"threshold":0.99}"#)
        #expect(try registry.compressors.description(of: "test.uniform").defaultOptions == [:])
        #expect(throws: DeepArcError.self) { try registry.partitioners.description(of: "nope") }
    }

    @Test func optionsThatDoNotDecodeFromEmptyAreRejectedAtRegistration() throws {
        var registry = StrategyRegistry()
        #expect {
            try registry.register(RequiredOptionPartitioner.self)
        } throws: { error in
            guard case .invalidOption("test.required", "threshold", _) = error as? DeepArcError else { return false }
            return true
        }
    }
}

@Suite("Strategy options")
struct StrategyOptionsTests {
    @Test func partialAndEmptyOptionsDecodeToDefaults() throws {
        #expect(try LinkSplitPartitioner.decodeOptions(from: nil) == .init(threshold: 0.99))
        #expect(try LinkSplitPartitioner.decodeOptions(from: [:]) == .init(threshold: 0.99))
        #expect(try LinkSplitPartitioner.decodeOptions(from: .null) == .init(threshold: 0.99))
        #expect(try LinkSplitPartitioner.decodeOptions(from: ["threshold": 0.5]) == .init(threshold: 0.5))
        #expect(try LinkSplitPartitioner.optionNames() == ["threshold"])
    }

    @Test func misspeltKeyFailsNamingItAndTheValidKeys() {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "test.links", option: "threshhold", reason: "unknown option; valid options: threshold")
        ) {
            try LinkSplitPartitioner.make(options: ["threshhold": 0.9])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "test.uniform", option: "amount",
                reason: "unknown option; valid options: none (this strategy takes no options)")
        ) {
            try ToyUniform.make(options: ["amount": 0.9])
        }
    }

    @Test func wrongTypesAndShapesNameTheOption() {
        #expect {
            try LinkSplitPartitioner.make(options: ["threshold": "high"])
        } throws: { error in
            guard case .invalidOption("test.links", "threshold", _) = error as? DeepArcError else { return false }
            return true
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "test.links", option: "options",
                reason: "must be a map of option names to values, got a number")
        ) {
            try LinkSplitPartitioner.make(options: 0.9)
        }
        // init(options:) validation surfaces through make.
        #expect {
            try LinkSplitPartitioner.make(options: ["threshold": 0])
        } throws: { error in
            guard case .invalidOption("test.links", "threshold", _) = error as? DeepArcError else { return false }
            return true
        }
    }
}
