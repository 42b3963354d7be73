/// A network's semantic architecture: a ``Partition`` of its layers into modules, read against the
/// similarity matrix it came from.
///
/// Per module it gives the paper's simmod (Eq. 3) and whether it is a single-layer module (an
/// "interface") or a multi-layer one; for the whole network the modularity Y (§III.B), the interface
/// and intra-module layers, and the order in which the paper's Algorithm 2 removes or duplicates
/// layers.
///
/// ```swift
/// let partition = try GreedyPartitioner(options: .init()).partition(matrix)
/// let architecture = try SemanticArchitecture(partition: partition, matrix: matrix, threshold: 0.99)
/// architecture.modularity        // layers in multi-layer modules / n
/// architecture.removalOrder      // intra-module layers, most redundant module first
/// ```
public struct SemanticArchitecture: Sendable, Equatable {
    /// The modules.
    public let partition: Partition
    /// The layer-similarity matrix the partition was computed from.
    public let matrix: SimilarityMatrix
    /// The threshold th the partition was computed with.
    public let threshold: Double
    /// Every module with its simmod, in layer order.
    public let modules: [SemanticModule]

    // MARK: - Creating

    /// Describes `partition` against `matrix`.
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` when the partition and the matrix cover
    ///   different numbers of layers; ``DeepArcError/invalidOption(strategy:option:reason:)`` when
    ///   `threshold` is not in (0, 1].
    public init(partition: Partition, matrix: SimilarityMatrix, threshold: Double) throws(DeepArcError) {
        guard partition.layerCount == matrix.count else {
            throw .invalidPartition(
                reason: "the partition covers \(partition.layerCount) layers but the matrix has \(matrix.count)")
        }
        guard threshold > 0, threshold <= 1 else {
            throw .invalidOption(
                strategy: "semantic architecture", option: "threshold",
                reason: "must satisfy 0 < threshold ≤ 1; got \(threshold)")
        }
        self.partition = partition
        self.matrix = matrix
        self.threshold = threshold
        self.modules = partition.modules.enumerated().map { index, layers in
            SemanticModule(index: index, layers: layers, simmod: SemanticModule.simmod(of: layers, in: matrix))
        }
    }

    // MARK: - Summary

    /// The number of layers n.
    public var layerCount: Int { matrix.count }

    /// The number of modules.
    public var moduleCount: Int { modules.count }

    /// The modules holding more than one layer.
    public var multiLayerModules: [SemanticModule] { modules.filter(\.isMultiLayer) }

    /// The modules holding exactly one layer.
    public var singleLayerModules: [SemanticModule] { modules.filter { !$0.isMultiLayer } }

    /// The paper's modularity Y (§III.B): the number of layers in multi-layer modules divided by n.
    public var modularity: Double {
        let inMultiLayer = multiLayerModules.reduce(0) { $0 + $1.layers.count }
        return Double(inMultiLayer) / Double(layerCount)
    }

    /// The layers that stay when intra-module layers are removed: the first layer of each
    /// multi-layer module and every single-layer module, in layer order.
    public var interfaceLayers: [Int] { modules.map(\.interfaceLayer) }

    /// The layers after the first in each multi-layer module, in layer order: the candidates for
    /// removal.
    public var intraModuleLayers: [Int] {
        modules.flatMap { module in module.intraModuleLayers.map(Array.init) ?? [] }
    }

    // MARK: - Algorithm 2 (layer removal and duplication)

    /// The multi-layer modules, most redundant first: by simmod descending, a NaN simmod last,
    /// equal simmods by module index.
    public var modulesByRedundancy: [SemanticModule] {
        multiLayerModules.sorted { lhs, rhs in
            switch (lhs.simmod.isNaN, rhs.simmod.isNaN) {
            case (false, true): return true
            case (true, false): return false
            case (true, true): return lhs.index < rhs.index
            case (false, false):
                return lhs.simmod != rhs.simmod ? lhs.simmod > rhs.simmod : lhs.index < rhs.index
            }
        }
    }

    /// The order in which layers are removed one at a time (the layer-removal half of the paper's
    /// Algorithm 2): every intra-module layer, taking the module with the highest simmod first, and
    /// within a module its layers from the last towards the second; a module's first layer (its
    /// interface) and single-layer modules are never removed.
    ///
    /// The text of Algorithm 2 was not available to us. This order is our reading of it, chosen
    /// because it removes the most redundant layers first. The authors' published script
    /// (`RQ2/property.py`) takes the layer list on its command line. Their demo passes blocks 48 and 49,
    /// the last two blocks of module [38…49].
    /// Removing the first k layers of this list gives the k-th model of a removal curve.
    public var removalOrder: [Int] {
        modulesByRedundancy.flatMap { module in
            module.intraModuleLayers.map { Array($0.reversed()) } ?? []
        }
    }

    /// The order in which layers are duplicated one at a time (the layer-addition half of Algorithm 2):
    /// the same layers in the same order as ``removalOrder``. Duplicating a layer inserts a copy of it
    /// right after it, so the copy lands inside the same module.
    public var duplicationOrder: [Int] { removalOrder }
}

// MARK: - Codable

extension SemanticArchitecture: Codable {
    private enum CodingKeys: String, CodingKey {
        case threshold, layerCount, moduleCount, modularity, modules, interfaceLayers, intraModuleLayers
        case removalOrder, duplicationOrder, similarity, degenerate
    }

    private struct ModuleRecord: Codable {
        var layers: [Int]
        var simmod: Double?
        var multiLayer: Bool
    }

    /// Encodes the summary (threshold, modules with simmod, modularity, interface and intra-module
    /// layers, removal and duplication orders) and the matrix as rows with NaN as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(layerCount, forKey: .layerCount)
        try container.encode(moduleCount, forKey: .moduleCount)
        try container.encode(modularity, forKey: .modularity)
        let records = modules.map {
            ModuleRecord(
                layers: Array($0.layers), simmod: $0.simmod.isNaN ? nil : $0.simmod, multiLayer: $0.isMultiLayer)
        }
        try container.encode(records, forKey: .modules)
        try container.encode(interfaceLayers, forKey: .interfaceLayers)
        try container.encode(intraModuleLayers, forKey: .intraModuleLayers)
        try container.encode(removalOrder, forKey: .removalOrder)
        try container.encode(duplicationOrder, forKey: .duplicationOrder)
        let rows: [[Double?]] = matrix.rows.map { row in row.map { $0.isNaN ? nil : $0 } }
        try container.encode(rows, forKey: .similarity)
        try container.encode(matrix.degenerate, forKey: .degenerate)
    }

    /// Decodes what ``encode(to:)`` wrote, rebuilding the summary from the modules, the matrix and
    /// the threshold (the derived fields are not trusted).
    /// - Throws: ``DeepArcError`` for a matrix, partition or threshold that is not valid.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let threshold = try container.decode(Double.self, forKey: .threshold)
        let records = try container.decode([ModuleRecord].self, forKey: .modules)
        let rows = try container.decode([[Double?]].self, forKey: .similarity)
        let degenerate = try container.decodeIfPresent([Bool].self, forKey: .degenerate)
        let matrix = try SimilarityMatrix(rows: rows.map { $0.map { $0 ?? .nan } }, degenerate: degenerate)
        let partition = try Partition(layers: records.map(\.layers))
        try self.init(partition: partition, matrix: matrix, threshold: threshold)
    }
}
