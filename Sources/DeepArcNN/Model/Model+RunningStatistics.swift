extension Model {
    /// Sets ``BatchNorm/usesRunningStatistics`` on every batch-normalisation layer inside `units`
    /// (found through ``Sequential`` and ``ResidualBlock`` containers).
    ///
    /// Use it for the units that stay frozen while others train: they then normalise with their
    /// running statistics in training-mode passes as well, so training sees exactly the function
    /// inference will compute, and their statistics stay as they are.
    /// - Parameters:
    ///   - flag: the value to set.
    ///   - units: unit indices.
    /// - Throws: ``NNError/invalidUnit(_:)`` for an index outside the model's units (nothing is changed).
    public func setUsesRunningStatistics(_ flag: Bool, units: some Sequence<Int>) throws(NNError) {
        let indices = Array(units)
        if let bad = indices.first(where: { $0 < 0 || $0 >= unitCount }) {
            throw .invalidUnit("unit \(bad) is outside the model's units 0...\(unitCount - 1)")
        }
        for index in indices {
            for layer in Self.batchNorms(in: self.units[index]) { layer.usesRunningStatistics = flag }
        }
    }

    /// The units that hold a batch-normalisation layer whose ``BatchNorm/usesRunningStatistics`` is set.
    public func unitsUsingRunningStatistics() -> [Int] {
        units.indices.filter { Self.batchNorms(in: units[$0]).contains(where: \.usesRunningStatistics) }
    }

    /// Every ``BatchNorm`` inside `layer`, depth first.
    static func batchNorms(in layer: any Layer) -> [BatchNorm] {
        switch layer {
        case let norm as BatchNorm: [norm]
        case let sequence as Sequential: sequence.layers.flatMap { batchNorms(in: $0) }
        case let block as ResidualBlock: batchNorms(in: block.body) + batchNorms(in: block.shortcut)
        default: []
        }
    }
}
