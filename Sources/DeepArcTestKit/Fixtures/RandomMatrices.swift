public import DeepArcCore
public import DeepArcTensor

/// Synthetic similarity matrices for partitioner tests.
public enum RandomMatrices {
    /// A uniform `Double` in [0, 1) with 53 random bits.
    public static func uniform(using generator: inout SeededGenerator) -> Double {
        Double(generator.next() >> 11) * 0x1p-53
    }

    /// A random symmetric n × n matrix with unit diagonal.
    /// - Parameters:
    ///   - n: the number of layers.
    ///   - range: where the off-diagonal entries are drawn (uniformly).
    ///   - quantum: when set, entries are rounded to the nearest multiple of it (so ties occur).
    ///   - nanProbability: the chance that an off-diagonal pair {i, j} is NaN.
    ///   - degenerateLayers: layers whose whole row and column (diagonal included) are NaN.
    ///   - generator: the random source.
    /// - Precondition: `count > 0`.
    public static func symmetric(
        count n: Int, in range: ClosedRange<Double> = 0...1, quantum: Double? = nil, nanProbability: Double = 0,
        degenerateLayers: Set<Int> = [], using generator: inout SeededGenerator
    ) -> SimilarityMatrix {
        precondition(n > 0, "a matrix needs at least one layer")
        var values = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            values[i * n + i] = 1
            for j in (i + 1)..<max(i + 1, n) {
                var value = range.lowerBound + (range.upperBound - range.lowerBound) * uniform(using: &generator)
                if let quantum { value = (value / quantum).rounded() * quantum }
                if uniform(using: &generator) < nanProbability { value = .nan }
                values[i * n + j] = value
                values[j * n + i] = value
            }
        }
        for layer in degenerateLayers where layer >= 0 && layer < n {
            for k in 0..<n {
                values[layer * n + k] = .nan
                values[k * n + layer] = .nan
            }
        }
        return matrix(count: n, values: values)
    }

    /// A matrix with modules: consecutive blocks of the given sizes, entries inside a block drawn
    /// from `within`, entries between blocks from `between`, unit diagonal.
    /// - Parameters:
    ///   - sizes: the block sizes, in layer order.
    ///   - within: where entries inside a block are drawn.
    ///   - between: where entries between blocks are drawn.
    ///   - generator: the random source.
    /// - Precondition: every size is positive.
    public static func blocks(
        sizes: [Int], within: ClosedRange<Double> = 0.995...1, between: ClosedRange<Double> = 0.2...0.9,
        using generator: inout SeededGenerator
    ) -> SimilarityMatrix {
        precondition(!sizes.isEmpty && sizes.allSatisfy { $0 > 0 }, "block sizes must be positive")
        var block: [Int] = []
        for (index, size) in sizes.enumerated() { block += Array(repeating: index, count: size) }
        let n = block.count
        var values = [Double](repeating: 1, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let range = block[i] == block[j] ? within : between
                let value = range.lowerBound + (range.upperBound - range.lowerBound) * uniform(using: &generator)
                values[i * n + j] = value
                values[j * n + i] = value
            }
        }
        return matrix(count: n, values: values)
    }

    /// A matrix from rows (entries exactly as given).
    /// - Precondition: the rows form a valid symmetric matrix (a programmer error otherwise).
    public static func matrix(rows: [[Double]]) -> SimilarityMatrix {
        do {
            return try SimilarityMatrix(rows: rows)
        } catch {
            preconditionFailure("RandomMatrices.matrix(rows:): \(error)")
        }
    }

    private static func matrix(count: Int, values: [Double]) -> SimilarityMatrix {
        do {
            return try SimilarityMatrix(count: count, values: values)
        } catch {
            preconditionFailure("RandomMatrices: \(error)")
        }
    }
}
