/// A partition of the layers `0..<n` into consecutive modules, e.g. `[[0], [1, 2, 3], [4]]`.
///
/// Invariants (checked by every initialiser, so a `Partition` value is always valid):
/// - there is at least one module and every module holds at least one layer;
/// - the first module starts at layer 0 and each module starts right after the previous one ends,
///   so the modules cover `0..<layerCount` exactly once, in order.
///
/// Its JSON form is the list of modules, each the list of its layers: `[[0],[1,2,3],[4]]`.
///
/// ```swift
/// let partition = try Partition(modules: [0...0, 1...3, 4...4])
/// partition.layerCount          // 5
/// partition.module(containing: 2)   // 1
/// ```
public struct Partition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The modules in layer order, each a closed range of layer indices.
    public let modules: [ClosedRange<Int>]

    // MARK: - Creating

    /// Creates a partition from its modules.
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` when there is no module, the first does not
    ///   start at 0, or a module does not start right after the previous one.
    public init(modules: [ClosedRange<Int>]) throws(DeepArcError) {
        guard let first = modules.first else {
            throw .invalidPartition(reason: "a partition needs at least one module")
        }
        guard first.lowerBound == 0 else {
            throw .invalidPartition(reason: "the first module starts at layer \(first.lowerBound), not 0")
        }
        for index in modules.indices.dropFirst() {
            let expected = modules[index - 1].upperBound + 1
            guard modules[index].lowerBound == expected else {
                throw .invalidPartition(
                    reason: "module \(index) starts at layer \(modules[index].lowerBound); "
                        + "it must start at layer \(expected), right after module \(index - 1)")
            }
        }
        self.modules = modules
    }

    /// Creates a partition from the lists of layers of its modules, e.g. `[[0], [1, 2, 3]]`.
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` when a module is empty, its layers are not
    ///   consecutive and increasing, or the modules do not cover `0..<n` in order.
    public init(layers: [[Int]]) throws(DeepArcError) {
        var ranges: [ClosedRange<Int>] = []
        ranges.reserveCapacity(layers.count)
        for (index, module) in layers.enumerated() {
            guard let first = module.first, let last = module.last else {
                throw .invalidPartition(reason: "module \(index) is empty")
            }
            for position in module.indices.dropFirst() where module[position] != module[position - 1] + 1 {
                throw .invalidPartition(
                    reason: "module \(index) \(module) is not a run of consecutive increasing layers")
            }
            ranges.append(first...last)
        }
        try self.init(modules: ranges)
    }

    /// Creates a partition of `0..<layerCount` whose modules start at `starts`.
    /// - Parameters:
    ///   - starts: the first layer of each module, strictly increasing, beginning with 0.
    ///   - layerCount: the number of layers n.
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` when `layerCount` is not positive, `starts`
    ///   does not begin with 0, is not strictly increasing or reaches past the last layer.
    public init(moduleStarts starts: [Int], layerCount: Int) throws(DeepArcError) {
        guard layerCount > 0 else { throw .invalidPartition(reason: "layer count \(layerCount) is not positive") }
        guard starts.first == 0 else { throw .invalidPartition(reason: "module starts \(starts) do not begin with 0") }
        var ranges: [ClosedRange<Int>] = []
        ranges.reserveCapacity(starts.count)
        for index in starts.indices {
            let end = index + 1 < starts.count ? starts[index + 1] - 1 : layerCount - 1
            guard end >= starts[index] else {
                throw .invalidPartition(
                    reason: "module starts \(starts) must be strictly increasing and below \(layerCount)")
            }
            ranges.append(starts[index]...end)
        }
        try self.init(modules: ranges)
    }

    /// The partition of `0..<layerCount` into single-layer modules.
    /// - Precondition: `layerCount > 0`.
    public static func singletons(layerCount: Int) -> Partition {
        precondition(layerCount > 0, "a partition needs at least one layer")
        return Partition(unchecked: (0..<layerCount).map { $0...$0 })
    }

    /// The partition with one module holding all `layerCount` layers.
    /// - Precondition: `layerCount > 0`.
    public static func whole(layerCount: Int) -> Partition {
        precondition(layerCount > 0, "a partition needs at least one layer")
        return Partition(unchecked: [0...(layerCount - 1)])
    }

    private init(unchecked modules: [ClosedRange<Int>]) {
        self.modules = modules
    }

    // MARK: - Queries

    /// The number of layers n covered by the partition.
    public var layerCount: Int { modules[modules.count - 1].upperBound + 1 }

    /// The number of modules.
    public var moduleCount: Int { modules.count }

    /// The first layer of every module, in order.
    public var moduleStarts: [Int] { modules.map(\.lowerBound) }

    /// The modules as lists of layers, the JSON form: `[[0], [1, 2, 3]]`.
    public var layerLists: [[Int]] { modules.map { Array($0) } }

    /// The index of the module that holds `layer`, or nil when `layer` is outside `0..<layerCount`.
    public func module(containing layer: Int) -> Int? {
        guard layer >= 0, layer < layerCount else { return nil }
        // Binary search over the module starts.
        var low = 0
        var high = modules.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if modules[middle].lowerBound <= layer { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Whether layers `i` and `j` lie in the same module.
    public func sameModule(_ i: Int, _ j: Int) -> Bool {
        guard let a = module(containing: i), let b = module(containing: j) else { return false }
        return a == b
    }

    /// The compact form, e.g. `[[0], [1…3], [4]]`.
    public var description: String {
        "["
            + modules.map { $0.count == 1 ? "[\($0.lowerBound)]" : "[\($0.lowerBound)…\($0.upperBound)]" }
            .joined(separator: ", ") + "]"
    }

    // MARK: - Codable

    /// Decodes the JSON form `[[0],[1,2,3],…]`, validating it.
    /// - Throws: ``DeepArcError/invalidPartition(reason:)`` for a list that is not a valid partition,
    ///   or a `DecodingError` when the value is not a list of lists of integers.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let layers = try container.decode([[Int]].self)
        try self.init(layers: layers)
    }

    /// Encodes the JSON form `[[0],[1,2,3],…]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(layerLists)
    }
}
