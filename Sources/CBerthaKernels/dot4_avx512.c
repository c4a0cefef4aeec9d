// Four activation rows per weight row with AVX-512 VL + VNNI (Zen 4, Ice Lake and later): the
// prompt-batch kernels. AVX-512VL gives 32 ymm registers, room for 4 rows × 4 accumulators plus
// the shared unpacked weights (AVX2's 16 hold only two rows: dot2_avx2.c), so each weight block is
// unpacked once for four tokens instead of two.
//
// The contract of the multi-row kernels holds: every output is bit-identical to the one-row kernel
// this CPU runs for the type (dot_avx512.c's for Q8_0, Q4_1 and Q5_0, the AVX2 one for the
// K-quants), because prompt batches
// and one-token decoding must produce the same logits. The integer parts may be computed another
// way (vpdpbusd = maddubs + madd + add is exact here: no pair of products reaches maddubs' int16
// saturation), the float parts mirror the one-row kernels operation
// for operation: the same accumulator per block, the same scalar sums in block order, the same
// horizontal sum.
#include "blocks.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#include "avx2_blocks.h"
#include "vnni_blocks.h"

#define YROW4(x, xstride, j) ((const void *)((const uint8_t *)(x) + (size_t)(j) * (xstride)))
#define ROWS4 for (int j = 0; j < 4; j++)

// The four tokens' block sums side by side, sums[4k + j] = y_j[k].s, so that the per-block
// correction of all four is one 4-lane FMA instead of four scalar ones (each lane is the same
// fma(w, s, c) the one-row kernel does). On the stack up to 16384 columns.
#define TRANSPOSED_SUMS(y, nb, sums)                                                                    \
    float sums_stack[4 * 512];                                                                          \
    float *sums = (nb) <= 512 ? sums_stack : (float *)malloc(sizeof(float) * 4 * (size_t)(nb));         \
    if (!sums) return;                                                                                  \
    for (int k = 0; k < (nb); k++) ROWS4 sums[4 * k + j] = y[j][k].s;

// Q5_0 and Q4_1, one block for four tokens: the integer dot, then acc += (w_d · y_d) · dot with
// y_d the token's 8 lane scales (lane_scales: a load, not a shuffle, as the ALU ports are the limit
// here), then the four corrections at once. Q is the unpacked weight block, D its float scale, M
// what multiplies the block sums (d for Q5_0, m for Q4_1).
#define BLOCK4_BODY(K, U, Q, D, M)                                                                      \
        {                                                                                               \
            const __m256i q = (Q);                                                                      \
            const float dq = (D);                                                                       \
            ROWS4 {                                                                                     \
                const __m256i p = vdot_u8(q, y[j][K].qs);                                               \
                a[j][U] = _mm256_fmadd_ps(lane_scales(dq, y[j][K].d), _mm256_cvtepi32_ps(p), a[j][U]);   \
            }                                                                                           \
            c = _mm_fmadd_ps(_mm_set1_ps(M), _mm_loadu_ps(sums + 4 * (K)), c);                          \
        }

// One four-token kernel over 32-weight blocks with a block-sum correction: BODY(K, U) is the
// block's BLOCK4_BODY, RESULT the output from `sum` (the four accumulators) and `corr` (the
// corrections), written as the one-row kernel writes it.
#define DOT4_WITH_SUMS(NAME, BLOCK, BODY, RESULT)                                                       \
    void VNNI NAME(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,        \
                   float *out, size_t ostride) {                                                        \
        const bertha_block_q8a *y[4];                                                                   \
        ROWS4 y[j] = (const bertha_block_q8a *)YROW4(x, xstride, j);                                   \
        const int nb = n / 32;                                                                          \
        TRANSPOSED_SUMS(y, nb, sums)                                                                    \
        for (int r = 0; r < rows; r++) {                                                                \
            const BLOCK *b = ROW(BLOCK, w, stride, r);                                                  \
            __m256 a[4][4];                                                                             \
            __m128 c = _mm_setzero_ps();                                                                \
            ROWS4 for (int u = 0; u < 4; u++) a[j][u] = _mm256_setzero_ps();                            \
            BLOCK_LOOP_U(nb, BODY)                                                                      \
            float cs[4];                                                                                \
            _mm_storeu_ps(cs, c);                                                                       \
            ROWS4 {                                                                                     \
                const float sum = SUM4(a[j]), corr = cs[j];                                             \
                out[(size_t)j * ostride + r] = (RESULT);                                                \
            }                                                                                           \
        }                                                                                               \
        if (sums != sums_stack) free(sums);                                                             \
    }

// Mirrors bertha_dot_q5_0_q8a_avx2 (Gemma 3's main type). 4 tokens: see docs/kernels.md.
#define Q5_0_BODY4(K, U)                                                                                \
    {                                                                                                   \
        const float dw = f16(b[K].d);                                                                   \
        BLOCK4_BODY(K, U, _mm256_or_si256(unpack_nibbles(b[K].qs), fifth_bits(b[K].qh)), dw, dw)        \
    }
DOT4_WITH_SUMS(bertha_dot4_q5_0_q8a_avx512, block_q5_0, Q5_0_BODY4, sum - 16.0f * corr)

// Mirrors bertha_dot_q4_1_q8a_avx2 (SmolLM2's main type).
#define Q4_1_BODY4(K, U) BLOCK4_BODY(K, U, unpack_nibbles(b[K].qs), f16(b[K].d), f16(b[K].m))
DOT4_WITH_SUMS(bertha_dot4_q4_1_q8a_avx512, block_q4_1, Q4_1_BODY4, sum + corr)

// Mirrors bertha_dot_q8_0_q8a_avx512: |w| and the weight scale once per block for four tokens.
void VNNI bertha_dot4_q8_0_q8a_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                      float *out, size_t ostride) {
    const bertha_block_q8a *y[4];
    ROWS4 y[j] = (const bertha_block_q8a *)YROW4(x, xstride, j);
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        __m256 a[4][4];
        ROWS4 for (int u = 0; u < 4; u++) a[j][u] = _mm256_setzero_ps();
#define Q8_0_BODY4(K, U)                                                                                \
        {                                                                                               \
            const __m256i q = _mm256_loadu_si256((const __m256i *)b[K].qs);                             \
            const __m256i aq = _mm256_abs_epi8(q);                                                      \
            const float dw = f16(b[K].d);                                                               \
            ROWS4 {                                                                                     \
                const __m256i v = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)y[j][K].qs), q); \
                const __m256i p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), aq, v);                   \
                a[j][U] = _mm256_fmadd_ps(lane_scales(dw, y[j][K].d), _mm256_cvtepi32_ps(p), a[j][U]);  \
            }                                                                                           \
        }
        BLOCK_LOOP_U(nb, Q8_0_BODY4)
        ROWS4 out[(size_t)j * ostride + r] = SUM4(a[j]);
    }
}

// Mirrors bertha_dot_q4_k_q8k_avx2: scales and mins unpacked and nibbles split once per block for
// four tokens.
void VNNI bertha_dot4_q4_k_q8k_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                      float *out, size_t ostride) {
    const bertha_block_q8k *y[4];
    ROWS4 y[j] = (const bertha_block_q8k *)YROW4(x, xstride, j);
    const int nb = n / 256;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int r = 0; r < rows; r++) {
        const block_q4_k *b = ROW(block_q4_k, w, stride, r);
        __m256 acc[4], accm[4];
        ROWS4 acc[j] = accm[j] = _mm256_setzero_ps();
        for (int k = 0; k < nb; k++) {
            uint8_t sc[8], m[8];
            for (int i = 0; i < 8; i++) bertha_scale_min_k4(i, b[k].scales, &sc[i], &m[i]);
            __m256 f0[4], f1[4];
            ROWS4 f0[j] = f1[j] = _mm256_setzero_ps();
            for (int i = 0; i < 4; i++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(b[k].qs + 32 * i));
                const __m256i lo = _mm256_and_si256(q, low4);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
                const __m256i sl = _mm256_set1_epi16(sc[2 * i]), sh = _mm256_set1_epi16(sc[2 * i + 1]);
                ROWS4 {
                    f0[j] = k_chunk(lo, y[j][k].qs + 64 * i, sl, y[j][k].d + 16 * i, f0[j]);
                    f1[j] = k_chunk(hi, y[j][k].qs + 64 * i + 32, sh, y[j][k].d + 16 * i + 8, f1[j]);
                }
            }
            const __m256 dw = _mm256_set1_ps(f16(b[k].d)), dmin = _mm256_set1_ps(f16(b[k].dmin));
            ROWS4 {
                acc[j] = _mm256_fmadd_ps(dw, _mm256_add_ps(f0[j], f1[j]), acc[j]);
                accm[j] = _mm256_fmadd_ps(dmin, k4_mins(m, y[j][k].sums32), accm[j]);
            }
        }
        ROWS4 out[(size_t)j * ostride + r] = hsum_ps(_mm256_sub_ps(acc[j], accm[j]));
    }
}

// Mirrors bertha_dot_q6_k_q8k_avx2: the 6-bit weights are assembled once per block for four tokens.
void VNNI bertha_dot4_q6_k_q8k_avx512(int n, const void *w, size_t stride, int rows, const void *x, size_t xstride,
                                      float *out, size_t ostride) {
    const bertha_block_q8k *y[4];
    ROWS4 y[j] = (const bertha_block_q8k *)YROW4(x, xstride, j);
    const int nb = n / 256;
    for (int r = 0; r < rows; r++) {
        const block_q6_k *b = ROW(block_q6_k, w, stride, r);
        __m256 acc[4];
        ROWS4 acc[j] = _mm256_setzero_ps();
        for (int k = 0; k < nb; k++) {
            __m256 f0[4], f1[4];
            ROWS4 f0[j] = f1[j] = _mm256_setzero_ps();
            for (int h = 0; h < 2; h++) {
                __m256i q[4];
                q6_unpack(b[k].ql + 64 * h, b[k].qh + 32 * h, q);
                const int8_t *sc = b[k].scales + 8 * h;
                const __m256i s0 = q6_scales(sc, 0), s1 = q6_scales(sc, 1), s2 = q6_scales(sc, 2), s3 = q6_scales(sc, 3);
                ROWS4 {
                    const int8_t *yq = y[j][k].qs + 128 * h;
                    const float *yd = y[j][k].d + 32 * h;
                    f0[j] = k_chunk(q[0], yq, s0, yd, f0[j]);
                    f1[j] = k_chunk(q[1], yq + 32, s1, yd + 8, f1[j]);
                    f0[j] = k_chunk(q[2], yq + 64, s2, yd + 16, f0[j]);
                    f1[j] = k_chunk(q[3], yq + 96, s3, yd + 24, f1[j]);
                }
            }
            const __m256 dw = _mm256_set1_ps(f16(b[k].d));
            ROWS4 {
                const __m256 f = _mm256_fnmadd_ps(_mm256_set1_ps(32.0f), q6_offset_sums(b[k].scales, y[j][k].sums16),
                                                  _mm256_add_ps(f0[j], f1[j]));
                acc[j] = _mm256_fmadd_ps(dw, f, acc[j]);
            }
        }
        ROWS4 out[(size_t)j * ostride + r] = hsum_ps(acc[j]);
    }
}

#else

#define FORWARD4(name)                                                                                   \
    void bertha_dot4_##name##_avx512(int n, const void *w, size_t stride, int rows, const void *x,       \
                                     size_t xstride, float *out, size_t ostride) {                       \
        for (int j = 0; j < 4; j++)                                                                      \
            bertha_dot_##name##_ref(n, w, stride, rows, (const uint8_t *)x + (size_t)j * xstride,        \
                                    out + (size_t)j * ostride);                                          \
    }
FORWARD4(q5_0_q8a) FORWARD4(q4_1_q8a) FORWARD4(q8_0_q8a) FORWARD4(q4_k_q8k) FORWARD4(q6_k_q8k)

#endif
