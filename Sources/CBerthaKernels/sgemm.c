// F32 matrix product for LoRA training: C (M×N) = [C +] A (M×K) · B (K×N), all row-major with
// leading dimensions. The frozen weights are dequantized to F32 for the backward pass, so this is
// the training hot spot next to the quantized dot kernels.
//
// Blocking: a panel of NR columns of B stays in L2 while every group of 4 rows of A streams past
// it; the 4×NR block of C lives in registers for the whole K loop (AVX-512: 4×32 in 8 zmm,
// AVX2: 4×16 in 8 ymm). Edges fall back to the scalar loop, which is also the reference.
#include "CBerthaKernels.h"

void bertha_sgemm_ref(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc, int accumulate) {
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        if (!accumulate) for (int j = 0; j < n; j++) ci[j] = 0;
        for (int p = 0; p < k; p++) {
            const float av = a[(size_t)i * lda + p];
            const float *bp = b + (size_t)p * ldb;
            for (int j = 0; j < n; j++) ci[j] += av * bp[j];
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,evex512,avx2,fma")))

static AVX512 void block_avx512(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, int accumulate) {
    __m512 c00, c01, c10, c11, c20, c21, c30, c31;
    if (accumulate) {
        c00 = _mm512_loadu_ps(c); c01 = _mm512_loadu_ps(c + 16);
        c10 = _mm512_loadu_ps(c + ldc); c11 = _mm512_loadu_ps(c + ldc + 16);
        c20 = _mm512_loadu_ps(c + 2 * (size_t)ldc); c21 = _mm512_loadu_ps(c + 2 * (size_t)ldc + 16);
        c30 = _mm512_loadu_ps(c + 3 * (size_t)ldc); c31 = _mm512_loadu_ps(c + 3 * (size_t)ldc + 16);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm512_setzero_ps();
    }
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        const __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        __m512 x = _mm512_set1_ps(a0[p]);
        c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(a1[p]);
        c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(a2[p]);
        c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(a3[p]);
        c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
    }
    _mm512_storeu_ps(c, c00); _mm512_storeu_ps(c + 16, c01);
    _mm512_storeu_ps(c + ldc, c10); _mm512_storeu_ps(c + ldc + 16, c11);
    _mm512_storeu_ps(c + 2 * (size_t)ldc, c20); _mm512_storeu_ps(c + 2 * (size_t)ldc + 16, c21);
    _mm512_storeu_ps(c + 3 * (size_t)ldc, c30); _mm512_storeu_ps(c + 3 * (size_t)ldc + 16, c31);
}

static AVX2 void block_avx2(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, int accumulate) {
    __m256 c00, c01, c10, c11, c20, c21, c30, c31;
    if (accumulate) {
        c00 = _mm256_loadu_ps(c); c01 = _mm256_loadu_ps(c + 8);
        c10 = _mm256_loadu_ps(c + ldc); c11 = _mm256_loadu_ps(c + ldc + 8);
        c20 = _mm256_loadu_ps(c + 2 * (size_t)ldc); c21 = _mm256_loadu_ps(c + 2 * (size_t)ldc + 8);
        c30 = _mm256_loadu_ps(c + 3 * (size_t)ldc); c31 = _mm256_loadu_ps(c + 3 * (size_t)ldc + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm256_setzero_ps();
    }
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 x = _mm256_broadcast_ss(a0 + p);
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + p);
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + p);
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + p);
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    }
    _mm256_storeu_ps(c, c00); _mm256_storeu_ps(c + 8, c01);
    _mm256_storeu_ps(c + ldc, c10); _mm256_storeu_ps(c + ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * (size_t)ldc, c20); _mm256_storeu_ps(c + 2 * (size_t)ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * (size_t)ldc, c30); _mm256_storeu_ps(c + 3 * (size_t)ldc + 8, c31);
}
#endif

void bertha_sgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                  float *c, int ldc, int accumulate) {
#if defined(__x86_64__)
    const int isa = bertha_kernels_isa();
    const int nr = isa == 2 ? 32 : (isa >= 1 ? 16 : 0);
    if (nr > 0) {
        const int m4 = m & ~3, nn = n - n % nr;
        for (int j = 0; j < nn; j += nr) {
            for (int i = 0; i < m4; i += 4) {
                const float *ai = a + (size_t)i * lda;
                float *cij = c + (size_t)i * ldc + j;
                if (isa == 2) block_avx512(k, ai, lda, b + j, ldb, cij, ldc, accumulate);
                else block_avx2(k, ai, lda, b + j, ldb, cij, ldc, accumulate);
            }
        }
        // leftover rows (all columns covered by full panels) and leftover columns (all rows)
        if (m4 < m && nn > 0) bertha_sgemm_ref(m - m4, nn, k, a + (size_t)m4 * lda, lda, b, ldb, c + (size_t)m4 * ldc, ldc, accumulate);
        if (nn < n) bertha_sgemm_ref(m, n - nn, k, a, lda, b + nn, ldb, c + nn, ldc, accumulate);
        return;
    }
#endif
    bertha_sgemm_ref(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}
