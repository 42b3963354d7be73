import DeepArcTensor
import Testing

/// A row-major matrix with a leading dimension, filled from a seed.
private struct StridedMatrix {
    var rows: Int
    var columns: Int
    var stride: Int
    var values: [Float]

    init(rows: Int, columns: Int, padding: Int, seed: UInt64, fill: Float? = nil) {
        self.rows = rows
        self.columns = columns
        self.stride = columns + padding
        var generator = SeededGenerator(seed: seed)
        values = (0..<max(1, rows * stride)).map { _ in fill ?? Float.random(in: -1...1, using: &generator) }
    }

    subscript(row: Int, column: Int) -> Float { values[row * stride + column] }
}

/// The reference product in Double and the Higham bound γ_k · Σ|terms| on its single-precision
/// rounding error, for element (i, j) of alpha · op(A) · op(B) + beta · C.
private func reference(
    _ a: StridedMatrix, transposeA: Bool, _ b: StridedMatrix, transposeB: Bool, k: Int, alpha: Float, beta: Float,
    c: StridedMatrix, i: Int, j: Int
) -> (value: Double, bound: Double) {
    var sum = 0.0
    var magnitude = 0.0
    for kk in 0..<k {
        let x = Double(transposeA ? a[kk, i] : a[i, kk])
        let y = Double(transposeB ? b[j, kk] : b[kk, j])
        sum += x * y
        magnitude += abs(x * y)
    }
    let kept = beta == 0 ? 0 : Double(beta) * Double(c[i, j])
    let unit = Double(Float.ulpOfOne) / 2
    let gamma = Double(k + 3) * unit / (1 - Double(k + 3) * unit)
    return (Double(alpha) * sum + kept, gamma * (abs(Double(alpha)) * magnitude + abs(kept)) + 1e-30)
}

@Suite("AVX-512 GEMM against a double-precision reference")
struct AVX512GEMMTests {
    /// (m, n, k): single elements, partial micro-tiles, k across the 384-deep blocks, n across the
    /// 320-column blocks and m across the 1536-row blocks.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (5, 7, 3), (12, 32, 16), (13, 33, 17), (25, 70, 385), (40, 321, 50), (7, 650, 9), (1537, 17, 5),
        // The narrow 16 × 16 tile (C at most 16 columns): across the row and depth blocks.
        (1537, 16, 5), (33, 16, 400), (20, 9, 30),
    ]

    @Test(
        "sgemm matches the reference for every transpose, padded strides, α and β, and never reads C when β = 0",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"),
        arguments: shapes.indices)
    func sgemmMatchesReference(shapeIndex: Int) {
        let (m, n, k) = Self.shapes[shapeIndex]
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            for (alpha, beta) in [(Float(1), Float(0)), (-0.5, 2)] {
                let a = StridedMatrix(
                    rows: transposeA ? k : m, columns: transposeA ? m : k, padding: 3, seed: UInt64(shapeIndex))
                let b = StridedMatrix(
                    rows: transposeB ? n : k, columns: transposeB ? k : n, padding: 5, seed: UInt64(shapeIndex + 100))
                // C starts as NaN when β = 0 (it must not be read), random otherwise; its padding is a sentinel.
                var c = StridedMatrix(
                    rows: m, columns: n, padding: 2, seed: UInt64(shapeIndex + 200), fill: beta == 0 ? .nan : nil)
                for row in 0..<m { for column in n..<c.stride { c.values[row * c.stride + column] = 12345 } }
                let before = c
                c.values.withUnsafeMutableBufferPointer { out in
                    AVX512GEMM.sgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: a.values, lda: a.stride, b: b.values, ldb: b.stride, beta: beta, c: out.baseAddress!,
                        ldc: c.stride, threads: 1)
                }
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        let expected = reference(
                            a, transposeA: transposeA, b, transposeB: transposeB, k: k, alpha: alpha, beta: beta,
                            c: before, i: i, j: j)
                        worst = max(worst, abs(Double(c[i, j]) - expected.value) / expected.bound)
                    }
                    for column in n..<c.stride { #expect(c[i, column] == 12345) }
                }
                #expect(worst <= 1, "m \(m) n \(n) k \(k) transposes \(transposeA) \(transposeB) α \(alpha) β \(beta)")
            }
        }
    }

    /// (n, k, Bᵀ): the wide and short tiles (160 columns), and the reduction kernel (A·Bᵀ, 16 columns,
    /// k ≥ 256), whose sums are interleaved differently but still fixed without m.
    static let invarianceCases: [(Int, Int, Bool)] = [(160, 420, false), (16, 3000, true)]

    @Test(
        "a row of the product does not depend on the rows computed with it or on the thread count",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"),
        arguments: invarianceCases.indices)
    func rowsAreBatchAndThreadInvariant(caseIndex: Int) {
        let (n, k, transposeB) = Self.invarianceCases[caseIndex]
        let m = 150
        let a = StridedMatrix(rows: m, columns: k, padding: 0, seed: 1)
        let b = StridedMatrix(rows: transposeB ? n : k, columns: transposeB ? k : n, padding: 0, seed: 2)
        func product(rows: Range<Int>, threads: Int) -> [Float] {
            var c = [Float](repeating: 0, count: rows.count * n)
            a.values.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { out in
                    AVX512GEMM.sgemm(
                        transposeA: false, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: 1,
                        a: a.baseAddress! + rows.lowerBound * k, lda: k, b: b.values, ldb: b.stride, beta: 0,
                        c: out.baseAddress!, ldc: n, threads: threads)
                }
            }
            return c
        }
        let whole = product(rows: 0..<m, threads: 1)
        #expect(product(rows: 0..<m, threads: 2) == whole)
        let row = 77
        #expect(product(rows: row..<(row + 1), threads: 1) == Array(whole[(row * n)..<((row + 1) * n)]))
    }

    @Test(
        "the wide (12 × 32), short (8 × 48) and narrow (16 × 16) tiles give the same bits for the same columns",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"))
    func tilesGiveTheSameBits() {
        // 48 rows: 64 columns take the wide tile, 48 the short one, 16 the narrow one.
        let (m, k) = (48, 777)
        for transposeB in [false, true] {
            let a = StridedMatrix(rows: m, columns: k, padding: 0, seed: 30)
            let b = StridedMatrix(rows: transposeB ? 64 : k, columns: transposeB ? k : 64, padding: 0, seed: 31)
            func product(columns: Int) -> [Float] {
                var c = [Float](repeating: 0, count: m * columns)
                c.withUnsafeMutableBufferPointer { out in
                    AVX512GEMM.sgemm(
                        transposeA: false, transposeB: transposeB, m: m, n: columns, k: k, alpha: 1, a: a.values,
                        lda: k, b: b.values, ldb: b.stride, beta: 0, c: out.baseAddress!, ldc: columns, threads: 1)
                }
                return c
            }
            let wide = product(columns: 64), short = product(columns: 48), narrow = product(columns: 16)
            for i in 0..<m {
                let reference = wide[(i * 64)..<(i * 64 + 16)].map(\.bitPattern)
                #expect(short[(i * 48)..<(i * 48 + 16)].map(\.bitPattern) == reference, "row \(i), Bᵀ \(transposeB)")
                // With Bᵀ, 16 columns and k ≥ 256 the reduction kernel sums in 16 interleaved partial
                // sums instead (checked against the reference in sgemmMatchesReference).
                if !transposeB {
                    #expect(narrow[(i * 16)..<((i + 1) * 16)].map(\.bitPattern) == reference, "row \(i)")
                }
            }
        }
    }

    @Test(
        "ssyrkUpper writes exactly the upper triangle, equal bit for bit to the general product, split or not",
        .enabled(if: GEMMKernel.avx512Available, "the CPU has no AVX-512"),
        arguments: [(1, 4), (13, 5), (45, 400), (130, 300)])
    func syrkUpperMatchesProduct(n: Int, k: Int) {
        for transpose in [false, true] {
            let a = StridedMatrix(rows: transpose ? k : n, columns: transpose ? n : k, padding: 1, seed: UInt64(n))
            let start = StridedMatrix(rows: n, columns: n, padding: 0, seed: UInt64(k))
            var general = start
            general.values.withUnsafeMutableBufferPointer { out in
                AVX512GEMM.sgemm(
                    transposeA: transpose, transposeB: !transpose, m: n, n: n, k: k, alpha: 0.5, a: a.values,
                    lda: a.stride, b: a.values, ldb: a.stride, beta: -1, c: out.baseAddress!, ldc: n, threads: 1)
            }
            for threads in [1, 2] {
                var upper = start
                upper.values.withUnsafeMutableBufferPointer { out in
                    AVX512GEMM.ssyrkUpper(
                        transpose: transpose, n: n, k: k, alpha: 0.5, a: a.values, lda: a.stride, beta: -1,
                        c: out.baseAddress!, ldc: n, threads: threads)
                }
                for i in 0..<n {
                    for j in 0..<n {
                        let expected = j >= i ? general[i, j] : start[i, j]
                        if upper[i, j] != expected {
                            Issue.record("n \(n) k \(k) transpose \(transpose) threads \(threads): (\(i), \(j))")
                            return
                        }
                    }
                }
            }
            // The general product itself against the reference, on the diagonal and one row.
            for (i, j) in [(0, 0), (n - 1, n - 1), (0, n - 1)] {
                let expected = reference(
                    a, transposeA: transpose, a, transposeB: !transpose, k: k, alpha: 0.5, beta: -1, c: start, i: i,
                    j: j)
                #expect(abs(Double(general[i, j]) - expected.value) <= expected.bound)
            }
        }
    }

    @Test("BLAS.sgemm matches the reference on either side of the kernel's shape rule")
    func blasRouteMatchesReference() {
        // 7 × 13 wastes most AVX-512 lanes and goes to OpenBLAS; 64 × 96 suits the AVX-512 kernel.
        for (m, n, k) in [(7, 13, 64), (64, 96, 200)] {
            let a = StridedMatrix(rows: m, columns: k, padding: 0, seed: 7)
            let b = StridedMatrix(rows: n, columns: k, padding: 0, seed: 8)
            var c = StridedMatrix(rows: m, columns: n, padding: 0, seed: 9, fill: .nan)
            let before = c
            c.values.withUnsafeMutableBufferPointer { out in
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: m, n: n, k: k, a: a.values, lda: k, b: b.values, ldb: k,
                    c: out.baseAddress!, ldc: n)
            }
            for i in 0..<m {
                for j in 0..<n {
                    let expected = reference(
                        a, transposeA: false, b, transposeB: true, k: k, alpha: 1, beta: 0, c: before, i: i, j: j)
                    #expect(abs(Double(c[i, j]) - expected.value) <= expected.bound, "(\(m), \(n), \(k)) at (\(i), \(j))")
                }
            }
        }
        #expect(AVX512GEMM.suits(m: 7, n: 13) == false)
        // Large enough to be split over the threads on the OpenBLAS side (a tall C: by rows).
        let (m, n, k) = (8000, 5, 64)
        let a = StridedMatrix(rows: m, columns: k, padding: 0, seed: 10)
        let b = StridedMatrix(rows: k, columns: n, padding: 0, seed: 11)
        var c = StridedMatrix(rows: m, columns: n, padding: 0, seed: 12)
        let before = c
        c.values.withUnsafeMutableBufferPointer { out in
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 2, a: a.values, lda: k, b: b.values,
                ldb: n, beta: -1, c: out.baseAddress!, ldc: n)
        }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                let expected = reference(a, transposeA: false, b, transposeB: false, k: k, alpha: 2, beta: -1, c: before, i: i, j: j)
                worst = max(worst, abs(Double(c[i, j]) - expected.value) / expected.bound)
            }
        }
        #expect(worst <= 1)
        #expect(AVX512GEMM.suits(m: 64, n: 96) == AVX512GEMM.isActive)
    }
}

@Suite("OpenBLAS upper-triangle product by row blocks")
struct OpenBLASSyrkRowsTests {
    @Test("row blocks of the upper triangle add up to the whole, and nothing below the diagonal is written")
    func rowBlocksCoverTheUpperTriangle() {
        let (n, k) = (37, 50)
        for transpose in [false, true] {
            let a = StridedMatrix(rows: transpose ? k : n, columns: transpose ? n : k, padding: 2, seed: 20)
            let start = StridedMatrix(rows: n, columns: n, padding: 0, seed: 21)
            var c = start
            c.values.withUnsafeMutableBufferPointer { out in
                for rows in [0..<11, 11..<30, 30..<37] {
                    BLAS.openBLASSyrkRows(
                        transpose: transpose, n: n, k: k, alpha: 1.5, a: a.values, lda: a.stride, beta: 0.5,
                        c: out.baseAddress!, ldc: n, rows: rows)
                }
            }
            for i in 0..<n {
                for j in 0..<n {
                    if j < i {
                        #expect(c[i, j] == start[i, j], "(\(i), \(j)) below the diagonal")
                    } else {
                        let expected = reference(
                            a, transposeA: transpose, a, transposeB: !transpose, k: k, alpha: 1.5, beta: 0.5, c: start,
                            i: i, j: j)
                        #expect(abs(Double(c[i, j]) - expected.value) <= expected.bound, "(\(i), \(j))")
                    }
                }
            }
        }
    }
}
