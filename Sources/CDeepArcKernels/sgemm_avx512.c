// Single-precision GEMM with AVX-512 for row-major matrices.
//
// The layout follows the five-loop blocking of Goto & van de Geijn ("Anatomy of high-performance
// matrix multiplication", ACM TOMS 34(3), 2008) and BLIS (Van Zee & van de Geijn, ACM TOMS 41(3),
// 2015), written for a row-major C:
//
//   for each block of MC rows of C                      (ic)
//     for each block of KC along k                      (pc)  pack op(A)[ic.., pc..] in MR-row panels
//       for each block of NC columns of C               (jc)  pack op(B)[pc.., jc..] in NR-column panels
//         for each MR-row panel of the packed A         (ir)  -- kept in L1
//           for each NR-column panel of the packed B    (jr)  -- streamed from L2
//             the MR × NR micro-kernel: kc rank-1 updates of 2·MR accumulators (24 of the 32 ZMMs),
//             or a 16 × 16 one (16 accumulators) when C is at most 16 columns wide
//
// Every element of C is summed in the same order (k ascending inside a KC block, blocks in order),
// so results do not depend on m, n or how C is split between threads. A call splits C by columns
// (by rows when C is tall; by rows of equal triangle area for the upper-triangle product) between
// the calling thread and the persistent workers of worker_pool.c.

#include "DeepArcKernels.h"
#include "DeepArcWorkerPool.h"

#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>

enum {
    MR = 12,    // rows of a micro-tile: 12 broadcasts per k step
    NR = 32,    // columns of a micro-tile: two ZMM vectors
    NARROW = 16,  // rows and columns of the narrow micro-tile, for C at most 16 columns wide
    SHORT_ROWS = 8, SHORT_COLUMNS = 48,  // the short micro-tile, for row counts that 12 divides badly
    KC = 384,   // depth of a block: an A panel is MR·KC·4 = 18 KiB (L1)
    NC = 320,   // columns of a packed B block: KC·NC·4 = 480 KiB (L2)
    MC = 1536,  // rows of a packed A block: MC·KC·4 = 2.25 MiB (L3)
};

// MARK: - CPU support

bool deeparc_avx512_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    if (!(ecx & bit_OSXSAVE)) return false;
    // XCR0: SSE (1), AVX (2), opmask (5), ZMM0–15 upper halves (6), ZMM16–31 (7) enabled by the OS.
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0xE6u) != 0xE6u) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return (ebx & bit_AVX512F) != 0;
}

long deeparc_sgemm_avx512_tile_rows(void) { return MR; }
long deeparc_sgemm_avx512_tile_columns(void) { return NR; }
long deeparc_sgemm_avx512_narrow_tile(void) { return NARROW; }

// MARK: - Per-thread packing buffers

// Allocated once per thread at their largest size and kept for the thread's life (no allocation
// per call); freed by the key's destructor when the thread exits.
static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;
static bool buffers_key_ready;

static void free_buffers(void *value) {
    float **pair = value;
    free(pair[0]);
    free(pair[1]);
    free(pair);
}

static void make_buffers_key(void) { buffers_key_ready = pthread_key_create(&buffers_key, free_buffers) == 0; }

// This thread's packing buffers for A and B, or false when they cannot be allocated.
static bool reserve_buffers(float **packed_a, float **packed_b) {
    pthread_once(&buffers_once, make_buffers_key);
    if (!buffers_key_ready) return false;
    float **pair = pthread_getspecific(buffers_key);
    if (!pair) {
        pair = calloc(2, sizeof(float *));
        if (!pair) return false;
        pair[0] = aligned_alloc(64, sizeof(float) * (size_t)(MC + NARROW) * KC);
        pair[1] = aligned_alloc(64, sizeof(float) * (size_t)(NC + SHORT_COLUMNS) * KC);
        if (!pair[0] || !pair[1] || pthread_setspecific(buffers_key, pair) != 0) {
            free_buffers(pair);
            return false;
        }
    }
    *packed_a = pair[0];
    *packed_b = pair[1];
    return true;
}

static inline long min_long(long x, long y) { return x < y ? x : y; }

static inline __mmask16 lane_mask(long count) {
    if (count >= 16) return (__mmask16)0xFFFF;
    if (count <= 0) return 0;
    return (__mmask16)((1u << count) - 1u);
}

// MARK: - Packing

// Transposes the 16 × 16 matrix held in rows[0..<16] in place (rows[t][i] ← rows[i][t]): pairs of
// rows interleaved by 32 bits, then by 64 bits, then a 4 × 4 transpose of the 128-bit lanes.
__attribute__((target("avx512f")))
static inline void transpose_16x16(__m512 rows[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // s[4q + c], lane l: column 4l + c of rows 4q ..< 4q + 4.
    __m512 s[16];
    for (int q = 0; q < 16; q += 4) {
        __m512d a = _mm512_castps_pd(t[q]), b = _mm512_castps_pd(t[q + 1]);
        __m512d c = _mm512_castps_pd(t[q + 2]), d = _mm512_castps_pd(t[q + 3]);
        s[q] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        s[q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        s[q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        s[q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int c = 0; c < 4; ++c) {
        __m512 u0 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0x44), u1 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0xEE);
        __m512 u2 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0x44);
        __m512 u3 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0xEE);
        rows[c] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        rows[4 + c] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
        rows[8 + c] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        rows[12 + c] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
    }
}

// Writes, for every kk in [0, kc), element kk of each of the first 16 rows at `source` (row stride
// `stride`; rows from `valid` on read as zero) as one vector at destination + kk·destination_stride,
// the lanes in `lanes`: 16 values of k from each row at a time, transposed in registers.
__attribute__((target("avx512f")))
static void store_columns_of_rows(
    const float *source, long stride, long valid, long kc, float *destination, long destination_stride,
    __mmask16 lanes) {
    for (long k0 = 0; k0 < kc; k0 += 16) {
        __mmask16 load = lane_mask(kc - k0);
        __m512 block[16];
        for (long i = 0; i < 16; ++i)
            block[i] = i < valid ? _mm512_maskz_loadu_ps(load, source + i * stride + k0) : _mm512_setzero_ps();
        transpose_16x16(block);
        long count = min_long(16, kc - k0);
        for (long t = 0; t < count; ++t)
            _mm512_mask_storeu_ps(destination + (k0 + t) * destination_stride, lanes, block[t]);
    }
}

// Packs op(A)[0..<mc][0..<kc] into `mr`-row panels (mr ≤ 16): panel p holds, for each kk, the mr
// values op(A)[p·mr + i][kk] contiguously (zero past mc). op(A)[i][kk] = transposed ? a[kk·lda + i] : a[i·lda + kk].
__attribute__((target("avx512f")))
static void pack_a(bool transposed, long mr, long mc, long kc, const float *a, long lda, float *packed) {
    __mmask16 panel_lanes = lane_mask(mr);
    for (long i0 = 0; i0 < mc; i0 += mr) {
        long rows = min_long(mr, mc - i0);
        float *panel = packed + i0 * kc;
        if (transposed) {
            __mmask16 load = lane_mask(rows);
            const float *source = a + i0;
            for (long kk = 0; kk < kc; ++kk) {
                __m512 v = _mm512_maskz_loadu_ps(load, source + kk * lda);
                _mm512_mask_storeu_ps(panel + kk * mr, panel_lanes, v);
            }
        } else {
            store_columns_of_rows(a + i0 * lda, lda, rows, kc, panel, mr, panel_lanes);
        }
    }
}

// Packs op(B)[0..<kc][0..<nc] into `nr`-column panels (nr = 16 or 32): panel p holds, for each kk,
// the nr values op(B)[kk][p·nr + j] contiguously (zero past nc).
// op(B)[kk][j] = transposed ? b[j·ldb + kk] : b[kk·ldb + j].
__attribute__((target("avx512f")))
static void pack_b(bool transposed, long nr, long kc, long nc, const float *b, long ldb, float *packed) {
    for (long j0 = 0; j0 < nc; j0 += nr) {
        long columns = min_long(nr, nc - j0);
        float *panel = packed + j0 * kc;
        for (long half = 0; half < nr; half += 16) {
            long valid = columns - half;
            if (valid <= 0) {
                for (long kk = 0; kk < kc; ++kk) _mm512_store_ps(panel + kk * nr + half, _mm512_setzero_ps());
                continue;
            }
            if (!transposed) {
                __mmask16 load = lane_mask(valid);
                const float *source = b + j0 + half;
                for (long kk = 0; kk < kc; ++kk)
                    _mm512_store_ps(panel + kk * nr + half, _mm512_maskz_loadu_ps(load, source + kk * ldb));
            } else {
                // The 16 columns of this half are rows of b.
                store_columns_of_rows(b + (j0 + half) * ldb, ldb, valid, kc, panel + half, nr, (__mmask16)0xFFFF);
            }
        }
    }
}

// MARK: - Micro-kernel

#define DEEPARC_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// c[0..<rows][0..<columns] ← alpha · Σ_kk packed_a[kk][i] · packed_b[kk][j] + beta · c (c not read
// when beta = 0).
__attribute__((target("avx512f")))
static void micro_kernel(
    long kc, const float *restrict packed_a, const float *restrict packed_b, float *restrict c, long ldc,
    float alpha, float beta, long rows, long columns) {
#define DEEPARC_DECLARE(i) __m512 acc##i##_0 = _mm512_setzero_ps(), acc##i##_1 = _mm512_setzero_ps();
    DEEPARC_ROWS(DEEPARC_DECLARE)
#undef DEEPARC_DECLARE
#pragma clang loop unroll_count(4)
    for (long kk = 0; kk < kc; ++kk) {
        __m512 b0 = _mm512_load_ps(packed_b);
        __m512 b1 = _mm512_load_ps(packed_b + 16);
#define DEEPARC_UPDATE(i)                                    \
    {                                                        \
        __m512 a##i = _mm512_set1_ps(packed_a[i]);           \
        acc##i##_0 = _mm512_fmadd_ps(a##i, b0, acc##i##_0);  \
        acc##i##_1 = _mm512_fmadd_ps(a##i, b1, acc##i##_1);  \
    }
        DEEPARC_ROWS(DEEPARC_UPDATE)
#undef DEEPARC_UPDATE
        packed_a += MR;
        packed_b += NR;
    }
    __mmask16 low = lane_mask(columns), high = lane_mask(columns - 16);
    __m512 scale = _mm512_set1_ps(alpha);
    if (beta == 0) {
#define DEEPARC_STORE(i)                                                              \
    if (i < rows) {                                                                   \
        float *row = c + (long)(i) * ldc;                                             \
        _mm512_mask_storeu_ps(row, low, _mm512_mul_ps(scale, acc##i##_0));            \
        _mm512_mask_storeu_ps(row + 16, high, _mm512_mul_ps(scale, acc##i##_1));      \
    }
        DEEPARC_ROWS(DEEPARC_STORE)
#undef DEEPARC_STORE
    } else {
        __m512 keep = _mm512_set1_ps(beta);
#define DEEPARC_UPDATE_STORE(i)                                                                    \
    if (i < rows) {                                                                                \
        float *row = c + (long)(i) * ldc;                                                          \
        __m512 r0 = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(low, row), _mm512_mul_ps(scale, acc##i##_0)); \
        __m512 r1 = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(high, row + 16), _mm512_mul_ps(scale, acc##i##_1)); \
        _mm512_mask_storeu_ps(row, low, r0);                                                       \
        _mm512_mask_storeu_ps(row + 16, high, r1);                                                 \
    }
        DEEPARC_ROWS(DEEPARC_UPDATE_STORE)
#undef DEEPARC_UPDATE_STORE
    }
}

#define DEEPARC_NARROW_ROWS(X) \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

// The narrow 16 × 16 micro-tile: one ZMM of B per k step and 16 broadcasts, for products whose C is
// at most 16 columns wide (a 12 × 32 tile would leave half its lanes or more idle there).
__attribute__((target("avx512f")))
static void narrow_kernel(
    long kc, const float *restrict packed_a, const float *restrict packed_b, float *restrict c, long ldc,
    float alpha, float beta, long rows, long columns) {
#define DEEPARC_DECLARE(i) __m512 acc##i = _mm512_setzero_ps();
    DEEPARC_NARROW_ROWS(DEEPARC_DECLARE)
#undef DEEPARC_DECLARE
#pragma clang loop unroll_count(4)
    for (long kk = 0; kk < kc; ++kk) {
        __m512 b0 = _mm512_load_ps(packed_b);
#define DEEPARC_UPDATE(i) acc##i = _mm512_fmadd_ps(_mm512_set1_ps(packed_a[i]), b0, acc##i);
        DEEPARC_NARROW_ROWS(DEEPARC_UPDATE)
#undef DEEPARC_UPDATE
        packed_a += NARROW;
        packed_b += NARROW;
    }
    __mmask16 lanes = lane_mask(columns);
    __m512 scale = _mm512_set1_ps(alpha);
    __m512 keep = _mm512_set1_ps(beta);
#define DEEPARC_STORE(i)                                                                              \
    if (i < rows) {                                                                                   \
        float *row = c + (long)(i) * ldc;                                                             \
        __m512 r = _mm512_mul_ps(scale, acc##i);                                                      \
        if (beta != 0) r = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(lanes, row), r);               \
        _mm512_mask_storeu_ps(row, lanes, r);                                                         \
    }
    DEEPARC_NARROW_ROWS(DEEPARC_STORE)
#undef DEEPARC_STORE
}

#define DEEPARC_SHORT_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

// The short 8 × 48 micro-tile (24 accumulators, three ZMMs of B and eight broadcasts per k step), for
// C with 16, 32 or 64 rows, where 12-row panels would compute 50 % or 12.5 % padding.
__attribute__((target("avx512f")))
static void short_kernel(
    long kc, const float *restrict packed_a, const float *restrict packed_b, long b_stride, float *restrict c,
    long ldc, float alpha, float beta, long rows, long columns) {
    __mmask16 m0 = lane_mask(columns), m1 = lane_mask(columns - 16), m2 = lane_mask(columns - 32);
#define DEEPARC_DECLARE(i) __m512 acc##i##_0 = _mm512_setzero_ps(), acc##i##_1 = _mm512_setzero_ps(), \
                               acc##i##_2 = _mm512_setzero_ps();
    DEEPARC_SHORT_ROWS(DEEPARC_DECLARE)
#undef DEEPARC_DECLARE
#pragma clang loop unroll_count(4)
    for (long kk = 0; kk < kc; ++kk) {
        // B is a packed panel (b_stride = 48) or read in place from a row-major B (b_stride = ldb),
        // masked past the last column either way.
        __m512 b0 = _mm512_maskz_loadu_ps(m0, packed_b);
        __m512 b1 = _mm512_maskz_loadu_ps(m1, packed_b + 16);
        __m512 b2 = _mm512_maskz_loadu_ps(m2, packed_b + 32);
#define DEEPARC_UPDATE(i)                                    \
    {                                                        \
        __m512 a##i = _mm512_set1_ps(packed_a[i]);           \
        acc##i##_0 = _mm512_fmadd_ps(a##i, b0, acc##i##_0);  \
        acc##i##_1 = _mm512_fmadd_ps(a##i, b1, acc##i##_1);  \
        acc##i##_2 = _mm512_fmadd_ps(a##i, b2, acc##i##_2);  \
    }
        DEEPARC_SHORT_ROWS(DEEPARC_UPDATE)
#undef DEEPARC_UPDATE
        packed_a += SHORT_ROWS;
        packed_b += b_stride;
    }
    __m512 scale = _mm512_set1_ps(alpha);
    __m512 keep = _mm512_set1_ps(beta);
#define DEEPARC_STORE_PART(i, part, offset, mask)                                                        \
    {                                                                                                    \
        __m512 r = _mm512_mul_ps(scale, acc##i##_##part);                                                \
        if (beta != 0) r = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(mask, row + offset), r);          \
        _mm512_mask_storeu_ps(row + offset, mask, r);                                                    \
    }
#define DEEPARC_STORE(i)                                                                                 \
    if (i < rows) {                                                                                      \
        float *row = c + (long)(i) * ldc;                                                                \
        DEEPARC_STORE_PART(i, 0, 0, m0) DEEPARC_STORE_PART(i, 1, 16, m1) DEEPARC_STORE_PART(i, 2, 32, m2) \
    }
    DEEPARC_SHORT_ROWS(DEEPARC_STORE)
#undef DEEPARC_STORE
#undef DEEPARC_STORE_PART
}

// A micro-tile that straddles the diagonal of an upper-triangle product: computed in full into a
// scratch tile, then written only where column ≥ row, with the same arithmetic as the kernel's store.
__attribute__((target("avx512f")))
static void diagonal_tile(
    long kc, const float *packed_a, const float *packed_b, float *c, long ldc, float alpha, float beta,
    long rows, long columns, long first_row, long first_column) {
    _Alignas(64) float tile[MR * NR];
    micro_kernel(kc, packed_a, packed_b, tile, NR, 1, 0, MR, NR);
    for (long i = 0; i < rows; ++i) {
        long start = first_row + i - first_column;
        if (start < 0) start = 0;
        float *row = c + i * ldc;
        for (long j = start; j < columns; ++j) {
            float product = alpha * tile[i * NR + j];
            row[j] = beta == 0 ? product : __builtin_fmaf(beta, row[j], product);
        }
    }
}

// MARK: - Driver

// MARK: - Reduction kernel

enum { DOT_BLOCK = 4, DOT_CHUNK = 256, DOT_MAX_COLUMNS = 16, DOT_MIN_DEPTH = 256 };

// Whether C ← alpha · A · Bᵀ + beta · C (A and B row-major, k their common row length) takes the
// reduction kernel: C at most 16 columns wide and k ≥ 256, the shape of a 16-channel weight gradient
// summed over many positions (16 × 16 × 3136: 114 → 154 GFLOP/s per thread; with 32 or 64 columns it
// measured no better than the tiles, so they keep those). Depends only on n, k and the transposes,
// never on m, so a row's bits still do not depend on the rows computed with it.
static bool uses_reduction(bool transpose_a, bool transpose_b, long n, long k) {
    return !transpose_a && transpose_b && n <= DOT_MAX_COLUMNS && k >= DOT_MIN_DEPTH;
}

// C ← alpha · A · Bᵀ + beta · C as dot products of rows: each 4 × 4 block of C keeps 16 vectors of 16
// partial sums (lane l sums the k ≡ l mod 16 terms, k ascending) and reduces them at the end. Packing
// both operands would cost more than the product here; the rows are streamed in chunks of 256 values
// that stay in L1, the partial sums parked in `scratch` between chunks.
__attribute__((target("avx512f")))
static void reduction_gemm(
    long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb, float beta,
    float *c, long ldc, float *scratch) {
    long block_rows = (m + DOT_BLOCK - 1) / DOT_BLOCK, block_columns = (n + DOT_BLOCK - 1) / DOT_BLOCK;
    for (long k0 = 0; k0 < k; k0 += DOT_CHUNK) {
        long chunk = min_long(DOT_CHUNK, k - k0);
        for (long bi = 0; bi < block_rows; ++bi) {
            const float *rows_a[DOT_BLOCK];
            for (long i = 0; i < DOT_BLOCK; ++i) rows_a[i] = a + min_long(bi * DOT_BLOCK + i, m - 1) * lda + k0;
            for (long bj = 0; bj < block_columns; ++bj) {
                const float *rows_b[DOT_BLOCK];
                for (long j = 0; j < DOT_BLOCK; ++j) rows_b[j] = b + min_long(bj * DOT_BLOCK + j, n - 1) * ldb + k0;
                float *parked = scratch + (bi * block_columns + bj) * DOT_BLOCK * DOT_BLOCK * 16;
                __m512 acc[DOT_BLOCK][DOT_BLOCK];
#pragma clang loop unroll(full)
                for (int i = 0; i < DOT_BLOCK; ++i)
#pragma clang loop unroll(full)
                    for (int j = 0; j < DOT_BLOCK; ++j)
                        acc[i][j] = k0 == 0 ? _mm512_setzero_ps() : _mm512_load_ps(parked + (i * DOT_BLOCK + j) * 16);
                for (long kk = 0; kk < chunk; kk += 16) {
                    __mmask16 lanes = lane_mask(chunk - kk);
                    __m512 x[DOT_BLOCK], y[DOT_BLOCK];
#pragma clang loop unroll(full)
                    for (int i = 0; i < DOT_BLOCK; ++i) x[i] = _mm512_maskz_loadu_ps(lanes, rows_a[i] + kk);
#pragma clang loop unroll(full)
                    for (int j = 0; j < DOT_BLOCK; ++j) y[j] = _mm512_maskz_loadu_ps(lanes, rows_b[j] + kk);
#pragma clang loop unroll(full)
                    for (int i = 0; i < DOT_BLOCK; ++i)
#pragma clang loop unroll(full)
                        for (int j = 0; j < DOT_BLOCK; ++j) acc[i][j] = _mm512_fmadd_ps(x[i], y[j], acc[i][j]);
                }
                if (k0 + chunk < k) {
#pragma clang loop unroll(full)
                    for (int i = 0; i < DOT_BLOCK; ++i)
#pragma clang loop unroll(full)
                        for (int j = 0; j < DOT_BLOCK; ++j) _mm512_store_ps(parked + (i * DOT_BLOCK + j) * 16, acc[i][j]);
                    continue;
                }
                long rows = min_long(DOT_BLOCK, m - bi * DOT_BLOCK), columns = min_long(DOT_BLOCK, n - bj * DOT_BLOCK);
                for (long i = 0; i < rows; ++i) {
                    float *row = c + (bi * DOT_BLOCK + i) * ldc + bj * DOT_BLOCK;
                    for (long j = 0; j < columns; ++j) {
                        float product = alpha * _mm512_reduce_add_ps(acc[i][j]);
                        row[j] = beta == 0 ? product : __builtin_fmaf(beta, row[j], product);
                    }
                }
            }
        }
    }
}

enum tile { wide_tile, narrow_tile, short_tile };

// The micro-tile for an m × n product: narrow when C is at most 16 columns wide; short when its
// padded area is under 95 % of the wide tile's (m = 16, 32, 64: the 8 × 48 tile wastes nothing where
// 12-row panels compute 50 % or 12.5 % padding); wide otherwise and always for the upper triangle.
// Every tile sums each element in the same order, so the choice never changes the bits.
static enum tile tile_for(long m, long n, bool upper) {
    if (upper) return wide_tile;
    if (n <= NARROW) return narrow_tile;
    double wide = (double)((m + MR - 1) / MR * MR) * (double)((n + NR - 1) / NR * NR);
    double short_area = (double)((m + SHORT_ROWS - 1) / SHORT_ROWS * SHORT_ROWS)
        * (double)((n + SHORT_COLUMNS - 1) / SHORT_COLUMNS * SHORT_COLUMNS);
    return short_area < 0.95 * wide ? short_tile : wide_tile;
}

// C[0..<m][0..<n] ← alpha · op(A) · op(B) + beta · C. With `upper`, only elements whose column
// (j) is at least their row's global index (row_offset + i) are computed and written. A C at most
// 16 columns wide (not `upper`) takes the narrow 16 × 16 tile; both tiles sum each element in the
// same order, so the choice does not change the bits.
__attribute__((target("avx512f")))
static bool drive(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc, bool upper, long row_offset) {
    float *packed_a, *packed_b;
    if (!reserve_buffers(&packed_a, &packed_b)) return false;
    // The reduction kernel parks 16 partial sums per element of C in the A buffer ((MC + 16) · KC
    // floats: enough for 2304 rows of 16 columns); a taller C takes the tiles.
    if (!upper && uses_reduction(transpose_a, transpose_b, n, k)
        && ((m + DOT_BLOCK - 1) / DOT_BLOCK) * ((n + DOT_BLOCK - 1) / DOT_BLOCK) * DOT_BLOCK * DOT_BLOCK * 16
            <= (MC + NARROW) * KC) {
        reduction_gemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, packed_a);
        return true;
    }
    enum tile tile = tile_for(m, n, upper);
    long mr = tile == narrow_tile ? NARROW : tile == short_tile ? SHORT_ROWS : MR;
    long nr = tile == narrow_tile ? NARROW : tile == short_tile ? SHORT_COLUMNS : NR;
    for (long ic = 0; ic < m; ic += MC) {
        long mc = min_long(MC, m - ic);
        long first_row = row_offset + ic;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = min_long(KC, k - pc);
            float block_beta = pc == 0 ? beta : 1;
            bool a_packed = false;
            for (long jc = 0; jc < n; jc += NC) {
                long nc = min_long(NC, n - jc);
                // Upper triangle: nothing to do when every column lies left of the first row.
                if (upper && jc + nc - 1 < first_row) continue;
                if (!a_packed) {
                    pack_a(transpose_a, mr, mc, kc, transpose_a ? a + pc * lda + ic : a + ic * lda + pc, lda, packed_a);
                    a_packed = true;
                }
                // The short tile reads a row-major B in place when few row panels share it (m ≤ 64):
                // packing would copy as much as those panels read.
                bool direct_b = tile == short_tile && !transpose_b && m <= 64;
                if (!direct_b)
                    pack_b(transpose_b, nr, kc, nc, transpose_b ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, packed_b);
                for (long ir = 0; ir < mc; ir += mr) {
                    long rows = min_long(mr, mc - ir);
                    const float *panel_a = packed_a + ir * kc;
                    long row = first_row + ir;
                    for (long jr = 0; jr < nc; jr += nr) {
                        long columns = min_long(nr, nc - jr);
                        long column = jc + jr;
                        float *c_tile = c + (ic + ir) * ldc + column;
                        const float *panel_b = packed_b + jr * kc;
                        if (tile == narrow_tile) {
                            narrow_kernel(kc, panel_a, panel_b, c_tile, ldc, alpha, block_beta, rows, columns);
                            continue;
                        }
                        if (tile == short_tile) {
                            if (direct_b)
                                short_kernel(
                                    kc, panel_a, b + pc * ldb + column, ldb, c_tile, ldc, alpha, block_beta, rows,
                                    columns);
                            else
                                short_kernel(
                                    kc, panel_a, panel_b, SHORT_COLUMNS, c_tile, ldc, alpha, block_beta, rows, columns);
                            continue;
                        }
                        if (upper) {
                            if (column + columns - 1 < row) continue;
                            if (column < row + rows - 1) {
                                diagonal_tile(
                                    kc, panel_a, panel_b, c_tile, ldc, alpha, block_beta, rows, columns, row, column);
                                continue;
                            }
                        }
                        micro_kernel(kc, panel_a, panel_b, c_tile, ldc, alpha, block_beta, rows, columns);
                    }
                }
            }
        }
    }
    return true;
}

// MARK: - Emergency path

// The product without packing, for a thread whose packing buffers cannot be allocated (out of
// memory): slow, but it keeps the results and the never-fails contract.
static void unpacked_product(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc, bool upper, long row_offset) {
    for (long i = 0; i < m; ++i) {
        long first = upper ? row_offset + i : 0;
        for (long j = first < 0 ? 0 : first; j < n; ++j) {
            float sum = 0;
            for (long kk = 0; kk < k; ++kk) {
                float x = transpose_a ? a[kk * lda + i] : a[i * lda + kk];
                float y = transpose_b ? b[j * ldb + kk] : b[kk * ldb + j];
                sum = __builtin_fmaf(x, y, sum);
            }
            float product = alpha * sum;
            c[i * ldc + j] = beta == 0 ? product : __builtin_fmaf(beta, c[i * ldc + j], product);
        }
    }
}

static void product(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc, bool upper, long row_offset) {
    if (!drive(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, upper, row_offset))
        unpacked_product(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, upper, row_offset);
}

// MARK: - Splitting between threads

enum { MAX_PARTS = 64 };

typedef struct {
    bool transpose_a, transpose_b, upper, by_columns;
    long m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float *a, *b;
    float *c;
    long bounds[MAX_PARTS + 1];
} split_product;

static void run_part(void *context, long part) {
    const split_product *job = context;
    long begin = job->bounds[part], end = job->bounds[part + 1];
    if (begin >= end) return;
    if (job->upper) {
        // Rows [begin, end) of op(A) · op(A)ᵀ's upper triangle: op(B)[kk][j] = op(A)[j][kk].
        const float *rows = job->transpose_a ? job->a + begin : job->a + begin * job->lda;
        product(
            job->transpose_a, job->transpose_b, end - begin, job->n, job->k, job->alpha, rows, job->lda, job->b,
            job->ldb, job->beta, job->c + begin * job->ldc, job->ldc, true, begin);
    } else if (job->by_columns) {
        const float *columns = job->transpose_b ? job->b + begin * job->ldb : job->b + begin;
        product(
            job->transpose_a, job->transpose_b, job->m, end - begin, job->k, job->alpha, job->a, job->lda, columns,
            job->ldb, job->beta, job->c + begin, job->ldc, false, 0);
    } else {
        const float *rows = job->transpose_a ? job->a + begin : job->a + begin * job->lda;
        product(
            job->transpose_a, job->transpose_b, end - begin, job->n, job->k, job->alpha, rows, job->lda, job->b,
            job->ldb, job->beta, job->c + begin * job->ldc, job->ldc, false, 0);
    }
}

static long part_count(long threads, double multiply_adds, long rows, long columns) {
    if (threads <= 1 || multiply_adds < DEEPARC_PARALLEL_MULTIPLY_ADDS) return 1;
    long blocks = (rows + MR - 1) / MR;
    long column_blocks = (columns + NR - 1) / NR;
    if (column_blocks > blocks) blocks = column_blocks;
    long parts = threads < blocks ? threads : blocks;
    return parts > MAX_PARTS ? MAX_PARTS : parts;
}

void deeparc_sgemm_avx512(
    bool transpose_a, bool transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
    const float *b, long ldb, float beta, float *c, long ldc, long threads) {
    if (m <= 0 || n <= 0 || k <= 0) return;
    split_product job = {
        .transpose_a = transpose_a, .transpose_b = transpose_b, .upper = false, .by_columns = n >= m,
        .m = m, .n = n, .k = k, .lda = lda, .ldb = ldb, .ldc = ldc, .alpha = alpha, .beta = beta,
        .a = a, .b = b, .c = c};
    long parts = part_count(threads, (double)m * n * k, m, n);
    long length = job.by_columns ? n : m, granularity = job.by_columns ? NR : MR;
    long units = (length + granularity - 1) / granularity;
    for (long part = 0; part <= parts; ++part) {
        long bound = units * part / parts * granularity;
        job.bounds[part] = bound < length ? bound : length;
    }
    deeparc_run_parts(parts, run_part, &job);
}

void deeparc_ssyrk_upper_avx512(
    bool transpose, long n, long k, float alpha, const float *a, long lda, float beta, float *c, long ldc,
    long threads) {
    if (n <= 0 || k <= 0) return;
    split_product job = {
        .transpose_a = transpose, .transpose_b = !transpose, .upper = true, .m = n, .n = n, .k = k,
        .lda = lda, .ldb = lda, .ldc = ldc, .alpha = alpha, .beta = beta, .a = a, .b = a, .c = c};
    long parts = part_count(threads, (double)n * n * k / 2, n, n);
    deeparc_triangle_row_bounds(n, parts, MR, job.bounds);
    deeparc_run_parts(parts, run_part, &job);
}

void deeparc_triangle_row_bounds(long n, long parts, long granularity, long *bounds) {
    // Rows [0, r) hold the fraction 1 − (1 − r/n)² of the triangle: equal shares per part.
    bounds[0] = 0;
    for (long part = 1; part < parts; ++part) {
        double fraction = 1 - __builtin_sqrt(1 - (double)part / (double)parts);
        long row = (long)(fraction * (double)n / granularity + 0.5) * granularity;
        if (row < bounds[part - 1]) row = bounds[part - 1];
        bounds[part] = row < n ? row : n;
    }
    bounds[parts] = n;
}
