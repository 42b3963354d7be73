import DeepArcCore
import DeepArcDeviation
import DeepArcTensor
import DeepArcTestKit
import Foundation
import Testing

@Suite("gaussian deviation")
struct GaussianDeviationTests {
    func measure(_ options: GaussianDeviation.Options = .init()) throws -> GaussianDeviation {
        try GaussianDeviation(options: options)
    }

    /// −log N(d; 0, Σ) in two dimensions with Σ = [[a, b], [b, c]], by the closed form.
    func negativeLogDensity2D(_ d: (Double, Double), a: Double, b: Double, c: Double) -> Double {
        let determinant = a * c - b * b
        let quadratic = (c * d.0 * d.0 - 2 * b * d.0 * d.1 + a * d.1 * d.1) / determinant
        return 0.5 * quadratic + 0.5 * log(determinant) + log(2 * Double.pi)
    }

    /// μ ± u, μ ± v with μ = (1, 3), u = (2, 1), v = (0, 1): mean μ and S = (uuᵀ + vvᵀ)/2 = [[2, 1], [1, 1]].
    let knownPoints: [[Double]] = [[3, 4], [-1, 2], [1, 4], [1, 2]]

    // MARK: - Values against closed forms

    @Test func negativeLogDensityOfAKnown2DGaussian() throws {
        let reference = try ReferenceRepresentations(representations: tensor(knownPoints), labels: [0, 0, 0, 0])
        let fitted = try measure(.init(shrinkage: .fixed(0))).fitGaussians(reference)
        let gaussian = try #require(fitted.classes[0])
        #expect(gaussian.mean == [1, 3])
        #expect(gaussian.sampleCount == 4)
        #expect(isClose(gaussian.logDeterminant, 0, atol: 1e-12))  // det S = 2 − 1 = 1
        // x = μ + (1, 2): S⁻¹ = [[1, −1], [−1, 2]], quadratic form 5, NLL = 5/2 + 0 + log 2π.
        let batch = try DeviationBatch(representations: tensor([[2, 5]]), labels: [0])
        let result = try fitted.deviation(of: batch)
        #expect(isClose(result.value, 2.5 + log(2 * Double.pi), rtol: 1e-12))
        #expect(isClose(result.value, negativeLogDensity2D((1, 2), a: 2, b: 1, c: 1), rtol: 1e-12))
        // Gradient S⁻¹ (x − μ) = (−1, 3).
        #expect(isClose(result.gradient.scalars.map(Double.init), [-1, 3], rtol: 1e-6))
        #expect(isClose(gaussian.negativeLogDensity(of: [2, 5]), result.value, rtol: 1e-12))

        // λ = 0.5: Σ = ½ S + ½ · (tr S / 2) · I = [[1.75, 0.5], [0.5, 1.25]]. Two points: the mean.
        let shrunk = try measure(.init(shrinkage: .fixed(0.5))).fitGaussians(reference)
        let two = try DeviationBatch(representations: tensor([[2, 5], [0, 1]]), labels: [0, 0])
        let expected =
            (negativeLogDensity2D((1, 2), a: 1.75, b: 0.5, c: 1.25)
                + negativeLogDensity2D((-1, -2), a: 1.75, b: 0.5, c: 1.25)) / 2
        #expect(isClose(try shrunk.deviation(of: two).value, expected, rtol: 1e-12))
        #expect(shrunk.classes[0]?.shrinkage == 0.5)
    }

    @Test func onlyCorrectlyPredictedSamplesAreFitted() throws {
        // A fifth sample of class 0 far away, but predicted as class 1: it must not move the mean.
        let points = knownPoints + [[50, -40], [0, 0], [1, 1], [2, 0]]
        let labels = [0, 0, 0, 0, 0, 1, 1, 1]
        let predictions = [0, 0, 0, 0, 1, 1, 1, 1]
        let withPredictions = try measure(.init(shrinkage: .fixed(0))).fitGaussians(
            ReferenceRepresentations(representations: tensor(points), labels: labels, predictions: predictions))
        #expect(withPredictions.classes[0]?.mean == [1, 3])
        #expect(withPredictions.classes[0]?.sampleCount == 4)
        #expect(withPredictions.labels == [0, 1])
        // Without predictions every sample of the label counts: the mean moves to (54/5, −28/5).
        let withoutPredictions = try measure().fitGaussians(
            ReferenceRepresentations(representations: tensor(points), labels: labels))
        #expect(withoutPredictions.classes[0]?.sampleCount == 5)
        let expectedMean: [Double] = [10.8, -5.6]
        #expect(isClose(withoutPredictions.classes[0]?.mean ?? [], expectedMean, rtol: 1e-12))
    }

    @Test func ledoitWolfShrinkageMatchesThePublishedFormula() throws {
        // Anisotropic 3-D data (λ strictly inside (0, 1)) and near-isotropic data with few samples.
        for (seed, scales, count) in [(UInt64(21), [1.0, 3.0, 0.3], 8), (22, [1.0, 1.0, 1.0], 3)] {
            var generator = SeededGenerator(seed: seed)
            let rows = (0..<count).map { _ in scales.map { Double(generator.nextNormal()) * $0 } }
            let representations = try tensor(rows)
            let fitted = try measure().fitGaussians(
                ReferenceRepresentations(representations: representations, labels: Array(repeating: 4, count: count)))
            let gaussian = try #require(fitted.classes[4])
            // The published estimator (Ledoit & Wolf 2004), in float64, on the Float-rounded data.
            let z = (0..<count).map { i in (0..<3).map { Double(representations.scalars[i * 3 + $0]) } }
            let reference = ledoitWolf(z)
            #expect(isClose(gaussian.shrinkage, reference.lambda, rtol: 1e-9, atol: 1e-12))
            if seed == 21 { #expect(gaussian.shrinkage > 0 && gaussian.shrinkage < 1) }
            // And the density uses Σ = (1 − λ) S + λ m I.
            let point = [0.5, -1.0, 2.0]
            let sigma = (0..<3).map { r in
                (0..<3).map { c in
                    (1 - reference.lambda) * reference.s[r][c] + (r == c ? reference.lambda * reference.m : 0)
                }
            }
            let (inverse, determinant) = invert3x3(sigma)
            let d = (0..<3).map { point[$0] - reference.mean[$0] }
            var quadratic = 0.0
            for r in 0..<3 { for c in 0..<3 { quadratic += d[r] * inverse[r][c] * d[c] } }
            let expected = 0.5 * quadratic + 0.5 * log(determinant) + 1.5 * log(2 * Double.pi)
            #expect(isClose(gaussian.negativeLogDensity(of: point), expected, rtol: 1e-9))
        }
    }

    /// Ledoit–Wolf (2004), written from the paper: S = n⁻¹ Σ xᵢxᵢᵀ (xᵢ centred), ‖A‖² = tr(AAᵀ)/p,
    /// m = ⟨S, I⟩, d² = ‖S − mI‖², b̄² = n⁻² Σᵢ ‖xᵢxᵢᵀ − S‖², b² = min(b̄², d²), λ = b²/d².
    func ledoitWolf(_ samples: [[Double]]) -> (lambda: Double, s: [[Double]], m: Double, mean: [Double]) {
        let n = Double(samples.count)
        let p = samples[0].count
        let mean = (0..<p).map { j in samples.reduce(0) { $0 + $1[j] } / n }
        let x = samples.map { row in (0..<p).map { row[$0] - mean[$0] } }
        var s = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for row in x { for i in 0..<p { for j in 0..<p { s[i][j] += row[i] * row[j] / n } } }
        func normSquared(_ a: [[Double]]) -> Double {
            a.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / Double(p)
        }
        let m = (0..<p).reduce(0) { $0 + s[$1][$1] } / Double(p)
        let d2 = normSquared((0..<p).map { i in (0..<p).map { j in s[i][j] - (i == j ? m : 0) } })
        var bBar2 = 0.0
        for row in x {
            bBar2 += normSquared((0..<p).map { i in (0..<p).map { j in row[i] * row[j] - s[i][j] } })
        }
        bBar2 /= n * n
        return (min(bBar2, d2) / d2, s, m, mean)
    }

    /// The inverse and determinant of a 3 × 3 matrix by cofactors.
    func invert3x3(_ a: [[Double]]) -> ([[Double]], Double) {
        func cofactor(_ r: Int, _ c: Int) -> Double {
            let rows = (0..<3).filter { $0 != r }
            let columns = (0..<3).filter { $0 != c }
            let minor =
                a[rows[0]][columns[0]] * a[rows[1]][columns[1]] - a[rows[0]][columns[1]] * a[rows[1]][columns[0]]
            return (r + c) % 2 == 0 ? minor : -minor
        }
        let determinant = (0..<3).reduce(0) { $0 + a[0][$1] * cofactor(0, $1) }
        let inverse = (0..<3).map { r in (0..<3).map { c in cofactor(c, r) / determinant } }
        return (inverse, determinant)
    }

    // MARK: - Reductions

    @Test func poolingAveragesEachChannel() throws {
        let reference = try tensor(
            [[1, 2, 3, 4, 5, 9], [0, 0, 6, 1, 1, 1], [2, 2, 2, 0, 3, 3]], shape: [3, 2, 1, 3])
        let fitted = try measure().fitGaussians(
            ReferenceRepresentations(representations: reference, labels: [0, 0, 0]))
        #expect(fitted.dimensions == 2)
        #expect(try fitted.reduced(DeviationBatch(representations: reference)) == [[2, 6], [2, 1], [2, 2]])
        #expect(fitted.classes[0]?.mean == [2, 3])
        // A rank-2 reference is kept as it is.
        let flat = try measure().fitGaussians(
            ReferenceRepresentations(representations: tensor(knownPoints), labels: [0, 0, 0, 0]))
        #expect(flat.dimensions == 2)
        #expect(try flat.reduced(DeviationBatch(representations: tensor([[7, -2]]))) == [[7, -2]])
    }

    @Test func projectionIsLinearSeededAndFixed() throws {
        let reference = try randomTensor([6, 2, 5], seed: 30)
        let labelled = try ReferenceRepresentations(representations: reference, labels: [0, 0, 0, 1, 1, 1])
        let options = GaussianDeviation.Options(reduction: .projection, dimensions: 3, seed: 7)
        let fitted = try measure(options).fitGaussians(labelled)
        #expect(fitted.dimensions == 3)
        let x = try randomTensor([2, 2, 5], seed: 31)
        let y = try randomTensor([2, 2, 5], seed: 32)
        let zx = try fitted.reduced(DeviationBatch(representations: x))
        let zy = try fitted.reduced(DeviationBatch(representations: y))
        let zSum = try fitted.reduced(DeviationBatch(representations: x + y))
        for row in 0..<2 {
            #expect(isClose(zSum[row], zip(zx[row], zy[row]).map { $0 + $1 }, rtol: 1e-5, atol: 1e-6))
        }
        // The same seed gives the same projection; another seed another one.
        #expect(try measure(options).fitGaussians(labelled).reduced(DeviationBatch(representations: x)) == zx)
        var reseeded = options
        reseeded.seed = 8
        #expect(try measure(reseeded).fitGaussians(labelled).reduced(DeviationBatch(representations: x)) != zx)
    }

    // MARK: - Gradients

    struct GradientCase: Sendable, CustomTestStringConvertible {
        let name: String
        let options: GaussianDeviation.Options
        let referenceShape: [Int]
        let batchShape: [Int]
        var testDescription: String { name }
    }

    static let gradientCases = [
        GradientCase(
            name: "pool [N,C,H,W]", options: .init(), referenceShape: [8, 2, 2, 2], batchShape: [3, 2, 2, 2]),
        GradientCase(name: "pool [N,F] (identity)", options: .init(), referenceShape: [8, 3], batchShape: [3, 3]),
        GradientCase(
            name: "projection", options: .init(reduction: .projection, dimensions: 3, seed: 5),
            referenceShape: [8, 2, 1, 3], batchShape: [3, 2, 1, 3]),
        GradientCase(
            name: "projection, fixed λ", options: .init(reduction: .projection, dimensions: 2, shrinkage: .fixed(0.2)),
            referenceShape: [8, 5], batchShape: [3, 5]),
    ]

    @Test(arguments: gradientCases)
    func gradientMatchesFiniteDifferences(_ testCase: GradientCase) throws {
        let reference = try randomTensor(testCase.referenceShape, seed: 40)
        let labels = [0, 1, 0, 1, 0, 1, 0, 1]
        let fitted = try measure(testCase.options).fitGaussians(
            ReferenceRepresentations(representations: reference, labels: labels))
        let x = try randomTensor(testCase.batchShape, seed: 41, scale: 1.5)
        let batchLabels = [1, 0, 1]
        let analytic = try fitted.deviation(of: DeviationBatch(representations: x, labels: batchLabels))
        #expect(analytic.gradient.shape == testCase.batchShape)
        #expect(analytic.value.isFinite)
        let numeric = try finiteDifferences(at: x, step: 1e-3) { probe in
            try fitted.deviation(of: DeviationBatch(representations: probe, labels: batchLabels)).value
        }
        expectGradient(analytic.gradient, matches: numeric)
        // The value is the mean of the per-sample densities.
        let densities = try fitted.negativeLogDensities(of: DeviationBatch(representations: x, labels: batchLabels))
        #expect(isClose(analytic.value, densities.reduce(0, +) / 3, rtol: 1e-12))
    }

    @Test func deviationGrowsAwayFromTheMean() throws {
        let fitted = try measure().fitGaussians(
            ReferenceRepresentations(representations: tensor(knownPoints), labels: [0, 0, 0, 0]))
        let values = try [0.0, 1, 2, 4].map { step in
            try fitted.deviation(of: DeviationBatch(representations: tensor([[1 + step, 3 - step]]), labels: [0])).value
        }
        #expect(values == values.sorted() && Set(values).count == 4)
    }

    // MARK: - Errors

    @Test func fittingErrors() throws {
        let rows = try tensor([[1, 2], [3, 5], [0, 1], [4, 4], [2, 2]])
        #expect(
            throws: DeepArcError.invalidActivations(
                layer: nil, reason: "gaussian: class 1 has 1 reference sample; each class needs at least 2")
        ) {
            try measure().fit(ReferenceRepresentations(representations: rows, labels: [0, 0, 1, 0, 0]))
        }
        #expect(
            throws: DeepArcError.invalidActivations(
                layer: nil,
                reason:
                    "gaussian: class 1 has 1 correctly predicted reference sample (of 2 with that label); "
                    + "each class needs at least 2")
        ) {
            try measure(.init(fallback: .error)).fit(
                ReferenceRepresentations(representations: rows, labels: [0, 0, 1, 1, 0], predictions: [0, 0, 1, 0, 0]))
        }
        // The default fallback fits a class the model (nearly) never gets right on all of its samples:
        // class 1 is rows [0, 1] and [4, 4], mean [2, 2.5]; class 0 keeps only its correct rows 0, 1, 4.
        let fallback = try measure(.init(shrinkage: .fixed(0.5))).fitGaussians(
            ReferenceRepresentations(representations: rows, labels: [0, 0, 1, 1, 0], predictions: [0, 0, 1, 0, 0]))
        #expect(fallback.classes[1]?.mean == [2, 2.5])
        #expect(fallback.classes[1]?.sampleCount == 2)
        #expect(fallback.classes[0]?.sampleCount == 3)
        #expect(throws: DeepArcError.self) { try measure().fit(ReferenceRepresentations(representations: rows, labels: [0, 0, 1, 0, 0], predictions: [0, 0, 0, 0, 0])) }
        #expect(throws: DeepArcError.self) { try measure(.init(fallback: .error)).fit(ReferenceRepresentations(representations: rows, labels: [0, 0, 1, 1, 0], predictions: [0, 0, 0, 0, 0])) }
        #expect { try measure().fit(ReferenceRepresentations(representations: rows)) } throws: {
            isInvalidActivations($0, containing: "no labels")
        }
        let identical = try tensor([[1, 1], [1, 1], [2, 3], [2, 4]])
        #expect {
            try measure().fit(ReferenceRepresentations(representations: identical, labels: [5, 5, 6, 6]))
        } throws: {
            isInvalidActivations($0, containing: "class 5", "all equal")
        }
        // λ = 0 with fewer samples than dimensions: S is singular.
        let few = try tensor([[1, 2, 3], [2, 0, 1]])
        #expect {
            try measure(.init(shrinkage: .fixed(0))).fit(
                ReferenceRepresentations(representations: few, labels: [0, 0]))
        } throws: {
            isInvalidActivations($0, containing: "class 0", "not positive definite")
        }
        // Ledoit–Wolf with 2 samples: both centred outer products equal S, so b̄² = 0 and λ = 0 (singular in
        // more than one dimension); with 3 samples λ > 0 and the covariance is invertible.
        #expect {
            try measure().fit(ReferenceRepresentations(representations: few, labels: [0, 0]))
        } throws: {
            isInvalidActivations($0, containing: "class 0", "λ = 0.0", "not positive definite")
        }
        let three = try tensor([[1, 2, 3], [2, 0, 1], [0, 1, 1]])
        let fitted = try measure().fitGaussians(ReferenceRepresentations(representations: three, labels: [0, 0, 0]))
        #expect((fitted.classes[0]?.shrinkage ?? 0) > 0)
        // Too many dimensions for pooling, and a projection matrix too large.
        let wide = Tensor(zeros: [2, GaussianDeviation.maximumDimensions + 1])
        #expect { try measure().fit(ReferenceRepresentations(representations: wide, labels: [0, 0])) } throws: {
            isInvalidActivations($0, containing: "2049 dimensions", "projection")
        }
        let huge = Tensor(zeros: [1, 1 << 21])
        #expect {
            try measure(.init(reduction: .projection)).fit(ReferenceRepresentations(representations: huge, labels: [0]))
        } throws: {
            isInvalidActivations($0, containing: "lower dimensions")
        }
    }

    @Test func scoringErrors() throws {
        let fitted = try measure().fitGaussians(
            ReferenceRepresentations(representations: tensor(knownPoints), labels: [3, 3, 3, 3]))
        let point = try tensor([[1, 1]])
        #expect { try fitted.deviation(of: DeviationBatch(representations: point)) } throws: {
            isInvalidActivations($0, containing: "no labels")
        }
        #expect(
            throws: DeepArcError.invalidActivations(
                layer: nil,
                reason: "gaussian: batch sample 1 has label 0, which has no fitted Gaussian (fitted classes: 3)")
        ) {
            try fitted.deviation(of: DeviationBatch(representations: tensor([[1, 1], [2, 2]]), labels: [3, 0]))
        }
        #expect {
            try fitted.deviation(of: DeviationBatch(representations: tensor([[1, 1, 1]]), labels: [3]))
        } throws: {
            isInvalidActivations($0, containing: "per sample")
        }
        #expect {
            try fitted.negativeLogDensities(of: DeviationBatch(representations: tensor([[1]]), labels: [3]))
        } throws: {
            isInvalidActivations($0, containing: "per sample")
        }
    }
}
