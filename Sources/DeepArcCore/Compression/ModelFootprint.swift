public import DeepArcNN
import DeepArcTensor

/// The size and cost of a (possibly pruned) model: what DeepArc's Table II compares.
///
/// - ``prunableWeights``: Σ n_l over the prunable weights (conv kernels, dense matrices).
/// - ``keptWeights``: Σ u_l, the entries no mask prunes. ``density`` = kept / prunable.
/// - ``parameters``: the non-zero kept weights plus every non-prunable parameter (biases, batch-norm
///   scales and shifts; running statistics excluded, as `Model.parameterCount`). A kept weight that is
///   exactly 0 is not counted; masked weights are 0 by construction.
/// - ``multiplyAccumulates``: the dense model's MACs per sample (`LayerSpec.multiplyAccumulates`):
///   what the architecture costs when pruned weights are still multiplied.
/// - ``effectiveMultiplyAccumulates``: each convolution's and dense layer's MACs scaled by its density
///   (n_l·positions_l becomes u_l·positions_l, positions = output height × width for a convolution and 1
///   for a dense layer), everything else (batch normalisation) counted in full. This is the work a
///   sparse kernel skipping pruned weights would do; an exact integer.
public struct ModelFootprint: Sendable, Equatable, Codable {
    /// Σ n_l over the prunable weights.
    public var prunableWeights: Int
    /// Σ u_l: prunable weights that no mask prunes.
    public var keptWeights: Int
    /// Non-zero kept weights plus the non-prunable parameters.
    public var parameters: Int
    /// Per-sample multiply–accumulates of the dense architecture.
    public var multiplyAccumulates: Int
    /// Per-sample multiply–accumulates with each conv/dense layer scaled by its density.
    public var effectiveMultiplyAccumulates: Int

    /// kept / prunable weights (1 for a model without prunable weights).
    public var density: Double {
        prunableWeights == 0 ? 1 : Double(keptWeights) / Double(prunableWeights)
    }

    /// Creates a footprint from its numbers.
    public init(
        prunableWeights: Int, keptWeights: Int, parameters: Int, multiplyAccumulates: Int,
        effectiveMultiplyAccumulates: Int
    ) {
        self.prunableWeights = prunableWeights
        self.keptWeights = keptWeights
        self.parameters = parameters
        self.multiplyAccumulates = multiplyAccumulates
        self.effectiveMultiplyAccumulates = effectiveMultiplyAccumulates
    }

    /// Measures `model`.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` when the description's shapes do not chain
    ///   or its prunable weights cannot be matched to its layer descriptions.
    public init(of model: Model) throws(DeepArcError) {
        let positions: [String: Int]
        var denseMACs = 0
        do {
            var shape = model.inputShape
            var found: [String: Int] = [:]
            for (index, unit) in model.spec.units.enumerated() {
                denseMACs += try unit.layer.multiplyAccumulates(forInput: shape)
                try Self.collectPositions(of: unit.layer, input: shape, prefix: "units.\(index).", into: &found)
                shape = try unit.layer.outputShape(forInput: shape)
            }
            positions = found
        } catch {
            throw .invalidConfiguration(reason: "cannot measure model '\(model.spec.architecture)': \(error)")
        }
        var prunable = 0
        var kept = 0
        var nonzeroKept = 0
        var savedMACs = 0
        for (name, parameter) in model.prunableParameters {
            guard let perWeight = positions[name] else {
                throw .invalidConfiguration(
                    reason: "prunable weight '\(name)' has no convolution or dense layer in the model description")
            }
            let count = parameter.value.count
            let keptHere = parameter.keptCount
            prunable += count
            kept += keptHere
            nonzeroKept += Self.nonzeroKept(parameter)
            savedMACs += (count - keptHere) * perWeight
        }
        self.init(
            prunableWeights: prunable, keptWeights: kept,
            parameters: model.parameterCount - prunable + nonzeroKept, multiplyAccumulates: denseMACs,
            effectiveMultiplyAccumulates: denseMACs - savedMACs)
    }

    // MARK: - Implementation

    /// Records, for every conv/dense weight inside `layer`, its checkpoint name and MACs per weight
    /// (output positions), naming children as the layers' `namedParameters` do: `i.` inside a
    /// sequential container, `body.i.` / `shortcut.i.` inside a residual block.
    private static func collectPositions(
        of layer: LayerSpec, input: [Int], prefix: String, into positions: inout [String: Int]
    ) throws(NNError) {
        switch layer {
        case .conv2D:
            let output = try layer.outputShape(forInput: input)
            positions[prefix + "weight"] = output.dropFirst().reduce(1, *)
        case .dense:
            positions[prefix + "weight"] = 1
        case .sequential(let children):
            try collectChain(children, input: input, prefix: prefix, into: &positions)
        case .residual(let body, let shortcut, _):
            try collectChain(body, input: input, prefix: prefix + "body.", into: &positions)
            try collectChain(shortcut, input: input, prefix: prefix + "shortcut.", into: &positions)
        case .batchNorm, .relu, .maxPool, .avgPool, .globalAvgPool, .flatten, .dropout:
            break
        }
    }

    private static func collectChain(
        _ children: [LayerSpec], input: [Int], prefix: String, into positions: inout [String: Int]
    ) throws(NNError) {
        var shape = input
        for (index, child) in children.enumerated() {
            try collectPositions(of: child, input: shape, prefix: prefix + "\(index).", into: &positions)
            shape = try child.outputShape(forInput: shape)
        }
    }

    /// The entries of `parameter` that are kept and non-zero.
    private static func nonzeroKept(_ parameter: Parameter) -> Int {
        parameter.value.withUnsafeBufferPointer { values in
            var count = 0
            if let mask = parameter.mask {
                mask.withUnsafeBufferPointer { keep in
                    for index in 0..<values.count where keep[index] != 0 && values[index] != 0 { count += 1 }
                }
            } else {
                for index in 0..<values.count where values[index] != 0 { count += 1 }
            }
            return count
        }
    }
}
