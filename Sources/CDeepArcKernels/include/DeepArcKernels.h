#ifndef DEEPARC_KERNELS_H
#define DEEPARC_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU and operating system can run the AVX-512 kernels below (AVX-512F with the
/// ZMM state enabled by the OS). The kernels must not be called when this is false.
bool deeparc_avx512_available(void);

/// Row-major single-precision GEMM on one thread with AVX-512:
/// C ← alpha · op(A) · op(B) + beta · C, op(X) = Xᵀ when the transpose flag is set.
///
/// m, n, k ≥ 1. With beta = 0, C is not read (NaNs in it do not propagate). Each element of C is
/// summed over k in the same order whatever m, n and the caller's partition of C are, so a row of
/// the result does not depend on which other rows are computed with it.
///
/// Returns false, leaving C untouched, when the thread's packing buffers cannot be allocated.
bool deeparc_sgemm_avx512(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// The same product restricted to the upper triangle of a square C (including the diagonal) and to
/// rows [row_begin, row_end): C[i][j] for row_begin ≤ i < row_end and i ≤ j < n, with C n × n and
/// op(A) · op(A)ᵀ as the product (op(A) is n × k). Elements below the diagonal are not written.
///
/// Returns false, leaving C untouched, when the thread's packing buffers cannot be allocated.
bool deeparc_ssyrk_upper_avx512(
    bool transpose, long n, long k, float alpha, const float *a, long lda, float beta, float *c,
    long ldc, long row_begin, long row_end);

/// Rows per micro-tile of the AVX-512 kernels (the granularity for splitting rows among threads).
long deeparc_sgemm_avx512_tile_rows(void);

/// Columns per micro-tile of the AVX-512 kernels (the granularity for splitting columns).
long deeparc_sgemm_avx512_tile_columns(void);

#ifdef __cplusplus
}
#endif

#endif
