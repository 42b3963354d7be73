public import DeepArcNN
public import DeepArcTensor
import Foundation

/// The modularization pipeline: a model and m samples → unit activations → similarity matrix →
/// partition → ``SemanticArchitecture``.
///
/// ```swift
/// let modularizer = Modularizer(similarity: try LinearCKA(options: .init()),
///                               partitioner: try GreedyPartitioner(options: .init()))
/// let result = try modularizer.modularize(model, samples: images)
/// print(result.architecture.modularity)
/// ```
public struct Modularizer {
    /// Which units' outputs are compared.
    public enum UnitSelection: Sendable, Equatable {
        /// Every unit except the last (the classifier head, whose output is the logits).
        case allButHead
        /// Every unit.
        case all
        /// The given unit indices, ascending.
        case units([Int])
    }

    /// The similarity metric.
    public var similarity: any SimilarityMetric
    /// The partitioner (its threshold is in its options).
    public var partitioner: any Partitioner
    /// Samples per forward pass while capturing activations.
    public var batchSize: Int
    /// The units whose outputs are compared.
    public var units: UnitSelection

    /// Creates a pipeline.
    public init(
        similarity: any SimilarityMetric, partitioner: any Partitioner, batchSize: Int = 256,
        units: UnitSelection = .allButHead
    ) {
        self.similarity = similarity
        self.partitioner = partitioner
        self.batchSize = batchSize
        self.units = units
    }

    /// The unit indices this pipeline compares in `model`.
    /// - Throws: ``DeepArcError/invalidConfiguration(reason:)`` for an empty or out-of-range selection.
    public func selectedUnits(of model: Model) throws(DeepArcError) -> [Int] {
        let selected: [Int]
        switch units {
        case .allButHead: selected = Array(0..<max(model.unitCount - 1, 0))
        case .all: selected = Array(0..<model.unitCount)
        case .units(let list): selected = list
        }
        guard !selected.isEmpty else {
            throw .invalidConfiguration(reason: "no units to compare: the model has \(model.unitCount) unit(s)")
        }
        guard selected == selected.sorted(), Set(selected).count == selected.count,
            selected.allSatisfy({ $0 >= 0 && $0 < model.unitCount })
        else {
            throw .invalidConfiguration(
                reason: "unit selection \(selected) must be ascending, distinct and within 0..<\(model.unitCount)")
        }
        return selected
    }

    /// The similarity matrix of the selected units' outputs on `samples` (`[m] + model.inputShape`),
    /// captured batch by batch in inference mode.
    /// - Throws: the model's errors for samples of the wrong shape, the metric's for degenerate input.
    public func similarityMatrix(of model: Model, samples: Tensor) throws -> SimilarityMatrix {
        let selected = try selectedUnits(of: model)
        guard samples.batchCount > 0 else {
            throw DeepArcError.invalidActivations(layer: nil, reason: "no samples to compare the units on")
        }
        let capture = Set(selected)
        let last = selected.max() ?? 0
        var accumulator = try similarity.makeAccumulator(layerCount: selected.count)
        var start = 0
        let size = max(1, batchSize)
        while start < samples.batchCount {
            let end = min(start + size, samples.batchCount)
            let batch = try samples.slice(batch: start..<end)
            let (_, captured) = try model.forward(batch, mode: .inference, capturing: capture, endUnit: last)
            try accumulator.add(selected.map { unit in captured[unit] ?? Tensor(zeros: [0]) })
            start = end
        }
        return try accumulator.finalize()
    }

    /// The semantic architecture of `model` on `samples`.
    public func modularize(_ model: Model, samples: Tensor) throws -> ModularizationResult {
        let started = Date()
        let selected = try selectedUnits(of: model)
        let matrix = try similarityMatrix(of: model, samples: samples)
        let measured = Date()
        let partition = try partitioner.partition(matrix)
        let architecture = try SemanticArchitecture(
            partition: partition, matrix: matrix, threshold: partitioner.threshold)
        return ModularizationResult(
            architecture: architecture, unitIndices: selected, unitNames: selected.map { model.unitNames[$0] },
            similarityMetric: type(of: similarity).identifier, partitioner: type(of: partitioner).identifier,
            sampleCount: samples.batchCount, similaritySeconds: measured.timeIntervalSince(started),
            partitionSeconds: Date().timeIntervalSince(measured))
    }
}
