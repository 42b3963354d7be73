import DeepArcCore
import Foundation
import Testing

@Suite("ConfigValue")
struct ConfigValueTests {
    @Test func decodesEveryKindOfJSONValue() throws {
        let json = #"{"a": [1, true, null, "x", {"b": 2.5}], "c": -3e2}"#
        let value = try JSONDecoder().decode(ConfigValue.self, from: Data(json.utf8))
        #expect(
            value
                == .object([
                    "a": .array([.number(1), .bool(true), .null, .string("x"), .object(["b": .number(2.5)])]),
                    "c": .number(-300),
                ]))
        #expect(value.objectKeys == ["a", "c"])
        #expect(value.kindName == "object")
    }

    @Test func roundTripsThroughJSON() throws {
        let value: ConfigValue = ["threshold": 0.95, "criterion": "link", "flags": [true, false], "none": nil]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(ConfigValue.self, from: data) == value)
        #expect(try value.jsonString() == #"{"criterion":"link","flags":[true,false],"none":null,"threshold":0.95}"#)
    }

    @Test func decodesIntoDecodableTypes() throws {
        struct Sample: Decodable, Equatable { var count: Int; var name: String }
        #expect(try ConfigValue.object(["count": 3, "name": "x"]).decode(Sample.self) == Sample(count: 3, name: "x"))
        #expect(try ConfigValue.number(3).decode(Int.self) == 3)
        #expect(throws: DecodingError.self) { try ConfigValue.number(3.5).decode(Int.self) }
        #expect(throws: DecodingError.self) { try ConfigValue.string("3").decode(Int.self) }
        #expect(try ConfigValue(encoding: ["b": 1.5]) == ["b": 1.5])
    }

    @Test func nonFiniteNumbersCannotBeWritten() {
        #expect(throws: DeepArcError.self) { try ConfigValue.number(.nan).jsonString() }
    }
}

@Suite("StrategyReference and PipelineConfiguration")
struct PipelineConfigurationTests {
    func decode(_ json: String) throws -> PipelineConfiguration {
        try JSONDecoder().decode(PipelineConfiguration.self, from: Data(json.utf8))
    }

    @Test func emptyConfigurationIsTheDefault() throws {
        let configuration = try decode("{}")
        #expect(configuration == .default)
        #expect(configuration.model == .init(arch: "resnet20"))
        #expect(configuration.data == .init(dataset: "fashion-mnist", samples: 1000))
        #expect(configuration.similarity == StrategyReference(name: "cka.linear"))
        #expect(configuration.partitioner == StrategyReference(name: "greedy"))
        #expect(configuration.compressor == StrategyReference(name: "lamp"))
        #expect(configuration.deviation == StrategyReference(name: "gaussian"))
    }

    @Test func designExampleDecodes() throws {
        let configuration = try decode(
            """
            {"model": {"checkpoint": "runs/resnet20.safetensors"},
             "data": {"dataset": "fashion-mnist", "samples": 1000},
             "similarity": {"name": "cka.linear"},
             "partitioner": {"name": "greedy", "options": {"threshold": 0.99, "criterion": "mean"}},
             "compressor": {"name": "lamp", "options": {"amountPerRound": 0.2, "maxRounds": 10, "maxAccuracyDrop": 0.01}},
             "deviation": {"name": "gaussian"}}
            """)
        #expect(configuration.model == .init(checkpoint: "runs/resnet20.safetensors"))
        #expect(configuration.model.arch == nil)
        #expect(
            configuration.partitioner
                == StrategyReference(name: "greedy", options: ["threshold": 0.99, "criterion": "mean"]))
        #expect(configuration.compressor.options == ["amountPerRound": 0.2, "maxRounds": 10, "maxAccuracyDrop": 0.01])
        let again = try JSONDecoder().decode(PipelineConfiguration.self, from: JSONEncoder().encode(configuration))
        #expect(again == configuration)
    }

    @Test func partialConfigurationKeepsOtherDefaults() throws {
        let configuration = try decode(#"{"partitioner": "dp", "data": {"samples": 64, "dataDir": "/tmp/d"}}"#)
        #expect(configuration.partitioner == StrategyReference(name: "dp"))
        #expect(configuration.data == .init(dataset: "fashion-mnist", samples: 64, dataDir: "/tmp/d"))
        #expect(configuration.similarity == PipelineConfiguration.default.similarity)
        #expect(configuration.model == .default)
    }

    @Test func unknownKeysAreErrorsNamingThem() throws {
        #expect(
            throws: DeepArcError.invalidConfiguration(
                reason:
                    "unknown key 'simlarity' in the configuration's top level; valid keys: compressor, data, deviation, model, output, partitioner, similarity, tasks, training"
            )
        ) {
            try decode(#"{"simlarity": {"name": "cka.linear"}}"#)
        }
        #expect(
            throws: DeepArcError.invalidConfiguration(
                reason: "unknown key 'sample' in data; valid keys: dataDir, dataset, evaluationSamples, samples")
        ) {
            try decode(#"{"data": {"sample": 10}}"#)
        }
        #expect(
            throws: DeepArcError.invalidConfiguration(
                reason: "unknown key 'option' in a strategy reference; valid keys: name, options")
        ) {
            try decode(#"{"partitioner": {"name": "dp", "option": {}}}"#)
        }
        #expect(throws: DeepArcError.self) { try decode(#"{"model": {"checkpoint": "a", "arch": "b"}}"#) }
        #expect(throws: DeepArcError.self) { try decode(#"{"model": {"path": "a"}}"#) }
        #expect(throws: DeepArcError.self) { try decode(#"{"data": {"samples": 0}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"partitioner": {"options": {}}}"#) }
    }
}

@Suite("Pipeline configuration: training and tasks")
struct PipelineTrainingConfigurationTests {
    func decode(_ json: String) throws -> PipelineConfiguration {
        try JSONDecoder().decode(PipelineConfiguration.self, from: Data(json.utf8))
    }

    @Test func trainingAndTasksDecodePartially() throws {
        let configuration = try decode(
            #"{"training": {"epochs": 3, "samples": 500}, "tasks": ["layer-removal"], "output": "out"}"#)
        #expect(configuration.training.epochs == 3)
        #expect(configuration.training.samples == 500)
        #expect(configuration.training.batchSize == 128)
        #expect(configuration.training.effectiveLearningRate == 0.1)
        #expect(configuration.tasks == [.layerRemoval])
        #expect(configuration.output == "out")
        #expect(try decode("{}").tasks == [.modularize, .layerRemoval])
    }

    @Test func badTrainingAndTaskValuesAreNamed() throws {
        #expect(throws: DeepArcError.self) { try decode(#"{"training": {"epoch": 3}}"#) }
        #expect(throws: DeepArcError.self) { try decode(#"{"tasks": ["prune"]}"#) }
        #expect(throws: DeepArcError.self) { try decode(#"{"data": {"evaluationSamples": 0}}"#) }
        var training = TrainingConfiguration()
        training.samples = 0
        #expect(throws: DeepArcError.invalidConfiguration(reason: "training.samples must be at least 1, got 0")) {
            try training.validate()
        }
    }
}
