public import DeepArcNN
public import DeepArcTensor

/// A stand-in for DeepArc's restructuring as the preprocessing of a ``CompressionRun``: modularize the
/// model, then remove every intra-module unit that can go without a sewing adapter.
///
/// The units removed are the modularization's intra-module units (`removalOrderUnits`, Algorithm 2's
/// order) whose output shape equals their input shape (`LayerRemovalStudy.removableUnits(of:)`), all
/// at once; interface units (each module's first unit) and the classifier head stay. Units that would
/// need an adapter are left in place: the full `Restructurer`, which trains sewing adapters, supersedes
/// this step.
///
/// ```swift
/// let removal = IntraModuleUnitRemoval(modularizer: Modularizer(similarity: cka, partitioner: greedy),
///                                      samples: try train.images.slice(batch: 0..<500))
/// let run = CompressionRun(compressor: lamp, preprocess: removal.apply(to:))
/// ```
public struct IntraModuleUnitRemoval {
    /// The modularization pipeline.
    public var modularizer: Modularizer
    /// The samples the units are compared on, `[m] + inputShape`.
    public var samples: Tensor

    /// Creates the step.
    /// - Parameters:
    ///   - modularizer: the similarity metric and partitioner to modularize with.
    ///   - samples: the m samples to compare the units on.
    public init(modularizer: Modularizer, samples: Tensor) {
        self.modularizer = modularizer
        self.samples = samples
    }

    /// The modularization of `model` and the units this step removes from it, ascending.
    /// - Throws: the modularizer's errors.
    public func plan(for model: Model) throws -> (modularization: ModularizationResult, units: [Int]) {
        let modularization = try modularizer.modularize(model, samples: samples)
        let removable = try LayerRemovalStudy.removableUnits(of: model)
        let units = modularization.removalOrderUnits.filter { removable.contains($0) }.sorted()
        return (modularization, units)
    }

    /// A copy of `model` without its removable intra-module units (an unchanged copy when there are none).
    /// - Throws: the modularizer's errors, or `NNError` when the removal breaks the model.
    public func apply(to model: Model) throws -> Model {
        let units = try plan(for: model).units
        guard !units.isEmpty else { return try model.copy() }
        return try model.removingUnits(Set(units))
    }
}
