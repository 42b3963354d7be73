extension Tensor {
    /// A tensor of independent normal samples with the given mean and standard deviation.
    public static func randomNormal(
        shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout SeededGenerator
    ) -> Tensor {
        Tensor(shape: shape) { out in
            for index in 0..<out.count { out[index] = mean + standardDeviation * generator.nextNormal() }
        }
    }

    /// A tensor of independent uniform samples from `range` (lower bound inclusive).
    public static func randomUniform(
        shape: [Int], in range: ClosedRange<Float>, using generator: inout SeededGenerator
    ) -> Tensor {
        let width = range.upperBound - range.lowerBound
        return Tensor(shape: shape) { out in
            for index in 0..<out.count { out[index] = range.lowerBound + width * generator.nextUniform() }
        }
    }
}

extension Array {
    /// Shuffles in place with a seeded generator (Fisher–Yates), reproducibly.
    public mutating func seededShuffle(using generator: inout SeededGenerator) {
        guard count > 1 else { return }
        for index in stride(from: count - 1, to: 0, by: -1) {
            let other = Int(generator.next() % UInt64(index + 1))
            swapAt(index, other)
        }
    }
}
