internal import CDeepArcKernels
internal import COpenBLAS
import Dispatch
import Synchronization

/// The engine's AVX-512 GEMM (`CDeepArcKernels`): when it runs, and how a call is split between
/// threads. Used by ``BLAS`` (and called directly by tests); see ``GEMMKernel`` for the choice and its laws.
package enum AVX512GEMM {
    /// Whether products currently run on the AVX-512 kernel (cached; refreshed by ``refresh()``).
    package static var isActive: Bool { active.load(ordering: .relaxed) }

    private static let active = Atomic<Bool>(decideActive())

    /// Recomputes ``isActive`` after the choice changed.
    static func refresh() { active.store(decideActive(), ordering: .relaxed) }

    private static func decideActive() -> Bool {
        guard GEMMKernel.avx512Available else { return false }
        switch GEMMKernel.current {
        case .openBLAS: return false
        case .avx512: return true
        case .automatic: return !openBLASUsesAVX512
        }
    }

    /// Whether the OpenBLAS kernel in use is one of its AVX-512 kernels.
    private static var openBLASUsesAVX512: Bool {
        let core = BLAS.coreName.lowercased()
        return ["skylakex", "cooperlake", "sapphirerapids"].contains { core.contains($0) }
    }

    static let tileRows = deeparc_sgemm_avx512_tile_rows()
    static let tileColumns = deeparc_sgemm_avx512_tile_columns()

    /// Whether a product of this shape should run here: the kernel is active and at least half of
    /// the micro-tiles' lanes hold real elements (a 10-column C would waste two thirds of them).
    package static func suits(m: Int, n: Int) -> Bool {
        guard isActive else { return false }
        let paddedRows = (m + tileRows - 1) / tileRows * tileRows
        let paddedColumns = (n + tileColumns - 1) / tileColumns * tileColumns
        return 2 * m * n >= paddedRows * paddedColumns
    }

    /// Below this many multiply-adds a product runs on the calling thread.
    private static let parallelThreshold = 1 << 21

    /// The threads a call may use: OpenBLAS's current count, which ``BLAS/withSingleThreadedCalls(_:)``
    /// and ``BLAS/setThreadCount(_:)`` control for both implementations.
    private static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// C ← alpha · op(A) · op(B) + beta · C, split by columns (or rows when C is tall) over the
    /// threads (`threads`, default OpenBLAS's current count). A part whose packing buffers cannot be
    /// allocated runs on OpenBLAS instead. The CPU must have AVX-512 (``GEMMKernel/avx512Available``).
    package static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil
    ) {
        let parts = partCount(work: m * n * k, rows: m, columns: n, threads: threads)
        let byColumns = n >= m
        let bounds = splits(length: byColumns ? n : m, parts: parts, granularity: byColumns ? tileColumns : tileRows)
        forEachPart(bounds.count - 1) { part in
            let range = bounds[part]..<bounds[part + 1]
            guard !range.isEmpty else { return }
            let (pa, pb, pc, pm, pn): (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int)
            if byColumns {
                pa = a
                pb = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
                pc = c + range.lowerBound
                (pm, pn) = (m, range.count)
            } else {
                pa = transposeA ? a + range.lowerBound : a + range.lowerBound * lda
                pb = b
                pc = c + range.lowerBound * ldc
                (pm, pn) = (range.count, n)
            }
            if !deeparc_sgemm_avx512(transposeA, transposeB, pm, pn, k, alpha, pa, lda, pb, ldb, beta, pc, ldc) {
                BLAS.openBLASSGEMM(transposeA, transposeB, pm, pn, k, alpha, pa, lda, pb, ldb, beta, pc, ldc)
            }
        }
    }

    /// The upper triangle of C ← alpha · op(A) · op(A)ᵀ + beta · C, split by rows so that each
    /// thread gets an equal share of the triangle (`threads`, default OpenBLAS's current count).
    /// The CPU must have AVX-512.
    package static func ssyrkUpper(
        transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil
    ) {
        let parts = partCount(work: n * n * k / 2, rows: n, columns: n, threads: threads)
        // Rows [0, r) hold the fraction 1 − (1 − r/n)² of the triangle.
        var bounds = [0]
        for part in 1..<parts {
            let fraction = 1 - (1 - Double(part) / Double(parts)).squareRoot()
            let row = Int((fraction * Double(n) / Double(tileRows)).rounded()) * tileRows
            bounds.append(min(n, max(bounds[bounds.count - 1], row)))
        }
        bounds.append(n)
        forEachPart(parts) { part in
            let rows = bounds[part]..<bounds[part + 1]
            guard !rows.isEmpty else { return }
            if !deeparc_ssyrk_upper_avx512(transpose, n, k, alpha, a, lda, beta, c, ldc, rows.lowerBound, rows.upperBound) {
                BLAS.openBLASSyrkRows(
                    transpose: transpose, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc,
                    rows: rows)
            }
        }
    }

    private static func partCount(work: Int, rows: Int, columns: Int, threads: Int?) -> Int {
        let threads = threads ?? threadCount
        guard threads > 1, work >= parallelThreshold else { return 1 }
        let blocks = max((rows + tileRows - 1) / tileRows, (columns + tileColumns - 1) / tileColumns)
        return max(1, min(threads, blocks))
    }

    /// `parts + 1` ascending bounds over `0..<length`, interior ones multiples of `granularity`.
    private static func splits(length: Int, parts: Int, granularity: Int) -> [Int] {
        let units = (length + granularity - 1) / granularity
        return (0...parts).map { part in min(length, units * part / parts * granularity) }
    }

    private static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = PartBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { box.body($0) }
        }
    }

    /// Carries a part's body into `concurrentPerform`.
    ///
    /// `@unchecked Sendable`: the body runs only while ``forEachPart(_:_:)`` waits, and parts write
    /// disjoint blocks of C.
    private struct PartBody: @unchecked Sendable {
        let body: (Int) -> Void
    }
}
