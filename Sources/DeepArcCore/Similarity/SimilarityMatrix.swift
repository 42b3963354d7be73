/// An n × n layer-similarity matrix: symmetric, NaN where a layer is degenerate.
///
/// Layers are indexed from 0 in model order.
public struct SimilarityMatrix: Sendable, Equatable, Codable {
    /// The number of layers n.
    public let count: Int
    /// The entries, row-major (n·n values); NaN marks an undefined similarity.
    public let values: [Double]
    /// `degenerate[i]` is true when layer i's similarities are undefined (constant or dead layer).
    public let degenerate: [Bool]

    /// Creates a matrix from its rows.
    /// - Throws: ``DeepArcError/invalidMatrix(reason:)`` when it is empty, not square, contains an
    ///   infinity, or is not symmetric within `symmetryTolerance` (NaN must mirror NaN).
    public init(rows: [[Double]], degenerate: [Bool]? = nil, symmetryTolerance: Double = 1e-6) throws(DeepArcError) {
        let n = rows.count
        guard n > 0 else { throw .invalidMatrix(reason: "the matrix is empty") }
        for (index, row) in rows.enumerated() where row.count != n {
            throw .invalidMatrix(reason: "row \(index) has \(row.count) entries; a \(n) × \(n) matrix needs \(n)")
        }
        try self.init(count: n, values: rows.flatMap { $0 }, degenerate: degenerate, symmetryTolerance: symmetryTolerance)
    }

    /// Creates a matrix from `count · count` row-major values.
    /// - Throws: ``DeepArcError/invalidMatrix(reason:)`` as ``init(rows:degenerate:symmetryTolerance:)``.
    public init(count: Int, values: [Double], degenerate: [Bool]? = nil, symmetryTolerance: Double = 1e-6)
        throws(DeepArcError)
    {
        guard count > 0 else { throw .invalidMatrix(reason: "the matrix is empty") }
        guard values.count == count * count else {
            throw .invalidMatrix(reason: "\(values.count) values cannot form a \(count) × \(count) matrix")
        }
        if let degenerate, degenerate.count != count {
            throw .invalidMatrix(reason: "\(degenerate.count) degenerate flags for \(count) layers")
        }
        for i in 0..<count {
            for j in i..<count {
                let a = values[i * count + j]
                let b = values[j * count + i]
                if a.isInfinite || b.isInfinite {
                    throw .invalidMatrix(reason: "entry [\(i)][\(j)] is infinite")
                }
                if a.isNaN != b.isNaN {
                    throw .invalidMatrix(reason: "entry [\(i)][\(j)] is NaN but [\(j)][\(i)] is not (not symmetric)")
                }
                if !a.isNaN, abs(a - b) > symmetryTolerance * max(1, abs(a), abs(b)) {
                    throw .invalidMatrix(reason: "not symmetric: [\(i)][\(j)] = \(a) but [\(j)][\(i)] = \(b)")
                }
            }
        }
        self.count = count
        self.values = values
        self.degenerate = degenerate ?? (0..<count).map { values[$0 * count + $0].isNaN }
    }

    /// The similarity of layers `i` and `j`.
    public subscript(i: Int, j: Int) -> Double {
        values[i * count + j]
    }

    /// The matrix as rows.
    public var rows: [[Double]] {
        (0..<count).map { Array(values[($0 * count)..<($0 * count + count)]) }
    }
}
