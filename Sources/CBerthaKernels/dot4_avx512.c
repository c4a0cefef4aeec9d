// Four activation rows per weight row: the matrix-matrix path of prompt batches and of continuous
// batching's decode steps. A weight block is loaded and unpacked once and meets four activation
// blocks, instead of being re-read and re-unpacked for every row as the one-row kernels do.
//
// Batch invariance: each output is computed with exactly the operations, in exactly the order,
// of the one-row kernel this CPU uses for that type (the same accumulator per block, the same
// tail handling, the same horizontal sum), so a token's logits are bit-identical whether it is
// evaluated alone or in a batch (MatMulTests "matmul over a batch equals matvec of each row
// exactly"; BatchingTests on SmolLM2). vpdpbusd and AVX2's maddubs+madd give the same int32 sums
// here because maddubs cannot saturate on these ranges (see dot_avx2.c).
//
// 4 rows × 4 accumulators = 16 ymm registers: needs AVX-512VL's 32, so these run only where the
// VNNI kernels run (bertha_kernels_isa() == 2); elsewhere MatMul falls back to one row at a time.
#include "blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,evex512,avx2,fma,f16c")))

static inline VNNI float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#define YROW(x, xstride, j) ((const bertha_block_q8a *)((const uint8_t *)(x) + (size_t)(j) * (xstride)))

// Mirrors bertha_dot_q8_0_q8a_avx512: block k goes to accumulator k & 3, tail included.
void VNNI bertha_dot4_q8_0_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                      float *out, size_t ostride) {
    const bertha_block_q8a *y0 = YROW(x, xstride, 0), *y1 = YROW(x, xstride, 1);
    const bertha_block_q8a *y2 = YROW(x, xstride, 2), *y3 = YROW(x, xstride, 3);
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        __m256 a0[4], a1[4], a2[4], a3[4];
        for (int u = 0; u < 4; u++) a0[u] = a1[u] = a2[u] = a3[u] = _mm256_setzero_ps();
        for (int k = 0; k < nb; k++) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)b[k].qs);
            const __m256i ua = _mm256_abs_epi8(a);
            const float dw = _cvtsh_ss(b[k].d);
            const int u = k & 3;
#define Q8_0_ROW(Y, ACC)                                                                                   \
            {                                                                                              \
                const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ua,                         \
                                                      _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)Y[k].qs), a)); \
                ACC[u] = _mm256_fmadd_ps(_mm256_set1_ps(dw * Y[k].d), _mm256_cvtepi32_ps(p), ACC[u]);     \
            }
            Q8_0_ROW(y0, a0) Q8_0_ROW(y1, a1) Q8_0_ROW(y2, a2) Q8_0_ROW(y3, a3)
#undef Q8_0_ROW
        }
        out[r] = hsum8(_mm256_add_ps(_mm256_add_ps(a0[0], a0[1]), _mm256_add_ps(a0[2], a0[3])));
        out[ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a1[0], a1[1]), _mm256_add_ps(a1[2], a1[3])));
        out[2 * ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a2[0], a2[1]), _mm256_add_ps(a2[2], a2[3])));
        out[3 * ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a3[0], a3[1]), _mm256_add_ps(a3[2], a3[3])));
    }
}

// Mirrors bertha_dot_q4_1_q8a_avx2 (Q4_1 has no one-row VNNI kernel): blocks 4 at a time into
// accumulators 0..3, the remaining tail blocks all into accumulator 0; the m·s term summed in
// block order per row.
void VNNI bertha_dot4_q4_1_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                      float *out, size_t ostride) {
    const bertha_block_q8a *y0 = YROW(x, xstride, 0), *y1 = YROW(x, xstride, 1);
    const bertha_block_q8a *y2 = YROW(x, xstride, 2), *y3 = YROW(x, xstride, 3);
    const int nb = n / 32;
    const __m128i m4 = _mm_set1_epi8(0x0F);
    for (int r = 0; r < rows; r++) {
        const block_q4_1 *b = ROW(block_q4_1, w, stride, r);
        __m256 a0[4], a1[4], a2[4], a3[4];
        for (int u = 0; u < 4; u++) a0[u] = a1[u] = a2[u] = a3[u] = _mm256_setzero_ps();
        float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;
        const int full = nb & ~3;
        for (int k = 0; k < nb; k++) {
            const __m128i bytes = _mm_loadu_si128((const __m128i *)b[k].qs);
            const __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), m4), _mm_and_si128(bytes, m4));
            const float dw = _cvtsh_ss(b[k].d), mw = _cvtsh_ss(b[k].m);
            const int u = k < full ? (k & 3) : 0;
#define Q4_1_ROW(Y, ACC, C)                                                                                \
            {                                                                                              \
                const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, _mm256_loadu_si256((const __m256i *)Y[k].qs)); \
                ACC[u] = _mm256_fmadd_ps(_mm256_set1_ps(dw * Y[k].d), _mm256_cvtepi32_ps(p), ACC[u]);     \
                C += mw * Y[k].s;                                                                          \
            }
            Q4_1_ROW(y0, a0, c0) Q4_1_ROW(y1, a1, c1) Q4_1_ROW(y2, a2, c2) Q4_1_ROW(y3, a3, c3)
#undef Q4_1_ROW
        }
        out[r] = hsum8(_mm256_add_ps(_mm256_add_ps(a0[0], a0[1]), _mm256_add_ps(a0[2], a0[3]))) + c0;
        out[ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a1[0], a1[1]), _mm256_add_ps(a1[2], a1[3]))) + c1;
        out[2 * ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a2[0], a2[1]), _mm256_add_ps(a2[2], a2[3]))) + c2;
        out[3 * ostride + r] = hsum8(_mm256_add_ps(_mm256_add_ps(a3[0], a3[1]), _mm256_add_ps(a3[2], a3[3]))) + c3;
    }
}

#else

// Never selected off x86 (MatMul uses the one-row kernels there); defined so the symbols link.
void bertha_dot4_q8_0_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                 float *out, size_t ostride) {
    for (int j = 0; j < 4; j++)
        bertha_dot_q8_0_q8a_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride, out + (size_t)j * ostride);
}
void bertha_dot4_q4_1_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                 float *out, size_t ostride) {
    for (int j = 0; j < 4; j++)
        bertha_dot_q4_1_q8a_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride, out + (size_t)j * ostride);
}

#endif
