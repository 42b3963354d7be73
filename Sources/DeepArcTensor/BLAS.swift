internal import CDeepArcKernels
internal import COpenBLAS
import Synchronization

/// Thin, typed entry points into OpenBLAS for kernels that work on raw buffers.
///
/// All matrices are row-major. Callers guarantee that the buffers hold the sizes the dimensions
/// imply; these functions do not check them (they are the hot path).
public enum BLAS {
    /// C ← alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the transpose flag is set.
    ///
    /// - Parameters:
    ///   - m: rows of op(A) and C.  - n: columns of op(B) and C.  - k: columns of op(A), rows of op(B).
    ///   - lda, ldb, ldc: row strides (leading dimensions) of A, B and C as stored.
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS with k = 0 only scales C; do it explicitly so beta = 0 also clears NaNs.
            scale(c, rows: m, columns: n, stride: ldc, by: beta)
            return
        }
        guard BLASProfile.isEnabled else {
            _sgemm(transposeA, transposeB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
                Int32(ldc))
            return
        }
        let start = ContinuousClock.now
        _sgemm(transposeA, transposeB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
            Int32(ldc))
        BLASProfile.record(start: start, m: m, n: n, k: k)
    }

    @usableFromInline
    static func _sgemm(
        _ ta: Bool, _ tb: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32
    ) {
        _ = threadCount  // the first product applies the thread settings
        if AVX512GEMM.suits(m: Int(m), n: Int(n)) {
            AVX512GEMM.sgemm(
                transposeA: ta, transposeB: tb, m: Int(m), n: Int(n), k: Int(k), alpha: alpha, a: a, lda: Int(lda),
                b: b, ldb: Int(ldb), beta: beta, c: c, ldc: Int(ldc))
        } else {
            splitOpenBLASSGEMM(ta, tb, Int(m), Int(n), Int(k), alpha, a, Int(lda), b, Int(ldb), beta, c, Int(ldc))
        }
    }

    /// Products of at least this many multiply-adds are split over the threads (the AVX-512
    /// GEMM's threshold too).
    static let parallelMultiplyAdds = Int(DEEPARC_PARALLEL_MULTIPLY_ADDS)

    /// The OpenBLAS side of ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``:
    /// OpenBLAS runs single-threaded, so a large product is split by columns (by rows when C is
    /// tall) into one block per thread of ``ParallelLoop``'s team.
    static func splitOpenBLASSGEMM(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let byColumns = n >= m
        let length = byColumns ? n : m
        let parts = m * n * k >= parallelMultiplyAdds ? min(threadCount, max(1, length / 16)) : 1
        guard parts > 1 else {
            openBLASSGEMM(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        ParallelLoop.forEach(iterations: parts, threads: parts) { part in
            let begin = length * part / parts, end = length * (part + 1) / parts
            if byColumns {
                openBLASSGEMM(
                    ta, tb, m, end - begin, k, alpha, a, lda, tb ? b + begin * ldb : b + begin, ldb, beta, c + begin, ldc)
            } else {
                openBLASSGEMM(
                    ta, tb, end - begin, n, k, alpha, ta ? a + begin : a + begin * lda, lda, b, ldb, beta,
                    c + begin * ldc, ldc)
            }
        }
    }

    /// `cblas_sgemm`, row-major, on the calling thread (OpenBLAS is kept single-threaded).
    static func openBLASSGEMM(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @usableFromInline
    static func scale(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int, by beta: Float) {
        for row in 0..<rows {
            let start = c + row * stride
            if beta == 0 {
                start.update(repeating: 0, count: columns)
            } else {
                for column in 0..<columns { start[column] *= beta }
            }
        }
    }

    /// C ← alpha · A · Aᵀ + beta · C for the upper triangle of the n × n matrix C (A is n × k,
    /// or k × n when `transpose` is set, giving Aᵀ · A). Only the upper triangle is written.
    public static func ssyrkUpper(
        transpose: Bool, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard n > 0 else { return }
        guard k > 0 else {
            for row in 0..<n { scale(c + row * ldc + row, rows: 1, columns: n - row, stride: ldc, by: beta) }
            return
        }
        _ = threadCount
        if AVX512GEMM.suits(m: n, n: n) {
            AVX512GEMM.ssyrkUpper(
                transpose: transpose, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc)
        } else {
            let parts = n * n * k / 2 >= parallelMultiplyAdds ? min(threadCount, max(1, n / 16)) : 1
            var bounds = [Int](repeating: 0, count: parts + 1)
            deeparc_triangle_row_bounds(n, parts, 1, &bounds)
            ParallelLoop.forEach(iterations: parts, threads: parts) { part in
                guard bounds[part] < bounds[part + 1] else { return }
                openBLASSyrkRows(
                    transpose: transpose, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc,
                    rows: bounds[part]..<bounds[part + 1])
            }
        }
    }

    /// Rows `rows` of the upper triangle of C ← alpha · op(A) · op(A)ᵀ + beta · C on OpenBLAS: the
    /// diagonal block with `ssyrk`, the block right of it with `sgemm`.
    package static func openBLASSyrkRows(
        transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>
    ) {
        let first = transpose ? a + rows.lowerBound : a + rows.lowerBound * lda
        let block = c + rows.lowerBound * ldc + rows.lowerBound
        cblas_ssyrk(
            CblasRowMajor, CblasUpper, transpose ? CblasTrans : CblasNoTrans, Int32(rows.count), Int32(k), alpha,
            first, Int32(lda), beta, block, Int32(ldc))
        guard rows.upperBound < n else { return }
        let rest = transpose ? a + rows.upperBound : a + rows.upperBound * lda
        openBLASSGEMM(
            transpose, !transpose, rows.count, n - rows.upperBound, k, alpha, first, lda, rest, lda, beta,
            block + rows.count, ldc)
    }

    /// y ← alpha · x + y over `count` elements.
    public static func saxpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        _ = threadCount
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }

    /// x ← alpha · x over `count` elements.
    public static func sscal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        _ = threadCount
        cblas_sscal(Int32(count), alpha, x, 1)
    }

    /// The dot product of two vectors of `count` elements.
    public static func sdot(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        guard count > 0 else { return 0 }
        _ = threadCount
        return cblas_sdot(Int32(count), x, 1, y, 1)
    }

    /// C ← alpha · op(A) · op(B) + beta · C in double precision (row-major).
    public static func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for row in 0..<m {
                let start = c + row * ldc
                for column in 0..<n { start[column] = beta == 0 ? 0 : beta * start[column] }
            }
            return
        }
        _ = threadCount
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets how many threads BLAS products use (at least 1). Results are bitwise reproducible only
    /// for a fixed thread count (with the AVX-512 GEMM, see ``GEMMKernel``, for any thread count).
    ///
    /// OpenBLAS itself always runs on one thread, and the engine splits large products over `count`
    /// threads of ``ParallelLoop``'s team, whichever implementation computes them: OpenBLAS's idle
    /// workers spin for milliseconds after each parallel call and would take the cores the team
    /// needs for the loops between the products.
    public static func setThreadCount(_ count: Int) {
        threadState.withLock { state in
            state.requested = max(1, count)
            applyThreadCount(state)
        }
    }

    /// The requested thread count and the nesting depth of ``withSingleThreadedCalls(_:)``.
    private static let threadState = Mutex<(depth: Int, requested: Int)>((0, initialThreadCount))

    /// OpenBLAS's thread count when this type is first used (its default, or `OPENBLAS_NUM_THREADS`).
    private static let initialThreadCount: Int = {
        let count = max(1, Int(openblas_get_num_threads()))
        openblas_set_num_threads(1)
        return count
    }()

    /// The thread count products may use now: 1 inside ``withSingleThreadedCalls(_:)``.
    private static let effectiveThreads = Atomic<Int>(initialThreadCount)

    /// The count last given to ``setThreadCount(_:)`` (initially OpenBLAS's default).
    private static let requestedThreads = Atomic<Int>(initialThreadCount)

    /// The thread count last set with ``setThreadCount(_:)``, also inside
    /// ``withSingleThreadedCalls(_:)``: what ``ParallelLoop`` uses.
    public static var requestedThreadCount: Int { requestedThreads.load(ordering: .relaxed) }

    /// Makes OpenBLAS's and the AVX-512 GEMM's thread counts follow `state`.
    private static func applyThreadCount(_ state: (depth: Int, requested: Int)) {
        requestedThreads.store(state.requested, ordering: .relaxed)
        let effective = state.depth > 0 ? 1 : state.requested
        effectiveThreads.store(effective, ordering: .relaxed)
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// Runs `body` with BLAS limited to one thread, so that `body` may call BLAS from several
    /// threads at once (each call then runs on its caller's thread) without oversubscribing the
    /// cores. Nested and concurrent uses share one limit: the thread count in force before the
    /// first one began is restored when the last one ends.
    public static func withSingleThreadedCalls<R, E: Swift.Error>(_ body: () throws(E) -> R) throws(E) -> R {
        threadState.withLock { state in
            state.depth += 1
            if state.depth == 1 { applyThreadCount(state) }
        }
        defer {
            threadState.withLock { state in
                state.depth -= 1
                if state.depth == 0 { applyThreadCount(state) }
            }
        }
        return try body()
    }

    /// How many threads BLAS products use now (1 inside ``withSingleThreadedCalls(_:)``).
    public static var threadCount: Int { effectiveThreads.load(ordering: .relaxed) }

    /// The name of the CPU kernel OpenBLAS chose (for example `Haswell` or `SkylakeX`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
