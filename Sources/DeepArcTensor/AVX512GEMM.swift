internal import CDeepArcKernels
import Synchronization

/// The engine's AVX-512 GEMM (`CDeepArcKernels`): when it runs, and its entry points. Used by ``BLAS`` (and called directly by tests); see ``GEMMKernel`` for the choice and its laws.
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

    static let narrowTile = deeparc_sgemm_avx512_narrow_tile()

    /// Whether a product of this shape should run here: the kernel is active and at least half of
    /// the micro-tiles' lanes hold real elements (12 × 32 tiles, or 16 × 16 ones when C is at most
    /// 16 columns wide; a 7 × 13 product would leave two thirds of them idle).
    package static func suits(m: Int, n: Int) -> Bool {
        guard isActive else { return false }
        let (rows, columns) = n <= narrowTile ? (narrowTile, narrowTile) : (tileRows, tileColumns)
        let paddedRows = (m + rows - 1) / rows * rows
        let paddedColumns = (n + columns - 1) / columns * columns
        return 2 * m * n >= paddedRows * paddedColumns
    }

    /// The threads a call may use, which ``BLAS/setThreadCount(_:)`` and
    /// ``BLAS/withSingleThreadedCalls(_:)`` control.
    private static var threadCount: Int { BLAS.threadCount }

    /// C ← alpha · op(A) · op(B) + beta · C on up to `threads` threads (default ``BLAS/threadCount``;
    /// small products stay on the calling thread). The CPU must have AVX-512
    /// (``GEMMKernel/avx512Available``).
    package static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil
    ) {
        deeparc_sgemm_avx512(
            transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads ?? threadCount)
    }

    /// The upper triangle of C ← alpha · op(A) · op(A)ᵀ + beta · C, split by rows of equal triangle
    /// area over up to `threads` threads (default ``BLAS/threadCount``). The CPU must have AVX-512.
    package static func ssyrkUpper(
        transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil
    ) {
        deeparc_ssyrk_upper_avx512(transpose, n, k, alpha, a, lda, beta, c, ldc, threads ?? threadCount)
    }
}
