/// What ``Modularizer`` found: the semantic architecture over the compared units, and how the
/// matrix's layer indices map back to the model's units.
public struct ModularizationResult: Sendable, Equatable, Codable {
    /// The partition into modules, with the similarity matrix and threshold.
    public var architecture: SemanticArchitecture
    /// `unitIndices[i]` is the model unit behind layer i of the matrix.
    public var unitIndices: [Int]
    /// The units' names, in matrix order.
    public var unitNames: [String]
    /// The similarity metric's identifier.
    public var similarityMetric: String
    /// The partitioner's identifier.
    public var partitioner: String
    /// The number of samples the similarity was measured on.
    public var sampleCount: Int
    /// Wall time of capturing activations and computing the matrix.
    public var similaritySeconds: Double
    /// Wall time of partitioning.
    public var partitionSeconds: Double

    /// Creates a result.
    public init(
        architecture: SemanticArchitecture, unitIndices: [Int], unitNames: [String], similarityMetric: String,
        partitioner: String, sampleCount: Int, similaritySeconds: Double, partitionSeconds: Double
    ) {
        self.architecture = architecture
        self.unitIndices = unitIndices
        self.unitNames = unitNames
        self.similarityMetric = similarityMetric
        self.partitioner = partitioner
        self.sampleCount = sampleCount
        self.similaritySeconds = similaritySeconds
        self.partitionSeconds = partitionSeconds
    }

    /// The model units of each module, in order.
    public var moduleUnits: [[Int]] {
        architecture.modules.map { module in module.layers.map { unitIndices[$0] } }
    }

    /// The intra-module units in Algorithm 2's removal order.
    public var removalOrderUnits: [Int] { architecture.removalOrder.map { unitIndices[$0] } }

    /// Every module's interface unit (its first).
    public var interfaceUnits: [Int] { architecture.interfaceLayers.map { unitIndices[$0] } }
}
