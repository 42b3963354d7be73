import DeepArcCore
import DeepArcDeviation
import DeepArcTensor
import DeepArcTestKit
import Foundation
import Testing

@Suite("explicit deviation")
struct ExplicitDeviationTests {
    func fitted(_ distance: ExplicitDeviation.Distance, reference: Tensor) throws -> ExplicitDeviation.Fitted {
        try ExplicitDeviation(options: .init(distance: distance))
            .fitPairs(ReferenceRepresentations(representations: reference))
    }

    // MARK: - Values by hand

    @Test func mseByHand() throws {
        let reference = try tensor([[1, 2], [3, 4], [5, 6]])
        let measure = try fitted(.mse, reference: reference)
        // Pairs: (2,2) vs (5,6): 9 + 16 = 25; (3,1) vs (1,2): 4 + 1 = 5. Mean of ‖·‖²/2: (12.5 + 2.5) / 2.
        let batch = try DeviationBatch(representations: tensor([[2, 2], [3, 1]]), sources: [2, 0])
        let result = try measure.deviation(of: batch)
        #expect(result.value == 7.5)
        // 2 (x − y) / (b · d) = (x − y) / 2.
        #expect(result.gradient.shape == [2, 2])
        #expect(result.gradient.scalars == [-1.5, -2, 1, -0.5])
        // A batch equal to its sources deviates by 0 (law 4), and the value grows with the offset.
        let same = try measure.deviation(of: DeviationBatch(representations: reference, sources: [0, 1, 2]))
        #expect(same.value == 0)
        #expect(same.gradient.scalars.allSatisfy { $0 == 0 })
        var previous = 0.0
        for offset in [0.5, 1.0, 2.0] {
            let moved = reference.map { $0 + Float(offset) }
            let value = try measure.deviation(of: DeviationBatch(representations: moved, sources: [0, 1, 2])).value
            #expect(value == offset * offset)
            #expect(value > previous)
            previous = value
        }
    }

    @Test func ckaByHand() throws {
        // One feature: X = (1, 2, 3), Y = (1, 3, 2). Centred: (−1, 0, 1) and (−1, 1, 0), so
        // CKA = ⟨x, y⟩² / (‖x‖² ‖y‖²) = 1 / 4 and the deviation is 3/4.
        let measure = try fitted(.cka, reference: tensor([[1], [3], [2]]))
        let batch = try DeviationBatch(representations: tensor([[1], [2], [3]]), sources: [0, 1, 2])
        #expect(isClose(try measure.deviation(of: batch).value, 0.75, rtol: 1e-12))
        // With two pairs both centred sets are rank one (±v/2), so CKA is 1 whatever the points.
        let two = try fitted(.cka, reference: tensor([[1, 0, 2], [4, -1, 0]]))
        let pair = try DeviationBatch(representations: tensor([[7, 1, 1], [0, 3, -2]]), sources: [1, 0])
        #expect(abs(try two.deviation(of: pair).value) < 1e-12)
    }

    @Test func ckaIsZeroForIdenticalAndOrthogonallyTransformedSets() throws {
        let reference = try randomTensor([6, 3], seed: 11)
        let measure = try fitted(.cka, reference: reference)
        let sources = Array(0..<6)
        let identical = try measure.deviation(of: DeviationBatch(representations: reference, sources: sources))
        #expect(abs(identical.value) < 1e-12)
        #expect(identical.gradient.scalars.allSatisfy { abs($0) < 1e-6 })
        // 2.5 · Y Q + t for a Householder reflection Q = I − 2vvᵀ/‖v‖² (orthogonal), and a shift t:
        // linear CKA is invariant to all three.
        let v = [1.0, -2.0, 0.5]
        let shift = [3.0, -1.0, 7.0]
        let vv = v.reduce(0) { $0 + $1 * $1 }
        let rows = (0..<6).map { row -> [Double] in
            let y = (0..<3).map { Double(reference.scalars[row * 3 + $0]) }
            let dot = zip(y, v).reduce(0) { $0 + $1.0 * $1.1 }
            return (0..<3).map { 2.5 * (y[$0] - 2 * dot / vv * v[$0]) + shift[$0] }
        }
        let transformed = try measure.deviation(of: DeviationBatch(representations: tensor(rows), sources: sources))
        #expect(abs(transformed.value) < 1e-6)
        // A shuffled pairing is not an orthogonal transform: the deviation is clearly positive.
        let shuffled = try measure.deviation(
            of: DeviationBatch(representations: reference, sources: [1, 0, 3, 2, 5, 4]))
        #expect(shuffled.value > 0.01)
    }

    // MARK: - Gradients

    @Test(arguments: ExplicitDeviation.Distance.allCases)
    func gradientMatchesFiniteDifferences(distance: ExplicitDeviation.Distance) throws {
        let reference = try randomTensor([5, 2, 3], seed: 3)
        let measure = try fitted(distance, reference: reference)
        let sources = [3, 0, 4, 1]
        let x = try randomTensor([4, 2, 3], seed: 4)
        let analytic = try measure.deviation(of: DeviationBatch(representations: x, sources: sources))
        #expect(analytic.gradient.shape == [4, 2, 3])
        let numeric = try finiteDifferences(at: x, step: 1e-3) { probe in
            try measure.deviation(of: DeviationBatch(representations: probe, sources: sources)).value
        }
        expectGradient(analytic.gradient, matches: numeric)
    }

    @Test func scoringIsDeterministic() throws {
        let reference = try randomTensor([5, 4], seed: 8)
        let batch = try DeviationBatch(representations: randomTensor([5, 4], seed: 9), sources: [4, 3, 2, 1, 0])
        for distance in ExplicitDeviation.Distance.allCases {
            let first = try fitted(distance, reference: reference).deviation(of: batch)
            #expect(try fitted(distance, reference: reference).deviation(of: batch) == first)
        }
    }

    // MARK: - Errors

    @Test func batchErrors() throws {
        let reference = try randomTensor([3, 2, 3], seed: 1)
        let mse = try fitted(.mse, reference: reference)
        let cka = try fitted(.cka, reference: reference)
        let batch = try randomTensor([2, 2, 3], seed: 2)
        #expect { try mse.deviation(of: DeviationBatch(representations: batch)) } throws: {
            isInvalidActivations($0, containing: "no source indices")
        }
        #expect { try mse.deviation(of: DeviationBatch(representations: batch, sources: [0, 3])) } throws: {
            isInvalidActivations($0, containing: "source 3 of batch sample 1", "3 samples")
        }
        // Same feature count but another per-sample shape; another feature count.
        for shape in [[2, 6], [2, 3, 2], [2, 2, 2]] {
            let other = try randomTensor(shape, seed: 5)
            #expect { try mse.deviation(of: DeviationBatch(representations: other, sources: [0, 1])) } throws: {
                isInvalidActivations($0, containing: "per sample", "[2, 3]")
            }
        }
        let single = try randomTensor([1, 2, 3], seed: 6)
        #expect { try cka.deviation(of: DeviationBatch(representations: single, sources: [0])) } throws: {
            isInvalidActivations($0, containing: "at least 2 pairs")
        }
        #expect(try mse.deviation(of: DeviationBatch(representations: single, sources: [0])).value > 0)
    }

    @Test func degenerateCKABatchesThrowInsteadOfNaN() throws {
        let reference = try randomTensor([3, 4], seed: 1)
        let cka = try fitted(.cka, reference: reference)
        let constant = Tensor(repeating: 0.3, shape: [3, 4])
        #expect { try cka.deviation(of: DeviationBatch(representations: constant, sources: [0, 1, 2])) } throws: {
            isInvalidActivations($0, containing: "batch representations are equal")
        }
        // Every source the same sample: the targets have no variance.
        let batch = try randomTensor([3, 4], seed: 2)
        #expect { try cka.deviation(of: DeviationBatch(representations: batch, sources: [1, 1, 1])) } throws: {
            isInvalidActivations($0, containing: "source representations of the batch are all equal")
        }
    }

    @Test func coreRejectsEmptyMismatchedAndNonFiniteInput() throws {
        // These never reach a measure: DeviationBatch and ReferenceRepresentations refuse them.
        #expect(throws: DeepArcError.self) { try DeviationBatch(representations: Tensor(zeros: [0, 3]), sources: []) }
        let two = try randomTensor([2, 3], seed: 1)
        #expect(throws: DeepArcError.invalidActivations(layer: nil, reason: "1 batch source indices for 2 samples")) {
            try DeviationBatch(representations: two, sources: [0])
        }
        let poisoned = try Tensor(shape: [2, 2], scalars: [1, .nan, 2, 3])
        #expect(throws: DeepArcError.self) { try DeviationBatch(representations: poisoned, sources: [0, 1]) }
        #expect(throws: DeepArcError.self) { try ReferenceRepresentations(representations: poisoned) }
        let infinite = try Tensor(shape: [2, 2], scalars: [1, 2, .infinity, 3])
        #expect(throws: DeepArcError.self) { try DeviationBatch(representations: infinite, labels: [0, 1]) }
    }
}
