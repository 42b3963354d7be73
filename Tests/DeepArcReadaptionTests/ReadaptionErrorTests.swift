import DeepArcCore
import DeepArcData
import DeepArcDeviation
import DeepArcNN
import DeepArcTensor
import Foundation
import Testing

@Suite("Re-adaption errors")
struct ReadaptionErrorTests {
    @Test("empty D′, source count mismatch and sources out of range")
    func dataErrors() throws {
        let (train, _) = try blobs(samples: 32)
        #expect { try ReadaptionData(original: train, new: train.prefix(0)) } throws: { describes($0, "D′", "empty") }
        #expect { try ReadaptionData(original: train, new: train, sources: [0, 1]) } throws: {
            describes($0, "2 source indices", "32 samples")
        }
        var sources = Array(0..<32)
        sources[5] = 32
        #expect { try ReadaptionData(original: train, new: train, sources: sources) } throws: {
            describes($0, "source index 32", "sample 5")
        }
        let images = try tinyImages(samples: 8)
        #expect { try ReadaptionData(original: train, new: images) } throws: { describes($0, "shape") }
    }

    @Test("α = β = 0, negative weights and bad options are rejected by name")
    func optionErrors() throws {
        let measure = try ExplicitDeviation(options: .init())
        #expect { try ModularRetrainer(measure: measure, options: quickOptions(alpha: 0, beta: 0)) } throws: {
            describes($0, "alpha, beta")
        }
        #expect { try ModularRetrainer(measure: measure, options: quickOptions(alpha: -1, beta: 1)) } throws: {
            describes($0, "'alpha'")
        }
        #expect { try ModularRetrainer(measure: measure, options: quickOptions(epochs: 0)) } throws: {
            describes($0, "'epochs'")
        }
        #expect { try CriticalModuleLocator(measure: measure, top: 0) } throws: { describes($0, "'top'") }
    }

    @Test("a module index outside the architecture names the option and the module")
    func moduleOutOfRange() throws {
        #expect { try RetrainingScope.modules([3], of: [[0], [1], [2]]) } throws: {
            describes($0, "'modules'", "module 3", "3 modules")
        }
        #expect { try RetrainingScope.modules([], of: [[0]]) } throws: { describes($0, "'modules'") }
        let (model, train, _) = try trainedMLP()
        let data = try pairedData(train.prefix(16))
        let locator = try CriticalModuleLocator(measure: ExplicitDeviation(options: .init()))
        #expect { try locator.locate(in: model, moduleUnits: [[0], [7]], data: data) } throws: {
            describes($0, "module 1", "unit 7")
        }
    }

    @Test("a paired measure needs sources")
    func pairingNeedsSources() throws {
        let (model, train, _) = try trainedMLP()
        let data = try ReadaptionData(original: train, new: train.prefix(10))
        let locator = try CriticalModuleLocator(measure: ExplicitDeviation(options: .init()))
        #expect { try locator.locate(in: model, moduleUnits: [[0], [1]], data: data) } throws: {
            describes($0, "paired", "source")
        }
    }

    @Test("a class with too few samples for its Gaussian: the plugin's error with the module")
    func gaussianTooFewSamples() throws {
        let (model, train, _) = try trainedMLP()
        // D: classes 0–2 plus one sample of class 3.
        let keep = (0..<train.count).filter { train.labels[$0] != 3 } + [try #require(train.labels.firstIndex(of: 3))]
        let original = try train.subset(keep)
        let data = try ReadaptionData(original: original, new: original.prefix(20))
        let measure = try GaussianDeviation(options: .init())
        let retrainer = try ModularRetrainer(measure: measure, options: quickOptions())
        #expect {
            try retrainer.makeObjective(
                for: model, scope: RetrainingScope.modules([1], of: [[0], [1], [2]]), data: data)
        } throws: { describes($0, "module 1", "class 3", "at least 2") }
        let locator = try CriticalModuleLocator(measure: measure)
        #expect { try locator.locate(in: model, moduleUnits: [[0], [1]], data: data) } throws: {
            describes($0, "input", "class 3")
        }
    }

    @Test("a diverging loss stops with an error instead of training on")
    func divergence() throws {
        let (model, train, _) = try trainedMLP()
        let data = try pairedData(train.prefix(64))
        var options = quickOptions(epochs: 3)
        options.learningRate = 1e30
        let retrainer = try ModularRetrainer(measure: ExplicitDeviation(options: .init()), options: options)
        #expect {
            try retrainer.retrain(model, scope: RetrainingScope.modules([1], of: [[0], [1], [2]]), data: data)
        } throws: { describes($0, "diverged", "module 1", "epoch") }
    }

    @Test("options decode partially and reject unknown keys")
    func optionsDecoding() throws {
        let decoded = try JSONDecoder().decode(ModularRetrainer.Options.self, from: Data(#"{"beta": 2}"#.utf8))
        var expected = ModularRetrainer.Options()
        expected.beta = 2
        #expect(decoded == expected)
        #expect { try JSONDecoder().decode(ModularRetrainer.Options.self, from: Data(#"{"betta": 2}"#.utf8)) } throws: {
            describes($0, "betta")
        }
        let mutant = try JSONDecoder().decode(RepairMutator.Options.self, from: Data(#"{"targetDrop": 0.1}"#.utf8))
        #expect(mutant.targetDrop == 0.1)
        #expect(mutant.tolerance == 0.02)
    }
}
