#ifndef DEEPARC_KERNELS_H
#define DEEPARC_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

#include "DeepArcWorkerPool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU and operating system can run the AVX-512 kernels below (AVX-512F with the
/// ZMM state enabled by the OS). The kernels must not be called when this is false.
bool deeparc_avx512_available(void);

/// Row-major single-precision GEMM with AVX-512 on up to `threads` threads (the calling thread and
/// persistent workers; products under about two million multiply-adds stay on the calling thread):
/// C ← alpha · op(A) · op(B) + beta · C, op(X) = Xᵀ when the transpose flag is set.
///
/// Does nothing unless m, n, k ≥ 1. With beta = 0, C is not read (NaNs in it do not propagate).
/// Each element of C is summed over k in an order fixed by k alone, so a row of the result does not
/// depend on m, n, the rows computed with it or the thread count. C at most 16 columns wide takes a
/// 16 × 16 micro-tile, C with 16, 32 or 64 rows an 8 × 48 one instead of 12 × 32, all with the same
/// sums. The one exception: A · Bᵀ with at most 16 columns and k ≥ 256 takes a reduction kernel that
/// sums each element in 16 interleaved partial sums (its rows are still independent of m and threads).
void deeparc_sgemm_avx512(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc, long threads);

/// The same product restricted to the upper triangle of the n × n matrix C (diagonal included):
/// C[i][j] ← alpha · (op(A) · op(A)ᵀ)[i][j] + beta · C[i][j] for j ≥ i, with op(A) n × k. Elements
/// below the diagonal are not written; those written equal the general product's bit for bit.
void deeparc_ssyrk_upper_avx512(
    bool transpose, long n, long k, float alpha, const float *a, long lda, float beta, float *c,
    long ldc, long threads);

/// Adds, for each of `width` columns, Σ_row x[row·stride + k] to sums[k] and Σ_row x² (squared in
/// double, then added; no fused multiply-add) to squares[k], rows in order. AVX-512 only.
void deeparc_accumulate_column_moments_avx512(
    const float *x, long rows, long stride, long width, double *sums, double *squares);

/// out[row·columns + k] = (float)(((double)x[row·columns + k] − means[k]) · scale) for every element
/// of a rows × columns matrix. AVX-512 only.
void deeparc_centre_rows_avx512(
    const float *x, long rows, long columns, const double *means, double scale, float *out);

/// Products of at least this many multiply-adds are split between threads (by either implementation).
enum { DEEPARC_PARALLEL_MULTIPLY_ADDS = 2097152 };

/// Fills bounds[0 ... parts] with ascending row bounds that give each of `parts` parts an equal share
/// of an n × n upper triangle; interior bounds are multiples of `granularity`.
void deeparc_triangle_row_bounds(long n, long parts, long granularity, long *bounds);

/// Rows per micro-tile of the AVX-512 kernels (the granularity for splitting rows among threads).
long deeparc_sgemm_avx512_tile_rows(void);

/// Columns per micro-tile of the AVX-512 kernels (the granularity for splitting columns).
long deeparc_sgemm_avx512_tile_columns(void);

/// Rows and columns of the narrow micro-tile, used when C has at most this many columns.
long deeparc_sgemm_avx512_narrow_tile(void);

#ifdef __cplusplus
}
#endif

#endif
