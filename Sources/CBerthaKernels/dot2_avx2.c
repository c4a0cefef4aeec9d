// Two activation rows per weight row on AVX2 (16 ymm registers: 2 rows × 4 accumulators plus the
// shared unpacked weights and temporaries; four rows would spill). The AVX2 counterpart of
// dot4_avx512.c, with the same contract: each output is computed with exactly the operations of
// the one-row AVX2 kernel (dot_avx2.c's BLOCK_LOOP: blocks 4 at a time into accumulators 0..3,
// tail blocks into accumulator 0, the same horizontal sum), so batching stays bit-exact.
#include "blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

#include "avx2_blocks.h"

#define YROW2(x, xstride, j) ((const bertha_block_q8a *)((const uint8_t *)(x) + (size_t)(j) * (xstride)))


// Mirrors bertha_dot_q8_0_q8a_avx2 with its own dot_i8 (|a| is computed once per block by the compiler).
void AVX2 bertha_dot2_q8_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                    float *out, size_t ostride) {
    const bertha_block_q8a *y0 = YROW2(x, xstride, 0), *y1 = YROW2(x, xstride, 1);
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        __m256 a0[4], a1[4];
        for (int u = 0; u < 4; u++) a0[u] = a1[u] = _mm256_setzero_ps();
#define Q8_0_BODY2(K, U)                                                                                   \
        {                                                                                                  \
            const __m256i a = _mm256_loadu_si256((const __m256i *)b[K].qs);                               \
            const float dw = f16(b[K].d);                                                                  \
            const __m256i p0 = dot_i8(a, _mm256_loadu_si256((const __m256i *)y0[K].qs));                  \
            a0[U] = _mm256_fmadd_ps(lane_scales(dw, y0[K].d), _mm256_cvtepi32_ps(p0), a0[U]);         \
            const __m256i p1 = dot_i8(a, _mm256_loadu_si256((const __m256i *)y1[K].qs));                  \
            a1[U] = _mm256_fmadd_ps(lane_scales(dw, y1[K].d), _mm256_cvtepi32_ps(p1), a1[U]);         \
        }
        BLOCK_LOOP_U(nb, Q8_0_BODY2)
#undef Q8_0_BODY2
        out[r] = SUM4(a0);
        out[ostride + r] = SUM4(a1);
    }
}

// Mirrors bertha_dot_q4_1_q8a_avx2: nibbles unpacked once for both rows, m·s summed per row in block order.
void AVX2 bertha_dot2_q4_1_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                    float *out, size_t ostride) {
    const bertha_block_q8a *y0 = YROW2(x, xstride, 0), *y1 = YROW2(x, xstride, 1);
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q4_1 *b = ROW(block_q4_1, w, stride, r);
        __m256 a0[4], a1[4];
        for (int u = 0; u < 4; u++) a0[u] = a1[u] = _mm256_setzero_ps();
        float c0 = 0.0f, c1 = 0.0f;
#define Q4_1_BODY2(K, U)                                                                                   \
        {                                                                                                  \
            const __m256i q = unpack_nibbles(b[K].qs);                                                     \
            const float dw = f16(b[K].d), mw = f16(b[K].m);                                                \
            const __m256i p0 = dot_u8(q, _mm256_loadu_si256((const __m256i *)y0[K].qs));                  \
            a0[U] = _mm256_fmadd_ps(lane_scales(dw, y0[K].d), _mm256_cvtepi32_ps(p0), a0[U]);         \
            c0 = __builtin_fmaf(mw, y0[K].s, c0);                                                                            \
            const __m256i p1 = dot_u8(q, _mm256_loadu_si256((const __m256i *)y1[K].qs));                  \
            a1[U] = _mm256_fmadd_ps(lane_scales(dw, y1[K].d), _mm256_cvtepi32_ps(p1), a1[U]);         \
            c1 = __builtin_fmaf(mw, y1[K].s, c1);                                                                            \
        }
        BLOCK_LOOP_U(nb, Q4_1_BODY2)
#undef Q4_1_BODY2
        out[r] = SUM4(a0) + c0;
        out[ostride + r] = SUM4(a1) + c1;
    }
}

// Mirrors bertha_dot_q5_0_q8a_avx2 (Gemma 3's main type): nibbles and fifth bits merged once.
void AVX2 bertha_dot2_q5_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                    float *out, size_t ostride) {
    const bertha_block_q8a *y0 = YROW2(x, xstride, 0), *y1 = YROW2(x, xstride, 1);
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q5_0 *b = ROW(block_q5_0, w, stride, r);
        __m256 a0[4], a1[4];
        for (int u = 0; u < 4; u++) a0[u] = a1[u] = _mm256_setzero_ps();
        float c0 = 0.0f, c1 = 0.0f;
#define Q5_0_BODY2(K, U)                                                                                   \
        {                                                                                                  \
            const float dw = f16(b[K].d);                                                                  \
            const __m256i q = _mm256_or_si256(unpack_nibbles(b[K].qs), fifth_bits(b[K].qh));              \
            const __m256i p0 = dot_u8(q, _mm256_loadu_si256((const __m256i *)y0[K].qs));                  \
            a0[U] = _mm256_fmadd_ps(lane_scales(dw, y0[K].d), _mm256_cvtepi32_ps(p0), a0[U]);         \
            c0 = __builtin_fmaf(dw, y0[K].s, c0);                                                                            \
            const __m256i p1 = dot_u8(q, _mm256_loadu_si256((const __m256i *)y1[K].qs));                  \
            a1[U] = _mm256_fmadd_ps(lane_scales(dw, y1[K].d), _mm256_cvtepi32_ps(p1), a1[U]);         \
            c1 = __builtin_fmaf(dw, y1[K].s, c1);                                                                            \
        }
        BLOCK_LOOP_U(nb, Q5_0_BODY2)
#undef Q5_0_BODY2
        out[r] = SUM4(a0) - 16.0f * c0;
        out[ostride + r] = SUM4(a1) - 16.0f * c1;
    }
}

#else

void bertha_dot2_q8_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                               float *out, size_t ostride) {
    for (int j = 0; j < 2; j++)
        bertha_dot_q8_0_q8a_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride, out + (size_t)j * ostride);
}
void bertha_dot2_q4_1_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                               float *out, size_t ostride) {
    for (int j = 0; j < 2; j++)
        bertha_dot_q4_1_q8a_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride, out + (size_t)j * ostride);
}
void bertha_dot2_q5_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                               float *out, size_t ostride) {
    for (int j = 0; j < 2; j++)
        bertha_dot_q5_0_q8a_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride, out + (size_t)j * ostride);
}

#endif
