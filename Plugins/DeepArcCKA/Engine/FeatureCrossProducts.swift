import DeepArcTensor

/// The linear-kernel inner products computed in feature space: ⟨X_i X_iᵀ, X_j X_jᵀ⟩ = ‖X_jᵀ X_i‖²_F.
///
/// Each pair costs m · d_i · d_j multiply-adds instead of the Gram route's m² · d per layer plus m²
/// per pair, so it wins when layers are narrow compared with the sample count (see
/// ``LinearCKA/Form``). The d_i × d_j products are formed in column slices that fit the memory
/// budget; their squares are summed in `Double`.
enum FeatureCrossProducts {
    /// Multiply-adds of the feature route for layers of `widths` on m samples (each pair i ≤ j once).
    static func cost(samples m: Int, widths: [Int]) -> Double {
        let total = widths.reduce(0.0) { $0 + Double($1) }
        let squares = widths.reduce(0.0) { $0 + Double($1) * Double($1) }
        return Double(m) * (total * total + squares) / 2
    }

    /// Multiply-adds of the Gram route: the upper triangles of the n Grams (Σ_l m²·d_l / 2) plus the
    /// stacked cross product (n(n+1)/2 pairs over m²/2 entries).
    static func gramCost(samples m: Int, widths: [Int]) -> Double {
        let n = Double(widths.count)
        let mm = Double(m) * Double(m)
        return mm * widths.reduce(0.0) { $0 + Double($1) } / 2 + n * (n + 1) / 2 * mm / 2
    }

    /// ‖X_jᵀ X_i‖²_F for every pair (n × n, row-major, symmetric).
    static func compute(_ layers: [PreparedLayer], memoryBudget: Int) -> [Double] {
        let n = layers.count
        let m = layers.first?.rows ?? 0
        var products = [Double](repeating: 0, count: n * n)
        let floats = max(1, memoryBudget / MemoryLayout<Float>.stride)
        let widest = layers.map(\.columns).max() ?? 1
        var buffer = [Float](repeating: 0, count: min(floats, widest * widest) + widest)
        buffer.withUnsafeMutableBufferPointer { storage in
            guard let c = storage.baseAddress else { return }
            for i in 0..<n {
                let di = layers[i].columns
                for j in i..<n {
                    let dj = layers[j].columns
                    let slice = min(dj, max(1, floats / di))
                    var sum = 0.0
                    layers[i].withValues { xi in
                        layers[j].withValues { xj in
                            var start = 0
                            while start < dj {
                                let width = min(slice, dj - start)
                                BLAS.sgemm(
                                    transposeA: true, transposeB: false, m: di, n: width, k: m, a: xi, lda: di,
                                    b: xj + start, ldb: dj, c: c, ldc: width)
                                sum += sumOfSquares(c, count: di * width)
                                start += width
                            }
                        }
                    }
                    products[i * n + j] = sum
                    products[j * n + i] = sum
                }
            }
        }
        return products
    }

    /// Σ v² over `count` floats, in `Double`, in fixed pieces summed in order.
    static func sumOfSquares(_ values: UnsafePointer<Float>, count: Int) -> Double {
        let pieces = Parallel.ranges(count, grain: 1 << 16)
        var partial = [Double](repeating: 0, count: pieces.count)
        partial.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            Parallel.forEach(pieces.count) { piece in
                var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
                var k = pieces[piece].lowerBound
                let end = pieces[piece].upperBound
                while k + 4 <= end {
                    let v0 = Double(values[k]), v1 = Double(values[k + 1])
                    let v2 = Double(values[k + 2]), v3 = Double(values[k + 3])
                    a += v0 * v0
                    b += v1 * v1
                    c += v2 * v2
                    d += v3 * v3
                    k += 4
                }
                while k < end {
                    a += Double(values[k]) * Double(values[k])
                    k += 1
                }
                out[piece] = (a + b) + (c + d)
            }
        }
        return partial.reduce(0, +)
    }
}
