import DeepArcCKA
import DeepArcCore
import DeepArcTensor
import Testing

/// Each metric against its float64 reference (Reference.swift).
@Suite("Agreement with float64 references")
struct ReferenceTests {
    /// Checks every off-diagonal entry of `s` against `reference(i, j)`.
    func expectMatches(
        _ s: SimilarityMatrix, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation,
        _ reference: (Int, Int) -> Double
    ) {
        expectLaws(s, sourceLocation: sourceLocation)
        for i in 0..<s.count {
            for j in (i + 1)..<s.count {
                let expected = reference(i, j)
                #expect(
                    abs(s[i, j] - expected) <= tolerance, "[\(i)][\(j)]: \(s[i, j]) vs \(expected)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: - Small m: explicit m × m matrices and the centring matrix H

    @Test("cka.linear matches ⟨HKH, HLH⟩ with an explicit H", arguments: LinearKernelForm.allCases)
    func linearSmall(form: LinearKernelForm) throws {
        let layers = try TestData.correlatedLayers(samples: 72, widths: [7, 30, 12, 1], seed: 10)
        let grams = layers.map { Reference.linearGram(Matrix($0)) }
        let s = try LinearCKA(options: .init(form: form)).similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.centredAlignment(grams[$0], grams[$1]) }
    }

    @Test("gram-cosine matches ⟨K, L⟩ / (‖K‖ ‖L‖) (paper Eq. 1–2)", arguments: LinearKernelForm.allCases)
    func gramCosineSmall(form: LinearKernelForm) throws {
        let layers = try TestData.correlatedLayers(samples: 60, widths: [5, 40, 9], seed: 11, relu: false)
        let grams = layers.map { Reference.linearGram(Matrix($0)) }
        let s = try GramCosine(options: .init(form: form)).similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.cosine(grams[$0], grams[$1]) }
    }

    /// Odd and even m (the median of an even count averages the two middle values) and two bandwidths.
    @Test(
        "cka.rbf matches the median-rule RBF kernel with an explicit H", arguments: [(61, 0.5), (60, 0.5), (60, 1.3)])
    func rbfSmall(samples: Int, sigmaFraction: Double) throws {
        let layers = try TestData.correlatedLayers(samples: samples, widths: [6, 20, 3], seed: 12)
        let kernels = layers.map { Reference.rbfGram(Matrix($0), sigmaFraction: sigmaFraction) }
        let s = try RBFCKA(options: .init(sigmaFraction: sigmaFraction)).similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.centredAlignment(kernels[$0], kernels[$1]) }
    }

    /// More than half of the sample pairs coincide, so the median distance is 0 and the kernel is
    /// its s → 0 limit (1 for coinciding samples, else 0).
    @Test("cka.rbf with a zero median distance uses the limit kernel")
    func rbfZeroMedian() throws {
        let m = 30
        var rng = SeededGenerator(seed: 13)
        let noise = TestData.normal(m * 4, &rng)
        // Samples 0..<24 share one row; the rest differ.
        let values = (0..<(m * 4)).map { index in index / 4 < 24 ? Float(index % 4) : Float(noise[index]) }
        let mostlyDead = try Tensor(shape: [m, 4], scalars: values)
        let other = try TestData.correlatedLayers(samples: m, widths: [5], seed: 14)[0]
        let k = Reference.rbfGram(Matrix(mostlyDead), sigmaFraction: 0.5)
        #expect(k[0, 1] == 1 && k[0, 29] == 0)  // the reference is in the limit case
        let l = Reference.rbfGram(Matrix(other), sigmaFraction: 0.5)
        let s = try RBFCKA().similarityMatrix(of: [mostlyDead, other])
        expectMatches(s, tolerance: 1e-6) { _, _ in Reference.centredAlignment(k, l) }
    }

    @Test("cka.debiased (U-centring) matches the HSIC₁ three-term formula")
    func debiasedSmall() throws {
        let layers = try TestData.correlatedLayers(samples: 50, widths: [8, 25, 4], seed: 15)
        let grams = layers.map { Reference.linearGram(Matrix($0)) }
        let s = try DebiasedCKA().similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.debiased(grams[$0], grams[$1]) }
    }

    /// 16-sample batches: 3 full batches and a trailing 3 (dropped) or 7 (kept) samples.
    @Test("cka.minibatch matches Σ_b HSIC₁ over contiguous batches", arguments: [51, 55])
    func minibatch(samples: Int) throws {
        let layers = try TestData.correlatedLayers(samples: samples, widths: [6, 18, 3], seed: 16)
        let matrices = layers.map(Matrix.init)
        let s = try MinibatchCKA(options: .init(batchSize: 16)).similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.minibatch(matrices[$0], matrices[$1], batchSize: 16) }
        if samples == 51 {
            // Dropping the trailing 3 samples is the same as never having them.
            let first48 = try layers.map { try TestData.rows($0, 0..<48) }
            let t = try MinibatchCKA(options: .init(batchSize: 16)).similarityMatrix(of: first48)
            #expect(s == t)
        }
    }

    /// Batches whose magnitudes differ by orders of magnitude: the sum over batches must weigh each
    /// batch's HSIC₁ in the activations' own units, however they are scaled internally.
    @Test("cka.minibatch weighs batches of very different magnitudes correctly")
    func minibatchMagnitudes() throws {
        let base = try TestData.correlatedLayers(samples: 48, widths: [5, 7], seed: 19)
        let factors: [Float] = [1e4, 1, 3e-4]  // one per 16-sample batch
        let layers = try base.map { layer in
            let d = layer.shape[1]
            return try Tensor(
                shape: layer.shape, scalars: layer.scalars.enumerated().map { $1 * factors[$0 / (16 * d)] })
        }
        let x = layers.map(Matrix.init)
        let s = try MinibatchCKA(options: .init(batchSize: 16)).similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-6) { Reference.minibatch(x[$0], x[$1], batchSize: 16) }
    }

    // MARK: - A few thousand samples: the spec's feature-space formulas in float64

    /// The spec's accuracy requirement: 1e-5 absolute against float64 on thousands of samples.
    @Test("cka.linear, gram-cosine and cka.debiased agree with float64 to 1e-5 on 2000 samples")
    func largeSampleAccuracy() throws {
        let layers = try TestData.correlatedLayers(samples: 2000, widths: [24, 16, 9, 1], seed: 17)
        let x = layers.map(Matrix.init)
        for form in [LinearKernelForm.gram, .features] {
            let linear = try LinearCKA(options: .init(form: form)).similarityMatrix(of: layers)
            expectMatches(linear, tolerance: 1e-5) { Reference.linearCKA(x[$0], x[$1]) }
            let cosine = try GramCosine(options: .init(form: form)).similarityMatrix(of: layers)
            expectMatches(cosine, tolerance: 1e-5) {
                Reference.crossNorm(x[$0], x[$1])
                    / (Reference.crossNorm(x[$0], x[$0]) * Reference.crossNorm(x[$1], x[$1])).squareRoot()
            }
        }
        let debiased = try DebiasedCKA().similarityMatrix(of: layers)
        expectMatches(debiased, tolerance: 1e-5) { Reference.debiasedFeatures(x[$0], x[$1]) }
    }

    /// RBF on 400 samples, centred by the spec's literal recipe (K − row means − column means + grand mean).
    @Test("cka.rbf agrees with float64 on 400 samples")
    func rbfLarger() throws {
        let m = 400
        let layers = try TestData.correlatedLayers(samples: m, widths: [12, 5], seed: 18)
        let centred = layers.map { layer -> Matrix in
            var k = Reference.rbfGram(Matrix(layer), sigmaFraction: 0.5)
            let rowMeans = (0..<m).map { p in (0..<m).reduce(0.0) { $0 + k[p, $1] } / Double(m) }
            let grand = rowMeans.reduce(0, +) / Double(m)
            for p in 0..<m {
                for q in 0..<m { k[p, q] += grand - rowMeans[p] - rowMeans[q] }
            }
            return k
        }
        let s = try RBFCKA().similarityMatrix(of: layers)
        expectMatches(s, tolerance: 1e-5) { Reference.cosine(centred[$0], centred[$1]) }
    }
}
