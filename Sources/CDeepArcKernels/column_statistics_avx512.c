// Single-to-double element-wise kernels for the similarity metrics' exact statistics, with AVX-512.
// The arithmetic is the portable Swift loops' (DeepArcTensor's ColumnStatistics), operation for
// operation and without fused multiply-adds, so both give the same bits.

#include "DeepArcKernels.h"

#include <immintrin.h>

// x · x + s must round twice, like the Swift loops: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

__attribute__((target("avx512f")))
void deeparc_accumulate_column_moments_avx512(
    const float *x, long rows, long stride, long width, double *sums, double *squares) {
    long k = 0;
    for (; k + 8 <= width; k += 8) {
        __m512d s = _mm512_loadu_pd(sums + k), q = _mm512_loadu_pd(squares + k);
        for (long row = 0; row < rows; ++row) {
            __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + row * stride + k));
            s = _mm512_add_pd(s, v);
            q = _mm512_add_pd(q, _mm512_mul_pd(v, v));
        }
        _mm512_storeu_pd(sums + k, s);
        _mm512_storeu_pd(squares + k, q);
    }
    for (; k < width; ++k) {
        double s = sums[k], q = squares[k];
        for (long row = 0; row < rows; ++row) {
            double v = x[row * stride + k];
            s += v;
            q += v * v;
        }
        sums[k] = s;
        squares[k] = q;
    }
}

__attribute__((target("avx512f")))
void deeparc_centre_rows_avx512(
    const float *x, long rows, long columns, const double *means, double scale, float *out) {
    __m512d factor = _mm512_set1_pd(scale);
    for (long row = 0; row < rows; ++row) {
        const float *source = x + row * columns;
        float *destination = out + row * columns;
        long k = 0;
        for (; k + 8 <= columns; k += 8) {
            __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(source + k));
            __m512d centred = _mm512_mul_pd(_mm512_sub_pd(v, _mm512_loadu_pd(means + k)), factor);
            _mm256_storeu_ps(destination + k, _mm512_cvtpd_ps(centred));
        }
        for (; k < columns; ++k) destination[k] = (float)(((double)source[k] - means[k]) * scale);
    }
}
