import DeepArcCore
import DeepArcTestKit

/// A matrix with the given adjacent similarities `S[k][k+1]`, every other off-diagonal entry
/// `filler`, unit diagonal, and explicit overrides `extra[(i, j)]` (mirrored).
func matrix(links: [Double], filler: Double = 0.5, extra: [[Int]: Double] = [:]) -> SimilarityMatrix {
    let n = links.count + 1
    var rows = [[Double]](repeating: [Double](repeating: filler, count: n), count: n)
    for i in 0..<n { rows[i][i] = 1 }
    for (k, link) in links.enumerated() {
        rows[k][k + 1] = link
        rows[k + 1][k] = link
    }
    for (pair, value) in extra {
        rows[pair[0]][pair[1]] = value
        rows[pair[1]][pair[0]] = value
    }
    return RandomMatrices.matrix(rows: rows)
}

/// A partition from lists of layers (test shorthand; the lists are valid by construction).
func partition(_ layers: [[Int]]) throws -> Partition {
    try Partition(layers: layers)
}
