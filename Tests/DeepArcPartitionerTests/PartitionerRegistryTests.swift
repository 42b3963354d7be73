import DeepArcCore
import DeepArcDP
import DeepArcGreedy
import Testing

@Suite("partitioner packs and options")
struct PartitionerRegistryTests {
    func registry() throws -> StrategyRegistry {
        try StrategyRegistry().installing(GreedyStrategies.self).installing(DPStrategies.self)
    }

    @Test func packsRegisterBothPartitioners() throws {
        let registry = try registry()
        #expect(registry.partitioners.identifiers == ["dp", "greedy"])
        #expect(throws: DeepArcError.duplicateStrategy(kind: "partitioner", name: "greedy")) {
            try registry.installing(GreedyStrategies.self)
        }
    }

    @Test func defaultOptionsAreListed() throws {
        let registry = try registry()
        let greedy = try registry.partitioners.description(of: "greedy")
        #expect(greedy.defaultOptions == ["threshold": 0.99, "criterion": "mean"])
        #expect(
            try registry.partitioners.description(of: "dp").defaultOptions == ["threshold": 0.99, "pairs": "unordered"])
    }

    @Test func partialOptionsDecodeToDefaults() throws {
        let link = try GreedyPartitioner.decodeOptions(from: ["criterion": "link"])
        #expect(link == GreedyPartitioner.Options(threshold: 0.99, criterion: .link))
        #expect(try GreedyPartitioner.decodeOptions(from: nil) == GreedyPartitioner.Options())
        #expect(
            try DPPartitioner.decodeOptions(from: ["threshold": 0.9])
                == DPPartitioner.Options(threshold: 0.9, pairs: .unordered))
        let made = try registry().partitioners.make(StrategyReference(name: "dp", options: ["pairs": "ordered"]))
        let dp = try #require(made as? DPPartitioner)
        #expect(dp.options == DPPartitioner.Options(threshold: 0.99, pairs: .ordered))
    }

    @Test func misspeltOptionFailsNamingIt() throws {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "greedy", option: "threshhold", reason: "unknown option; valid options: criterion, threshold")
        ) {
            try registry().partitioners.make("greedy", options: ["threshhold": 0.9])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "dp", option: "pair", reason: "unknown option; valid options: pairs, threshold")
        ) {
            try registry().partitioners.make("dp", options: ["pair": "ordered"])
        }
    }

    @Test func badValuesFailNamingTheOption() throws {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "greedy", option: "criterion", reason: "'avg' is not one of mean, link")
        ) {
            try registry().partitioners.make("greedy", options: ["criterion": "avg"])
        }
        #expect {
            try registry().partitioners.make("dp", options: ["threshold": "high"])
        } throws: { error in
            guard case .invalidOption("dp", "threshold", _) = error as? DeepArcError else { return false }
            return true
        }
        #expect {
            try registry().partitioners.make("greedy", options: ["threshold": 1.5])
        } throws: { error in
            guard case .invalidOption("greedy", "threshold", let reason) = error as? DeepArcError else { return false }
            return reason.contains("1.5")
        }
    }

    @Test func unknownPartitionerListsAvailable() throws {
        #expect(throws: DeepArcError.unknownStrategy(kind: "partitioner", name: "kmeans", available: ["dp", "greedy"]))
        {
            try registry().partitioners.make("kmeans")
        }
    }
}
