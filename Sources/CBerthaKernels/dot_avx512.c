// AVX-512 VNNI kernels for the 8-bit dot products (Zen 4, Ice Lake and later). vpdpbusd fuses
// maddubs + madd + add; measured on Zen 4 at 22.8 GB/s vs 16.8 for AVX2 (Q8_0, 1 thread,
// /work/shared/README.md). Only called when bertha_kernels_isa() == 2; other types use AVX2.
#include "blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,evex512,avx2,fma,f16c")))

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#include "avx2_blocks.h"

static inline VNNI float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

void VNNI bertha_dot_q8_0_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
        for (int k = 0; k < nb; k++) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)b[k].qs);
            const __m256i c = _mm256_loadu_si256((const __m256i *)y[k].qs);
            // vpdpbusd wants unsigned × signed: |a| × (c with a's sign)
            const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(a), _mm256_sign_epi8(c, a));
            acc[k & 3] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b[k].d)), _mm256_loadu_ps(y[k].d)), _mm256_cvtepi32_ps(p), acc[k & 3]);
        }
        out[r] = hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    }
}

void VNNI bertha_dot_q4_0_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    const __m128i m4 = _mm_set1_epi8(0x0F);
    for (int r = 0; r < rows; r++) {
        const block_q4_0 *b = ROW(block_q4_0, w, stride, r);
        __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
        float corr = 0.0f;
        for (int k = 0; k < nb; k++) {
            const __m128i bytes = _mm_loadu_si128((const __m128i *)b[k].qs);
            const __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), m4), _mm_and_si128(bytes, m4));
            const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, _mm256_loadu_si256((const __m256i *)y[k].qs));
            const float dw = _cvtsh_ss(b[k].d);
            acc[k & 3] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(dw), _mm256_loadu_ps(y[k].d)), _mm256_cvtepi32_ps(p), acc[k & 3]);
            corr = __builtin_fmaf(dw, y[k].s, corr);
        }
        out[r] = hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]))) - 8.0f * corr;
    }
}

// Q4_1 and Q5_0 (SmolLM2's and Gemma 3's main types) with vpdpbusd for the integer dot, which
// is exact here (a pair of products stays far below int16 saturation), and otherwise the AVX2
// kernels' float operations in their order: accumulators as BLOCK_LOOP assigns them (tail blocks
// into the first), the block-sum correction as a scalar fma in block order, the same horizontal
// sum. So each output is bit-identical to bertha_dot_q4_1/q5_0_q8a_avx2, and dot4_avx512.c's
// four-token kernels, which mirror those, stay bit-identical to what decoding runs.
// Measured (Benchmarks/KernelBench, 1 thread, Zen 4, alternating runs): Q4_1 576×1536 20.4 GB/s vs
// AVX2 18.8, Q5_0 18.5–19.0 vs 16.9–17.3. ALU-bound: four independent block-sum chains gained
// nothing for Q4_1 and halved Q5_0's speed.
#define VNNI_BLOCK_BODY(K, U, Q, D, M)                                                                  \
        {                                                                                               \
            const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), (Q),                          \
                                                  _mm256_loadu_si256((const __m256i *)y[K].qs));        \
            acc[U] = _mm256_fmadd_ps(lane_scales(D, y[K].d), _mm256_cvtepi32_ps(p), acc[U]);            \
            corr = __builtin_fmaf(M, y[K].s, corr);                                                     \
        }

#define VNNI_ONE_ROW(NAME, BLOCK, BODY, RESULT)                                                          \
    void VNNI NAME(int n, const void *w, size_t stride, int rows, const void *x, float *out) {          \
        const bertha_block_q8a *y = (const bertha_block_q8a *)x;                                        \
        const int nb = n / 32;                                                                          \
        for (int r = 0; r < rows; r++) {                                                                \
            const BLOCK *b = ROW(BLOCK, w, stride, r);                                                  \
            __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() }; \
            float corr = 0.0f;                                                                          \
            BLOCK_LOOP_U(nb, BODY)                                                                      \
            const float sum = SUM4(acc);                                                                \
            out[r] = (RESULT);                                                                          \
        }                                                                                               \
    }

#define Q4_1_VNNI_BODY(K, U) VNNI_BLOCK_BODY(K, U, unpack_nibbles(b[K].qs), f16(b[K].d), f16(b[K].m))
VNNI_ONE_ROW(bertha_dot_q4_1_q8a_avx512, block_q4_1, Q4_1_VNNI_BODY, sum + corr)

#define Q5_0_VNNI_BODY(K, U)                                                                            \
    {                                                                                                   \
        const float dw = f16(b[K].d);                                                                   \
        VNNI_BLOCK_BODY(K, U, _mm256_or_si256(unpack_nibbles(b[K].qs), fifth_bits(b[K].qh)), dw, dw)    \
    }
VNNI_ONE_ROW(bertha_dot_q5_0_q8a_avx512, block_q5_0, Q5_0_VNNI_BODY, sum - 16.0f * corr)

#else

void bertha_dot_q4_1_q8a_avx512(int n, const void *w, size_t s, int rows, const void *x, float *out) {
    bertha_dot_q4_1_q8a_ref(n, w, s, rows, x, out);
}
void bertha_dot_q5_0_q8a_avx512(int n, const void *w, size_t s, int rows, const void *x, float *out) {
    bertha_dot_q5_0_q8a_ref(n, w, s, rows, x, out);
}
void bertha_dot_q8_0_q8a_avx512(int n, const void *w, size_t s, int rows, const void *x, float *out) {
    bertha_dot_q8_0_q8a_ref(n, w, s, rows, x, out);
}
void bertha_dot_q4_0_q8a_avx512(int n, const void *w, size_t s, int rows, const void *x, float *out) {
    bertha_dot_q4_0_q8a_ref(n, w, s, rows, x, out);
}

#endif
