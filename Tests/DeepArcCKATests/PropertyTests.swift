import DeepArcCKA
import DeepArcCore
import DeepArcTensor
import Foundation
import Testing

@Suite("Properties every metric must have")
struct PropertyTests {
    @Test("identical layers score 1", arguments: MetricID.allCases)
    func identicalLayers(metric: MetricID) throws {
        let layers = try TestData.correlatedLayers(samples: 70, widths: [9, 14], seed: 1)
        let s = try metric.make().similarityMatrix(of: [layers[0], layers[1], layers[0]])
        expectLaws(s)
        #expect(abs(s[0, 2] - 1) < 1e-6)
        #expect(abs(s[0, 1] - s[2, 1]) < 1e-6)
        #expect(s[0, 1] < 0.999)  // a different layer does not score 1
    }

    /// Y = c · X · Q with Q orthogonal: every metric here is invariant to that (the RBF bandwidth
    /// scales with the distances; the uncentred Gram of XQ is X Xᵀ).
    @Test("orthogonal transforms and isotropic scaling score 1", arguments: MetricID.allCases)
    func orthogonalAndScaling(metric: MetricID) throws {
        let d = 10
        let x = try TestData.correlatedLayers(samples: 64, widths: [d], seed: 2)[0]
        // Q from Gram–Schmidt on a random matrix, in Double.
        var rng = SeededGenerator(seed: 3)
        var q = Matrix(rows: d, columns: d, values: TestData.normal(d * d, &rng))
        for i in 0..<d {
            for j in 0..<i {
                var dot = 0.0
                for k in 0..<d { dot += q[k, i] * q[k, j] }
                for k in 0..<d { q[k, i] -= dot * q[k, j] }
            }
            var norm = 0.0
            for k in 0..<d { norm += q[k, i] * q[k, i] }
            for k in 0..<d { q[k, i] /= norm.squareRoot() }
        }
        let y = Matrix(x) * q
        let scaled = try Tensor(shape: [64, d], scalars: y.values.map { Float(3.7 * $0) })
        let s = try metric.make().similarityMatrix(of: [x, scaled])
        #expect(abs(s[0, 1] - 1) < 1e-5, "\(s[0, 1])")
    }

    /// Adding a constant to every feature changes nothing for the centred metrics, and a lot for the
    /// paper-literal Gram cosine.
    @Test("translation invariance separates the centred metrics from gram-cosine", arguments: MetricID.allCases)
    func translation(metric: MetricID) throws {
        let x = try TestData.correlatedLayers(samples: 64, widths: [8], seed: 4, relu: false)[0]
        let shifted = try Tensor(shape: x.shape, scalars: x.scalars.enumerated().map { $1 + Float($0 % 8) * 2 + 5 })
        let s = try metric.make().similarityMatrix(of: [x, shifted])
        if metric == .gramCosine {
            #expect(s[0, 1] < 0.9, "\(s[0, 1])")
        } else {
            #expect(abs(s[0, 1] - 1) < 1e-5, "\(s[0, 1])")
        }
    }

    /// Every metric is invariant to scaling a layer; activations near the ends of `Float`'s range
    /// must not overflow or underflow the Grams (whose entries are squares summed over features).
    @Test("extreme but finite magnitudes give the same matrix", arguments: MetricID.allCases)
    func extremeMagnitudes(metric: MetricID) throws {
        let layers = try TestData.correlatedLayers(samples: 40, widths: [6, 9, 4], seed: 40)
        let reference = try metric.make().similarityMatrix(of: layers)
        let scaled = try zip(layers, [Float(1e30), 1e-30, 1]).map { layer, factor in
            try Tensor(shape: layer.shape, scalars: layer.scalars.map { $0 * factor })
        }
        let s = try metric.make().similarityMatrix(of: scaled)
        #expect(s.degenerate == reference.degenerate)
        for (a, b) in zip(s.values, reference.values) { #expect(abs(a - b) < 1e-6, "\(a) vs \(b)") }
    }

    @Test("linear CKA of two 1-feature layers is the squared Pearson correlation")
    func pearson() throws {
        var rng = SeededGenerator(seed: 5)
        let a = TestData.normal(300, &rng).map { Float($0 + 2) }
        let b = zip(a, TestData.normal(300, &rng)).map { Float(0.6 * Double($0) + 0.8 * $1) }
        let x = try Tensor(shape: [300], scalars: a)  // rank 1: one feature per sample
        let y = try Tensor(shape: [300, 1], scalars: b)
        let r = Reference.pearson(a.map(Double.init), b.map(Double.init))
        for form in LinearKernelForm.allCases {
            let s = try LinearCKA(options: .init(form: form)).similarityMatrix(of: [x, y])
            #expect(abs(s[0, 1] - r * r) < 1e-6, "\(form): \(s[0, 1]) vs r² = \(r * r)")
        }
    }

    @Test("a constant or dead layer has a NaN row and column and its flag set", arguments: MetricID.centred)
    func degenerate(metric: MetricID) throws {
        let layers = try TestData.correlatedLayers(samples: 48, widths: [6, 7], seed: 6)
        let reference = try metric.make().similarityMatrix(of: layers)
        for value: Float in [0, 3.25] {
            let constant = Tensor(repeating: value, shape: [48, 2, 3])
            let s = try metric.make().similarityMatrix(of: [layers[0], constant, layers[1]])
            #expect(s.degenerate == [false, true, false])
            for i in 0..<3 {
                #expect(s[1, i].isNaN && s[i, 1].isNaN)
            }
            expectLaws(s)
            #expect(abs(s[0, 2] - reference[0, 1]) < 1e-6)
        }
    }

    @Test("gram-cosine: only an all-zero layer is degenerate")
    func gramCosineDegenerate() throws {
        let x = try TestData.correlatedLayers(samples: 40, widths: [5], seed: 7)[0]
        let s = try GramCosine().similarityMatrix(of: [
            x, Tensor(zeros: [40, 3]), Tensor(repeating: 2, shape: [40, 3]),
        ])
        #expect(s.degenerate == [false, true, false])
        expectLaws(s)
        // K of a constant layer is c²·d·11ᵀ, so the cosine is 1ᵀK1 / (m ‖K‖).
        let k = Reference.linearGram(Matrix(x))
        let expected = k.values.reduce(0, +) / (40 * frobenius(k, k).squareRoot())
        #expect(abs(s[0, 2] - expected) < 1e-6)
    }

    /// The spec's small-sample bias: m = 64 samples, independent random layers of width 200.
    @Test("small-sample bias: debiased CKA stays near 0 where linear CKA is large")
    func smallSampleBias() throws {
        let layers = try (0..<4).map { try TestData.gaussian(samples: 64, width: 200, seed: 100 + UInt64($0)) }
        let linear = try LinearCKA().similarityMatrix(of: layers)
        let debiased = try DebiasedCKA().similarityMatrix(of: layers)
        for i in 0..<4 {
            for j in (i + 1)..<4 {
                #expect(linear[i, j] > 0.5, "linear \(linear[i, j])")
                #expect(abs(debiased[i, j]) < 0.1, "debiased \(debiased[i, j])")
                #expect(abs(debiased[i, j]) < linear[i, j] / 5)
            }
        }
    }

    /// The spec's warning about the paper-literal metric: mean activations dominate it.
    @Test("gram-cosine calls unrelated post-ReLU layers similar; linear CKA does not")
    func meanDominatesGramCosine() throws {
        let layers = try (0..<2).map { seed in
            let g = try TestData.gaussian(samples: 200, width: 30, seed: 200 + UInt64(seed))
            return try Tensor(shape: g.shape, scalars: g.scalars.map { max(0, $0 + 1) })
        }
        let cosine = try GramCosine().similarityMatrix(of: layers)
        let linear = try LinearCKA().similarityMatrix(of: layers)
        #expect(cosine[0, 1] > 0.9, "\(cosine[0, 1])")
        #expect(linear[0, 1] < 0.3, "\(linear[0, 1])")
    }

    @Test("a nearly constant layer is degenerate under the default tolerance", arguments: MetricID.centred)
    func nearlyConstant(metric: MetricID) throws {
        // 1 + 1e-4·z: ‖Kc‖/‖K‖ ≈ 1e-8, far below the default rtol 1e-5 — except for cka.rbf, whose
        // kernel depends only on distances relative to their median and so sees z itself.
        var rng = SeededGenerator(seed: 8)
        let layer = try Tensor(shape: [40, 3], scalars: TestData.normal(120, &rng).map { Float(1 + 1e-4 * $0) })
        let other = try TestData.correlatedLayers(samples: 40, widths: [4], seed: 9)[0]
        let s = try metric.make().similarityMatrix(of: [layer, other])
        #expect(s.degenerate == [metric != .rbf, false])
        let strict = try MetricID.make(metric, tolerance: 0).similarityMatrix(of: [layer, other])
        #expect(strict.degenerate == [false, false])
    }

    /// The rule compares the metric's centred kernel with the uncentred ‖K‖_F, computed exactly.
    /// The layer is chosen so that the free bound ‖K‖_F ≤ tr(K) is loose: a tolerance just above the
    /// ratio must flag it and one just below must not, so the exact ‖K‖ is what decides.
    @Test("the degenerate tolerance compares the centred kernel's norm with the exact uncentred ‖K‖")
    func tolerance() throws {
        var rng = SeededGenerator(seed: 8)
        let values = TestData.normal(40 * 6, &rng).enumerated().map {
            Float(1 + 0.4 * Double($0.offset % 6) * $0.element)
        }
        let layer = try Tensor(shape: [40, 6], scalars: values)
        let other = try TestData.gaussian(samples: 40, width: 4, seed: 9)  // centred: ‖Kc‖ ≈ ‖K‖
        let k = Reference.linearGram(Matrix(layer))
        let h = Reference.centring(40)
        let kc = h * k * h
        let normK = frobenius(k, k).squareRoot()
        let trace = (0..<40).reduce(0.0) { $0 + k[$1, $1] }
        #expect(trace > 1.05 * normK)  // the bound alone would decide differently near the ratio
        // ‖Ũ‖² = m(m − 3) · HSIC₁(K, K); HSIC₁ is unchanged by centring, and HKH keeps the three-term
        // formula's digits.
        let ratios = [
            ("cka.linear", (frobenius(kc, kc)).squareRoot() / normK),
            ("cka.debiased", (40 * 37 * Reference.hsic1(kc, kc)).squareRoot() / normK),
        ]
        for (identifier, ratio) in ratios {
            for (factor, expected) in [(0.97, false), (1.03, true)] {
                let tolerance = ratio * factor
                let metric: any SimilarityMetric =
                    identifier == "cka.linear"
                    ? try LinearCKA(options: .init(degenerateTolerance: tolerance))
                    : try DebiasedCKA(options: .init(degenerateTolerance: tolerance))
                let s = try metric.similarityMatrix(of: [layer, other])
                #expect(s.degenerate == [expected, false], "\(identifier) ratio \(ratio) × \(factor)")
            }
        }
    }

    @Test("CKAMetrics lists five distinct lowercase identifiers")
    func registryList() {
        let identifiers = CKAMetrics.all.map { $0.identifier }
        #expect(Set(identifiers) == Set(MetricID.allCases.map(\.rawValue)))
        #expect(identifiers.count == 5)
        for type in CKAMetrics.all {
            #expect(type.identifier == type.identifier.lowercased())
            #expect(!type.summary.isEmpty)
        }
    }
}
