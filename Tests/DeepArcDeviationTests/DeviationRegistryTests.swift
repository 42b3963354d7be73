import DeepArcCore
import DeepArcDeviation
import DeepArcTensor
import Testing

@Suite("deviation pack and options")
struct DeviationRegistryTests {
    func registry() throws -> StrategyRegistry {
        try StrategyRegistry().installing(DeviationStrategies.self)
    }

    @Test func packRegistersBothMeasures() throws {
        let registry = try registry()
        #expect(registry.deviationMeasures.identifiers == ["explicit", "gaussian"])
        #expect(try registry.deviationMeasures.make("explicit").pairing == .paired)
        #expect(try registry.deviationMeasures.make("gaussian").pairing == .labelConditioned)
        #expect(throws: DeepArcError.duplicateStrategy(kind: "deviation measure", name: "explicit")) {
            try registry.installing(DeviationStrategies.self)
        }
        #expect(
            throws: DeepArcError.unknownStrategy(
                kind: "deviation measure", name: "mmd", available: ["explicit", "gaussian"])
        ) {
            try registry.deviationMeasures.make("mmd")
        }
    }

    @Test func defaultOptionsAreListed() throws {
        let registry = try registry()
        #expect(try registry.deviationMeasures.description(of: "explicit").defaultOptions == ["distance": "mse"])
        #expect(
            try registry.deviationMeasures.description(of: "gaussian").defaultOptions
                == ["reduction": "pool", "dimensions": 64, "seed": 0, "shrinkage": "ledoit-wolf", "fallback": "all"])
    }

    @Test func partialOptionsDecodeToDefaults() throws {
        #expect(try ExplicitDeviation.decodeOptions(from: nil) == ExplicitDeviation.Options(distance: .mse))
        #expect(try ExplicitDeviation.decodeOptions(from: ["distance": "cka"]) == .init(distance: .cka))
        #expect(
            try GaussianDeviation.decodeOptions(from: ["shrinkage": 0.25])
                == .init(reduction: .pool, dimensions: 64, seed: 0, shrinkage: .fixed(0.25)))
        #expect(
            try GaussianDeviation.decodeOptions(from: ["reduction": "projection", "dimensions": 16, "seed": 9])
                == .init(reduction: .projection, dimensions: 16, seed: 9, shrinkage: .ledoitWolf))
        #expect(try GaussianDeviation.decodeOptions(from: ["shrinkage": "ledoit-wolf"]) == .init())
        let made = try registry().deviationMeasures.make(
            StrategyReference(name: "gaussian", options: ["reduction": "projection"]))
        let gaussian = try #require(made as? GaussianDeviation)
        #expect(gaussian.options == .init(reduction: .projection))
    }

    @Test func misspeltOptionFailsNamingIt() throws {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "explicit", option: "distnace", reason: "unknown option; valid options: distance")
        ) {
            try registry().deviationMeasures.make("explicit", options: ["distnace": "cka"])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "gaussian", option: "reductoin",
                reason: "unknown option; valid options: dimensions, fallback, reduction, seed, shrinkage")
        ) {
            try registry().deviationMeasures.make("gaussian", options: ["reductoin": "pool"])
        }
    }

    @Test func badValuesFailNamingTheOption() throws {
        let registry = try registry()
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "explicit", option: "distance", reason: "'l2' is not one of mse, cka")
        ) {
            try registry.deviationMeasures.make("explicit", options: ["distance": "l2"])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "gaussian", option: "reduction", reason: "'max' is not one of pool, projection")
        ) {
            try registry.deviationMeasures.make("gaussian", options: ["reduction": "max"])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "gaussian", option: "shrinkage",
                reason: "'oas' is neither 'ledoit-wolf' nor a number in [0, 1]")
        ) {
            try registry.deviationMeasures.make("gaussian", options: ["shrinkage": "oas"])
        }
        let cases: [(ConfigValue, String)] = [
            (["shrinkage": 1.5], "shrinkage"), (["shrinkage": -0.1], "shrinkage"), (["shrinkage": true], "shrinkage"),
            (["dimensions": 0], "dimensions"), (["dimensions": 5000], "dimensions"),
            (["dimensions": 2.5], "dimensions"),
            (["seed": -1], "seed"), (["seed": 0.5], "seed"), (["distance": 3], "distance"),
        ]
        for (options, option) in cases {
            let name = option == "distance" ? "explicit" : "gaussian"
            #expect {
                try registry.deviationMeasures.make(name, options: options)
            } throws: { error in
                guard case .invalidOption(name, option, _) = error as? DeepArcError else { return false }
                return true
            }
        }
    }

    @Test func wholeNumberErrorsSayWhatIsWrong() throws {
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "gaussian", option: "dimensions",
                reason: "2.5 is not a whole number in -9000000000000000…9000000000000000")
        ) {
            try GaussianDeviation.decodeOptions(from: ["dimensions": 2.5])
        }
        #expect(
            throws: DeepArcError.invalidOption(
                strategy: "gaussian", option: "seed", reason: "-1.0 is not a whole number in 0…9007199254740992")
        ) {
            try GaussianDeviation.decodeOptions(from: ["seed": -1])
        }
    }

    @Test func optionsRoundTripThroughConfiguration() throws {
        let options = GaussianDeviation.Options(
            reduction: .projection, dimensions: 12, seed: 3, shrinkage: .fixed(0.4), fallback: .error)
        let value = try ConfigValue(encoding: options)
        #expect(value == ["reduction": "projection", "dimensions": 12, "seed": 3, "shrinkage": 0.4, "fallback": "error"])
        #expect(try GaussianDeviation.decodeOptions(from: value) == options)
    }
}
