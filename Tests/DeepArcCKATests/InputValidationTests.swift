import DeepArcCKA
import DeepArcCore
import DeepArcTensor
import Foundation
import Testing

@Suite("Bad activations and options")
struct InputValidationTests {
    @Test("layers with different sample counts are rejected, naming the layer", arguments: MetricID.allCases)
    func sampleCounts(metric: MetricID) throws {
        let a = Tensor(repeating: 1, shape: [10, 3])
        let b = Tensor(repeating: 1, shape: [9, 3])
        expectActivationsError(layer: 2, mentions: ["layer 2", "9 samples", "10"]) {
            _ = try metric.make().similarityMatrix(of: [a, a, b])
        }
    }

    @Test("NaN and infinite values are rejected, naming layer, sample and feature", arguments: MetricID.allCases)
    func nonFinite(metric: MetricID) throws {
        let good = try TestData.correlatedLayers(samples: 20, widths: [3, 4], seed: 30)
        for bad in [Float.nan, .infinity, -.infinity] {
            var values = good[1].scalars
            values[5 * 4 + 2] = bad  // sample 5, feature 2 of this batch
            let poisoned = try Tensor(shape: [20, 4], scalars: values)
            var accumulator = try metric.make().makeAccumulator(layerCount: 2)
            try accumulator.add(good)  // 20 samples before the bad batch
            expectActivationsError(layer: 1, mentions: ["layer 1", "sample 25", "feature 2"]) {
                try accumulator.add([good[0], poisoned])
            }
            // The failed batch left the accumulator as it was.
            try accumulator.add(good)
            let expected = try metric.make().similarityMatrix(
                of: good.map { layer in
                    try Tensor(shape: [40, layer.shape[1]], scalars: layer.scalars + layer.scalars)
                })
            #expect(try accumulator.finalize() == expected)
        }
    }

    @Test("other malformed batches", arguments: MetricID.allCases)
    func malformed(metric: MetricID) throws {
        let m = try metric.make()
        expectActivationsError(layer: nil, mentions: ["at least one layer", "0"]) {
            _ = try m.makeAccumulator(layerCount: 0)
        }
        var accumulator = try m.makeAccumulator(layerCount: 2)
        let a = Tensor(repeating: 1, shape: [6, 3])
        expectActivationsError(layer: nil, mentions: ["2 layers", "got 1"]) { try accumulator.add([a]) }
        expectActivationsError(layer: 1, mentions: ["layer 1", "scalar"]) {
            try accumulator.add([a, Tensor(scalar: 1)])
        }
        expectActivationsError(layer: 0, mentions: ["no features"]) {
            try accumulator.add([Tensor(zeros: [6, 0]), a])
        }
        try accumulator.add([a, a])
        expectActivationsError(layer: 1, mentions: ["layer 1", "4 features", "3"]) {
            try accumulator.add([a, Tensor(repeating: 1, shape: [6, 2, 2])])
        }
    }

    @Test(
        "too few samples",
        arguments: [(MetricID.gramCosine, 0), (.linear, 1), (.rbf, 1), (.debiased, 3), (.minibatch, 3)])
    func tooFewSamples(metric: MetricID, samples: Int) throws {
        let layer = try TestData.gaussian(samples: max(samples, 1), width: 3, seed: 31)
        var accumulator = try metric.make().makeAccumulator(layerCount: 1)
        if samples > 0 { try accumulator.add([layer]) }
        let needed = metric == .debiased || metric == .minibatch ? "4" : (metric == .gramCosine ? "1" : "2")
        expectActivationsError(layer: nil, mentions: [metric.rawValue, "at least \(needed)", "got \(samples)"]) {
            _ = try accumulator.finalize()
        }
        // One more sample than that works.
        let enough = try TestData.gaussian(samples: samples + 1, width: 3, seed: 32)
        #expect(try metric.make().similarityMatrix(of: [enough, enough]).count == 2)
    }

    @Test("invalid options name the option")
    func invalidOptions() {
        expectOptionError(strategy: "cka.minibatch", option: "batchSize") {
            _ = try MinibatchCKA(options: .init(batchSize: 3))
        }
        for fraction in [0, -1, Double.nan, .infinity] {
            expectOptionError(strategy: "cka.rbf", option: "sigmaFraction") {
                _ = try RBFCKA(options: .init(sigmaFraction: fraction))
            }
        }
        for tolerance in [-1e-3, 1, 1.5, .nan] {
            expectOptionError(strategy: "cka.linear", option: "degenerateTolerance") {
                _ = try LinearCKA(options: .init(degenerateTolerance: tolerance))
            }
            expectOptionError(strategy: "cka.debiased", option: "degenerateTolerance") {
                _ = try DebiasedCKA(options: .init(degenerateTolerance: tolerance))
            }
        }
        expectOptionError(strategy: "gram-cosine", option: "memoryBudget") {
            _ = try GramCosine(options: .init(memoryBudget: 0))
        }
        expectOptionError(strategy: "cka.rbf", option: "memoryBudget") {
            _ = try RBFCKA(options: .init(memoryBudget: -5))
        }
    }

    @Test("options decode from partial configurations and reject unknown keys")
    func decoding() throws {
        let decoder = JSONDecoder()
        let empty = Data("{}".utf8)
        #expect(try decoder.decode(LinearCKA.Options.self, from: empty) == LinearCKA.Options())
        #expect(try decoder.decode(GramCosine.Options.self, from: empty) == GramCosine.Options())
        #expect(try decoder.decode(RBFCKA.Options.self, from: empty) == RBFCKA.Options())
        #expect(try decoder.decode(DebiasedCKA.Options.self, from: empty) == DebiasedCKA.Options())
        #expect(try decoder.decode(MinibatchCKA.Options.self, from: empty) == MinibatchCKA.Options())
        #expect(MinibatchCKA.Options().batchSize == 256)
        #expect(RBFCKA.Options().sigmaFraction == 0.5)
        #expect(LinearCKA.Options().memoryBudget == 1 << 30)
        #expect(LinearCKA.Options().degenerateTolerance == 1e-5)

        let partial = try decoder.decode(MinibatchCKA.Options.self, from: Data(#"{"batchSize": 32}"#.utf8))
        #expect(partial == MinibatchCKA.Options(batchSize: 32))
        let rbf = try decoder.decode(RBFCKA.Options.self, from: Data(#"{"sigmaFraction": 1.5}"#.utf8))
        #expect(rbf == RBFCKA.Options(sigmaFraction: 1.5))
        let form = try decoder.decode(LinearCKA.Options.self, from: Data(#"{"form": "features"}"#.utf8))
        #expect(form.form == .features)

        expectOptionError(strategy: "cka.minibatch", option: "batchsize") {
            _ = try decoder.decode(MinibatchCKA.Options.self, from: Data(#"{"batchsize": 32}"#.utf8))
        }
        let options = RBFCKA.Options(sigmaFraction: 2, memoryBudget: 4096, degenerateTolerance: 1e-3)
        #expect(try decoder.decode(RBFCKA.Options.self, from: JSONEncoder().encode(options)) == options)
    }
}
