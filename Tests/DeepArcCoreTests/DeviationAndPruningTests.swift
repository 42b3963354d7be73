import DeepArcCore
import DeepArcTensor
import Testing

@Suite("Deviation value types")
struct DeviationTypesTests {
    @Test func referenceValidation() throws {
        let good = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let reference = try ReferenceRepresentations(representations: good, labels: [0, 1], predictions: [0, 0])
        #expect(reference.sampleCount == 2)
        #expect(reference.featureCount == 3)
        #expect(throws: DeepArcError.self) { try ReferenceRepresentations(representations: Tensor(scalar: 1)) }
        #expect(throws: DeepArcError.self) { try ReferenceRepresentations(representations: Tensor(zeros: [0, 3])) }
        #expect(throws: DeepArcError.invalidActivations(layer: nil, reason: "3 reference labels for 2 samples")) {
            try ReferenceRepresentations(representations: good, labels: [0, 1, 2])
        }
        #expect(throws: DeepArcError.self) {
            try ReferenceRepresentations(representations: good, predictions: [0, -1])
        }
        let poisoned = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, .nan, 6])
        #expect(
            throws: DeepArcError.invalidActivations(
                layer: nil, reason: "reference representations hold a non-finite value at sample 1")
        ) {
            try ReferenceRepresentations(representations: poisoned)
        }
        #expect(throws: DeepArcError.self) { try DeviationBatch(representations: good, sources: [0]) }
        #expect(throws: DeepArcError.self) { try DeviationBatch(representations: poisoned, labels: [0, 0]) }
    }

    @Test func aPairedMeasureFitsAndScoresThroughTheProtocol() throws {
        let measure: any DeviationMeasure = try ToyDeviation.make(options: nil)
        #expect(measure.pairing == .paired)
        let clean = try Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
        let fitted = try measure.fit(ReferenceRepresentations(representations: clean))
        #expect(fitted.featureCount == 2)
        // D′ equals its sources: deviation 0 (law 4).
        let same = try fitted.deviation(of: DeviationBatch(representations: clean, sources: [0, 1]))
        #expect(same.value == 0)
        // Swapped sources: mean of ((1−3)² + (2−4)² + (3−1)² + (4−2)²) / 4 = 4.
        let swapped = try fitted.deviation(of: DeviationBatch(representations: clean, sources: [1, 0]))
        #expect(swapped.value == 4)
        #expect(swapped.gradient.shape == [2, 1, 2])
        #expect(swapped.gradient.scalars == [-1, -1, 1, 1])
        #expect(throws: DeepArcError.self) { try fitted.deviation(of: DeviationBatch(representations: clean)) }
    }
}

@Suite("Pruning value types")
struct PruningTests {
    func tensor(_ values: [Float], mask: [Float]? = nil, name: String = "w") throws -> PrunableTensor {
        let weights = try Tensor(shape: [values.count], scalars: values)
        return try PrunableTensor(
            name: name, weights: weights, mask: mask.map { try Tensor(shape: [values.count], scalars: $0) })
    }

    @Test func validation() throws {
        #expect(throws: DeepArcError.invalidPruning(tensor: "fc", reason: "weight 1 is not finite")) {
            try tensor([1, .infinity], name: "fc")
        }
        #expect(throws: DeepArcError.invalidPruning(tensor: "w", reason: "mask entry 0 is neither 0 nor 1")) {
            try tensor([1, 2], mask: [0.5, 1])
        }
        #expect(throws: DeepArcError.self) {
            try PrunableTensor(name: "w", weights: Tensor(zeros: [2]), mask: Tensor(zeros: [3]))
        }
        #expect(throws: DeepArcError.self) { try PrunableTensor(name: "w", weights: Tensor(zeros: [0])) }
        #expect(try tensor([1, 2, 3], mask: [1, 0, 1]).unmaskedCount == 2)
        #expect(try tensor([1, 2, 3]).unmaskedCount == 3)
    }

    @Test func magnitudeOrderBreaksTiesByIndexAndSkipsMaskedEntries() throws {
        // |w| = 0.5, 0.1, 0, 0, 0.1, 2 → ascending, ties by index: 2, 3, 1, 4, 0, 5.
        let w: [Float] = [0.5, -0.1, 0.0, -0.0, 0.1, 2]
        #expect(MagnitudePruning.magnitudeOrder(of: try tensor(w)) == [2, 3, 1, 4, 0, 5])
        let masked = try tensor(w, mask: [1, 1, 0, 1, 0, 1])
        #expect(MagnitudePruning.magnitudeOrder(of: masked) == [3, 1, 0, 5])
        // Pruning 3 more: entries 3, 1, 0 go; 2 and 4 stay masked (masks only shrink).
        #expect(try MagnitudePruning.mask(for: masked, pruning: 3).scalars == [0, 0, 0, 0, 0, 1])
        #expect(try MagnitudePruning.mask(for: masked, pruning: 0).scalars == [1, 1, 0, 1, 0, 1])
        #expect(throws: DeepArcError.invalidPruning(tensor: "w", reason: "cannot prune 5 of its 4 unmasked weights")) {
            try MagnitudePruning.mask(for: masked, pruning: 5)
        }
        #expect(throws: DeepArcError.self) { try MagnitudePruning.mask(for: masked, pruning: -1) }
        #expect(throws: DeepArcError.self) { try MagnitudePruning.applying([1], to: [masked, masked]) }
    }

    @Test func compressorCountsBecomeMasks() throws {
        let compressor: any Compressor = try ToyUniform.make(options: nil)
        let tensors = [try tensor([5, 4, 3, 2, 1]), try tensor([1, 2, 3, 4, 5, 6, 7])]
        // R(0.5 · 5) = R(2.5) = 2 and R(0.5 · 7) = R(3.5) = 4 (ties to even).
        #expect(try compressor.pruneCounts(for: tensors, amount: 0.5) == [2, 4])
        let pruned = try compressor.prune(tensors, amount: 0.5)
        #expect(pruned.map(\.unmaskedCount) == [3, 3])
        #expect(pruned[0].mask?.scalars == [1, 1, 1, 0, 0])
        for amount in [1.0, -0.1, .nan] {
            #expect(throws: DeepArcError.self) { try compressor.pruneCounts(for: tensors, amount: amount) }
        }
    }
}
