internal import CDeepArcKernels
import Synchronization

/// Which implementation runs the single-precision matrix products of ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// and ``BLAS/ssyrkUpper(transpose:n:k:alpha:a:lda:beta:c:ldc:)``.
///
/// OpenBLAS picks its CPU kernel once, when it loads, and `OPENBLAS_CORETYPE` can force one: on a
/// CPU with AVX-512, a forced `Haswell` kernel runs at half the machine's single-precision peak.
/// The engine therefore carries its own AVX-512 GEMM (`CDeepArcKernels`) and, by default, uses it
/// exactly when the CPU has AVX-512 and the OpenBLAS kernel in use does not — the way PyTorch's
/// oneDNN chooses its kernels from the CPU, not from OpenBLAS's setting.
///
/// Laws:
/// - The choice never changes what is computed, only the rounding of sums (both compute
///   alpha · op(A) · op(B) + beta · C in single precision).
/// - With the AVX-512 kernel, every element of C is summed in an order fixed by k, the transposes
///   and the column count (never by m), so a row of a product does not depend on the batch it was
///   computed with or on the thread count.
/// - ``avx512`` falls back to OpenBLAS on a CPU without AVX-512; it never fails.
public enum GEMMKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The AVX-512 kernel when the CPU has AVX-512 and OpenBLAS's kernel does not use it; otherwise
    /// OpenBLAS. The default.
    case automatic
    /// The AVX-512 kernel whenever the CPU has AVX-512 and the shape suits it.
    case avx512
    /// OpenBLAS for every product.
    case openBLAS = "openblas"

    public var description: String { rawValue }

    /// The choice in force (initially ``automatic``).
    public static var current: GEMMKernel {
        GEMMKernel.allCases[Int(selection.load(ordering: .relaxed))]
    }

    /// Sets the choice for the whole process.
    public static func select(_ kernel: GEMMKernel) {
        selection.store(UInt8(GEMMKernel.allCases.firstIndex(of: kernel) ?? 0), ordering: .relaxed)
        AVX512GEMM.refresh()
    }

    /// Whether this CPU can run the AVX-512 kernel.
    public static let avx512Available: Bool = deeparc_avx512_available()

    /// The kernel products actually run on under the current choice, for reports: `avx512` or
    /// OpenBLAS's core name (for example `OpenBLAS Haswell`).
    public static var inUse: String {
        AVX512GEMM.isActive ? "DeepArc AVX-512" : "OpenBLAS \(BLAS.coreName)"
    }

    private static let selection = Atomic<UInt8>(0)
}
