import DeepArcCore
import DeepArcTensor

/// The accumulator of the metrics defined on whole m × m kernels (`gram-cosine`, `cka.linear`,
/// `cka.rbf`, `cka.debiased`): it keeps every sample (see ``ActivationStore``) and at
/// ``finalize()`` forms each layer's kernel once and all pairwise inner products together (see
/// ``GramCrossProducts``), within the memory budget.
struct GramAccumulator: SimilarityAccumulator {
    /// Which kernel, and how it is normalised.
    enum Kernel {
        /// Uncentred linear kernel; only an all-zero layer is degenerate.
        case gramCosine(LinearKernelForm)
        /// Centred linear kernel.
        case linear(LinearKernelForm)
        /// Centred RBF kernel with bandwidth fraction f.
        case rbf(sigmaFraction: Double)
        /// U-centred linear kernel (unbiased HSIC₁).
        case debiased
    }

    /// The metric's identifier, for messages.
    let metric: String
    let kernel: Kernel
    /// Bytes the kernels may occupy at once.
    let memoryBudget: Int
    /// rtol of the degenerate rule.
    let tolerance: Double
    private var store: ActivationStore

    /// Starts an accumulator for `layerCount` layers.
    /// - Throws: ``DeepArcError/invalidActivations(layer:reason:)`` when `layerCount` is not positive.
    init(metric: String, kernel: Kernel, layerCount: Int, memoryBudget: Int, tolerance: Double) throws(DeepArcError) {
        guard layerCount > 0 else {
            throw .invalidActivations(layer: nil, reason: "\(metric) needs at least one layer, got \(layerCount)")
        }
        self.metric = metric
        self.kernel = kernel
        self.memoryBudget = memoryBudget
        self.tolerance = tolerance
        self.store = ActivationStore(layerCount: layerCount)
    }

    /// The fewest samples the metric is defined for.
    var minimumSamples: Int {
        switch kernel {
        case .gramCosine: 1
        case .linear, .rbf: 2
        case .debiased: 4
        }
    }

    mutating func add(_ batch: [Tensor]) throws {
        try store.add(batch)
    }

    func finalize() throws -> SimilarityMatrix {
        let m = store.sampleCount
        guard m >= minimumSamples else {
            throw DeepArcError.invalidActivations(
                layer: nil, reason: "\(metric) needs at least \(minimumSamples) samples, got \(m)")
        }
        let n = store.layerCount
        let widths = (0..<n).map { store.featureCount(of: $0) }
        let result: GramCrossProducts.Result
        switch kernel {
        case .gramCosine(let form), .linear(let form):
            let centred: Bool = if case .linear = kernel { true } else { false }
            if usesFeatureForm(form, samples: m, widths: widths) {
                let layers = (0..<n).map { prepare($0, centred: centred) }
                let products = FeatureCrossProducts.compute(layers, memoryBudget: memoryBudget)
                let references = layers.indices.map { l in
                    LinearKernelSource(layer: layers[l], exactReference: false).referenceNorm
                }
                result = GramCrossProducts.Result(
                    products: products,
                    referenceNormsSquared: references.indices.map {
                        references[$0].squared(kernelNormSquared: products[$0 * n + $0])
                    },
                    referenceIsUpperBound: references.map(\.isUpperBound))
            } else {
                // Whole kernels are formed one layer at a time, so each layer can be prepared in the
                // previous one's storage (released by then).
                var spare: Tensor?
                result = GramCrossProducts.compute(layerCount: n, size: m, memoryBudget: memoryBudget) { l, whole in
                    let layer = prepare(l, centred: centred, reusing: whole ? spare.take() : nil)
                    if whole { spare = layer.storage }
                    return LinearKernelSource(layer: layer, exactReference: false)
                }
            }
        case .rbf(let sigmaFraction):
            result = GramCrossProducts.compute(layerCount: n, size: m, memoryBudget: memoryBudget) { l, whole in
                RBFKernelSource(
                    layer: prepare(l, centred: true), sigmaFraction: sigmaFraction,
                    streamingBudget: whole ? nil : memoryBudget)
            }
        case .debiased:
            result = GramCrossProducts.compute(layerCount: n, size: m, memoryBudget: memoryBudget) { l, _ in
                UCentredKernelSource(layer: prepare(l, centred: true), exactReference: false)
            }
        }
        let degenerate = (0..<n).map { l in
            if case .gramCosine = kernel {
                // Only an all-zero layer (exact: its Double sum of squares is 0).
                return store.squareTotal(of: l) == 0 || !(result.products[l * n + l] > 0)
            }
            let kernelNormSquared = result.products[l * n + l]
            let bounded = SimilarityAssembly.isDegenerate(
                kernelNormSquared: kernelNormSquared, referenceNormSquared: result.referenceNormsSquared[l],
                tolerance: tolerance)
            // Above rtol times an upper bound of ‖K‖: certainly not degenerate. Otherwise decide exactly.
            guard bounded, result.referenceIsUpperBound[l], kernelNormSquared > 0 else { return bounded }
            return SimilarityAssembly.isDegenerate(
                kernelNormSquared: kernelNormSquared,
                referenceNormSquared: exactReference(of: l, kernelNormSquared: kernelNormSquared), tolerance: tolerance)
        }
        return try SimilarityAssembly.matrix(products: result.products, count: n, degenerate: degenerate)
    }

    /// Whether to take the linear products in feature space (see ``LinearKernelForm``).
    private func usesFeatureForm(_ form: LinearKernelForm, samples m: Int, widths: [Int]) -> Bool {
        switch form {
        case .gram: false
        case .features: true
        case .auto:
            FeatureCrossProducts.cost(samples: m, widths: widths)
                < FeatureCrossProducts.gramCost(samples: m, widths: widths)
        }
    }

    /// ‖K_l‖²_F of layer l's uncentred linear Gram, exactly (for a layer whose source only gave a bound).
    private func exactReference(of l: Int, kernelNormSquared: Double) -> Double {
        switch kernel {
        case .linear:
            // ‖K‖² = ‖Kc‖² + the excess of the centring identity (see LinearKernelSource).
            return kernelNormSquared
                + LinearKernelSource(layer: prepare(l, centred: true), exactReference: true).uncentringExcess()
        case .debiased:
            // The final kernel is Ũ, not Kc: form this one layer's centred Gram again.
            let single = GramCrossProducts.compute(layerCount: 1, size: store.sampleCount, memoryBudget: memoryBudget) {
                _, _ in LinearKernelSource(layer: prepare(l, centred: true), exactReference: true)
            }
            return single.referenceNormsSquared[0]
        case .gramCosine, .rbf:
            preconditionFailure("\(metric) reports exact reference norms")
        }
    }

    /// Layer `l` as a contiguous, scaled (and centred) matrix.
    private func prepare(_ l: Int, centred: Bool, reusing spare: Tensor? = nil) -> PreparedLayer {
        PreparedLayer(
            chunks: store.chunks[l], rows: store.sampleCount, columns: store.featureCount(of: l),
            columnSums: store.sums(of: l), squareTotal: store.squareTotal(of: l), centred: centred, reusing: spare)
    }
}
