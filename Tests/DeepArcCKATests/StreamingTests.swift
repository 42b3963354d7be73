import DeepArcCKA
import DeepArcCore
import DeepArcTensor
import Testing

@Suite("Batches and memory budgets")
struct StreamingTests {
    /// The definition does not depend on how samples arrive (except cka.minibatch's own batches,
    /// which are global and so do not depend on it either). The running sums are kept in sample
    /// order, so the bits are the same.
    @Test("results do not depend on how the samples are split into batches", arguments: MetricID.allCases)
    func batchSplitInvariance(metric: MetricID) throws {
        let layers = try TestData.correlatedLayers(samples: 90, widths: [5, 12, 3], seed: 20)
        let whole = try metric.make().similarityMatrix(of: layers)
        let split = try similarity(metric.make(), layers, batches: [1, 7, 30, 13])
        #expect(whole == split)
        let again = try metric.make().similarityMatrix(of: layers)
        #expect(whole == again)  // deterministic
    }

    /// A budget of a few kilobytes forces many row blocks of the Grams (and, for cka.rbf, streamed
    /// statistics passes); the sum over blocks is exact, so only rounding may differ.
    @Test("a tiny memory budget streams many row blocks with the same result", arguments: MetricID.allCases)
    func memoryBudget(metric: MetricID) throws {
        let m = 97
        let layers = try TestData.correlatedLayers(samples: m, widths: [5, 33, 3], seed: 21)
        let budget = metric == .minibatch ? 2 * 1024 : 6 * 1024
        let blocks = GramCrossProducts.blockStarts(
            layerCount: 3, size: metric == .minibatch ? 40 : m, memoryBudget: budget)
        #expect(blocks.count >= 5)
        let roomy = try metric.make(batchSize: 40).similarityMatrix(of: layers)
        let tight = try metric.make(memoryBudget: budget, batchSize: 40).similarityMatrix(of: layers)
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(abs(roomy[i, j] - tight[i, j]) < 1e-6, "[\(i)][\(j)] \(roomy[i, j]) vs \(tight[i, j])")
            }
        }
        #expect(roomy.degenerate == tight.degenerate)
    }

    @Test("feature-space products in budget-sized slices give the same result")
    func featureSlices() throws {
        let layers = try TestData.correlatedLayers(samples: 80, widths: [40, 25, 2], seed: 22)
        for metric in [
            try LinearCKA(options: .init(form: .features)) as any SimilarityMetric,
            try GramCosine(options: .init(form: .features)),
        ] {
            let roomy = try metric.similarityMatrix(of: layers)
            let tight = try
                (metric is LinearCKA
                ? LinearCKA(options: .init(memoryBudget: 256, form: .features)) as any SimilarityMetric
                : GramCosine(options: .init(memoryBudget: 256, form: .features))).similarityMatrix(of: layers)
            for (a, b) in zip(roomy.values, tight.values) { #expect(abs(a - b) < 1e-6) }
        }
    }

    @Test("cka.minibatch batches are global: 3 + 3 + 3 samples make one batch of 8 and a dropped 1")
    func minibatchAcrossAdds() throws {
        let layers = try TestData.correlatedLayers(samples: 9, widths: [4, 6], seed: 23)
        let metric = try MinibatchCKA(options: .init(batchSize: 8))
        let split = try similarity(metric, layers, batches: [3, 3, 3])
        let first8 = try metric.similarityMatrix(of: layers.map { try TestData.rows($0, 0..<8) })
        #expect(split == first8)
        let grams = layers.map { Reference.linearGram(Matrix($0).rows(0..<8)) }
        #expect(abs(split[0, 1] - Reference.debiased(grams[0], grams[1])) < 1e-6)
    }

    @Test("an accumulator can be finalised, fed more samples, and finalised again", arguments: MetricID.allCases)
    func finalizeTwice(metric: MetricID) throws {
        let layers = try TestData.correlatedLayers(samples: 60, widths: [4, 6], seed: 24)
        var accumulator = try metric.make().makeAccumulator(layerCount: 2)
        try accumulator.add(layers.map { try TestData.rows($0, 0..<30) })
        let half = try accumulator.finalize()
        try accumulator.add(layers.map { try TestData.rows($0, 30..<60) })
        let whole = try accumulator.finalize()
        #expect(half == (try metric.make().similarityMatrix(of: layers.map { try TestData.rows($0, 0..<30) })))
        #expect(whole == (try metric.make().similarityMatrix(of: layers)))
    }
}
