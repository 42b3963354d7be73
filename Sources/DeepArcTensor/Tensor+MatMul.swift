extension Tensor {
    /// The matrix product op(a) · op(b) of two rank-2 tensors, computed by `cblas_sgemm`.
    ///
    /// - Parameters:
    ///   - transposeA: use aᵀ in place of a.
    ///   - transposeB: use bᵀ in place of b.
    /// - Throws: ``Tensor/Error/rankMismatch(operation:expected:actual:)`` for a non-matrix operand and
    ///   ``Tensor/Error/shapeMismatch(operation:lhs:rhs:)`` when the inner dimensions differ.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
    ) throws(Tensor.Error) -> Tensor {
        guard a.rank == 2 else { throw .rankMismatch(operation: "matmul", expected: 2, actual: a.shape) }
        guard b.rank == 2 else { throw .rankMismatch(operation: "matmul", expected: 2, actual: b.shape) }
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        guard k == kb else {
            let name = "matmul(\(transposeA ? "aᵀ" : "a"), \(transposeB ? "bᵀ" : "b"))"
            throw .shapeMismatch(operation: name, lhs: a.shape, rhs: b.shape)
        }
        return Tensor(shape: [m, n]) { c in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    guard let c = c.baseAddress else { return }
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress else {
                        c.update(repeating: 0, count: m * n)
                        return
                    }
                    BLAS.sgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        a: pa, lda: a.shape[1], b: pb, ldb: b.shape[1], c: c, ldc: n)
                }
            }
        }
    }

    /// The transpose of a rank-2 tensor.
    public func transposed() throws(Tensor.Error) -> Tensor {
        guard rank == 2 else { throw .rankMismatch(operation: "transposed", expected: 2, actual: shape) }
        let rows = shape[0]
        let columns = shape[1]
        return Tensor(shape: [columns, rows]) { out in
            storage.withUnsafeBufferPointer { source in
                // Blocked so both sides stay in cache.
                let block = 32
                var rowStart = 0
                while rowStart < rows {
                    let rowEnd = min(rowStart + block, rows)
                    var columnStart = 0
                    while columnStart < columns {
                        let columnEnd = min(columnStart + block, columns)
                        for row in rowStart..<rowEnd {
                            for column in columnStart..<columnEnd {
                                out[column * rows + row] = source[row * columns + column]
                            }
                        }
                        columnStart = columnEnd
                    }
                    rowStart = rowEnd
                }
            }
        }
    }
}
