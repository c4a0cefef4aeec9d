// AVX-512 VNNI one-row kernels for the 32-weight block types (Zen 4, Ice Lake and later): vpdpbusd
// fuses maddubs + madd + add. Only called when bertha_kernels_isa() == 2; the K-quants use AVX2.
// Each is the AVX2 kernel with that one change, bit for bit (tested), in BLOCK_LOOP_U's order:
// Q8_0's earlier loop picked its accumulator as acc[k & 3] at run time, which kept the
// accumulators in memory and ran at half the speed (Benchmarks/KernelBench, 1 thread, 576×1536:
// 22.6–25.1 GB/s, now 45.5–50.3).
#include "blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#include "avx2_blocks.h"
#include "vnni_blocks.h"

// Q4_0, Q4_1 and Q5_0 (Q4_1 and Q5_0 are SmolLM2's and Gemma 3's main types) with vpdpbusd for the integer dot, which
// is exact here (a pair of products stays far below int16 saturation), and otherwise the AVX2
// kernels' float operations in their order: accumulators as BLOCK_LOOP assigns them (tail blocks
// into the first), the block-sum correction as a scalar fma in block order, the same horizontal
// sum. So each output is bit-identical to bertha_dot_q4_0/q4_1/q5_0_q8a_avx2, and dot4_avx512.c's
// four-token kernels, which mirror those, stay bit-identical to what decoding runs.
// Measured (Benchmarks/KernelBench, 1 thread, Zen 4, alternating runs): Q4_1 576×1536 20.4 GB/s vs
// AVX2 18.8, Q5_0 18.5–19.0 vs 16.9–17.3. ALU-bound: four independent block-sum chains gained
// nothing for Q4_1 and halved Q5_0's speed.
#define VNNI_BLOCK_BODY(K, U, Q, D, M)                                                                  \
        {                                                                                               \
            const __m256i p = vdot_u8((Q), y[K].qs);                                                    \
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
            float corr = 0.0f; /* the block-sum correction; Q8_0 has none */                          \
            BLOCK_LOOP_U(nb, BODY)                                                                      \
            const float sum = SUM4(acc);                                                                \
            out[r] = (RESULT);                                                                          \
        }                                                                                               \
    }

// Q8_0: |a| × (c with a's sign), as vpdpbusd wants unsigned × signed; no block-sum correction.
#define Q8_0_VNNI_BODY(K, U)                                                                            \
    {                                                                                                   \
        const __m256i a = _mm256_loadu_si256((const __m256i *)b[K].qs);                                 \
        const __m256i c = _mm256_loadu_si256((const __m256i *)y[K].qs);                                 \
        const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(a), _mm256_sign_epi8(c, a)); \
        acc[U] = _mm256_fmadd_ps(lane_scales(f16(b[K].d), y[K].d), _mm256_cvtepi32_ps(p), acc[U]);     \
    }
VNNI_ONE_ROW(bertha_dot_q8_0_q8a_avx512, block_q8_0, Q8_0_VNNI_BODY, sum)

#define Q4_0_VNNI_BODY(K, U)                                                                            \
    {                                                                                                   \
        const float dw = f16(b[K].d);                                                                   \
        VNNI_BLOCK_BODY(K, U, unpack_nibbles(b[K].qs), dw, dw)                                          \
    }
VNNI_ONE_ROW(bertha_dot_q4_0_q8a_avx512, block_q4_0, Q4_0_VNNI_BODY, sum - 8.0f * corr)

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
