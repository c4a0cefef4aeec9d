// AVX2 + FMA + F16C dot kernels (Haswell, Zen 1 and later). Selected at run time by Swift
// (KernelISA); compiled with per-function target attributes so no global -mavx2 is needed.
//
// Shared tricks:
// - int8 × int8 with maddubs (unsigned × signed): move the sign of a onto b, take |a|.
// - 4-bit and 5-bit weights are unsigned (0..15, 0..31) and go straight into maddubs; their
//   offset (-8, -16, -32) is applied once per block through the activation block's sum.
// - Blocks are unrolled 4 per iteration with independent accumulators: a 1-block loop runs at
//   half speed (latency bound on the FMA chain; /work/shared/README.md).
#include "blocks.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

#include "avx2_blocks.h"

// MARK: float weights

// Float weights: BERT-style F16 GGUFs. Measured F16 576×1536 10.3 GB/s, 1536×576 11.6 (1 thread, loaded VM).
void AVX2 bertha_dot_f32_f32_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const float *xf = (const float *)x;
    for (int r = 0; r < rows; r++) {
        const float *wr = ROW(float, w, stride, r);
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(wr + i), _mm256_loadu_ps(xf + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(wr + i + 8), _mm256_loadu_ps(xf + i + 8), a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(wr + i + 16), _mm256_loadu_ps(xf + i + 16), a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(wr + i + 24), _mm256_loadu_ps(xf + i + 24), a3);
        }
        for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(wr + i), _mm256_loadu_ps(xf + i), a0);
        float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
        for (; i < n; i++) sum += wr[i] * xf[i];
        out[r] = sum;
    }
}

static inline AVX2 __m256 load_f16x8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline AVX2 __m256 load_bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

#define FLOAT16_DOT(NAME, LOAD, SCALAR)                                                                  \
    void AVX2 NAME(int n, const void *w, size_t stride, int rows, const void *x, float *out) {           \
        const float *xf = (const float *)x;                                                              \
        for (int r = 0; r < rows; r++) {                                                                 \
            const uint16_t *wr = ROW(uint16_t, w, stride, r);                                            \
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                  \
            int i = 0;                                                                                   \
            for (; i + 32 <= n; i += 32) {                                                               \
                a0 = _mm256_fmadd_ps(LOAD(wr + i), _mm256_loadu_ps(xf + i), a0);                         \
                a1 = _mm256_fmadd_ps(LOAD(wr + i + 8), _mm256_loadu_ps(xf + i + 8), a1);                 \
                a2 = _mm256_fmadd_ps(LOAD(wr + i + 16), _mm256_loadu_ps(xf + i + 16), a2);               \
                a3 = _mm256_fmadd_ps(LOAD(wr + i + 24), _mm256_loadu_ps(xf + i + 24), a3);               \
            }                                                                                            \
            for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(LOAD(wr + i), _mm256_loadu_ps(xf + i), a0);  \
            float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));            \
            for (; i < n; i++) sum += SCALAR(wr[i]) * xf[i];                                             \
            out[r] = sum;                                                                                \
        }                                                                                                \
    }

FLOAT16_DOT(bertha_dot_f16_f32_avx2, load_f16x8, f16)
FLOAT16_DOT(bertha_dot_bf16_f32_avx2, load_bf16x8, bertha_bf16_to_f32)

// MARK: 32-weight blocks
//
// BLOCK_LOOP runs BODY(k, acc) over the row's blocks, 4 per iteration into 4 accumulators, and
// leaves the horizontal sum in `vsum`. BODY may also add to the scalar `corr`.
#define BLOCK_LOOP(NB, BODY)                                                    \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;   \
    int k = 0;                                                                  \
    for (; k + 4 <= (NB); k += 4) {                                             \
        BODY(k, acc0) BODY(k + 1, acc1) BODY(k + 2, acc2) BODY(k + 3, acc3)     \
    }                                                                           \
    for (; k < (NB); k++) { BODY(k, acc0) }                                     \
    const float vsum = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));

// Measured (Benchmarks/KernelBench, 1 thread, this AVX2 VM at load average ~9, so low): Q8_0
// 576×1536 15.3 GB/s, 1536×576 7.2, 49152×576 (30 MB from DRAM) 4.7; scalar reference 0.18 at load 19.
void AVX2 bertha_dot_q8_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
#define Q8_0_BODY(K, ACC)                                                                              \
        {                                                                                              \
            const __m256i p = dot_i8(_mm256_loadu_si256((const __m256i *)b[K].qs),                    \
                                     _mm256_loadu_si256((const __m256i *)y[K].qs));                   \
            ACC = _mm256_fmadd_ps(lane_scales(f16(b[K].d), y[K].d), _mm256_cvtepi32_ps(p), ACC); \
        }
        BLOCK_LOOP(nb, Q8_0_BODY)
        out[r] = vsum;
    }
}

// Measured: 576×1536 4.8 GB/s, 1536×576 4.2 (1 thread, loaded VM).
void AVX2 bertha_dot_q4_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q4_0 *b = ROW(block_q4_0, w, stride, r);
        float corr = 0.0f;
#define Q4_0_BODY(K, ACC)                                                                              \
        {                                                                                              \
            const float dw = f16(b[K].d);                                                              \
            const __m256i p = dot_u8(unpack_nibbles(b[K].qs), _mm256_loadu_si256((const __m256i *)y[K].qs)); \
            ACC = _mm256_fmadd_ps(lane_scales(dw, y[K].d), _mm256_cvtepi32_ps(p), ACC);           \
            corr = __builtin_fmaf(dw, y[K].s, corr);                                                                       \
        }
        BLOCK_LOOP(nb, Q4_0_BODY)
        out[r] = vsum - 8.0f * corr;
    }
}

// Q4_1 is SmolLM2's main weight type. Measured (same conditions): 576×1536 6.1 GB/s, 1536×576 4.4
// (~9.7 G weights/s vs Q8_0's ~14: the nibble unpack and the scalar f16 m·s term per block cost).
void AVX2 bertha_dot_q4_1_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q4_1 *b = ROW(block_q4_1, w, stride, r);
        float corr = 0.0f;
#define Q4_1_BODY(K, ACC)                                                                              \
        {                                                                                              \
            const __m256i p = dot_u8(unpack_nibbles(b[K].qs), _mm256_loadu_si256((const __m256i *)y[K].qs)); \
            ACC = _mm256_fmadd_ps(lane_scales(f16(b[K].d), y[K].d), _mm256_cvtepi32_ps(p), ACC); \
            corr = __builtin_fmaf(f16(b[K].m), y[K].s, corr);                                                              \
        }
        BLOCK_LOOP(nb, Q4_1_BODY)
        out[r] = vsum + corr;
    }
}

// Measured: 576×1536 5.1 GB/s, 1536×576 3.8 (1 thread, loaded VM).
void AVX2 bertha_dot_q5_0_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q5_0 *b = ROW(block_q5_0, w, stride, r);
        float corr = 0.0f;
#define Q5_0_BODY(K, ACC)                                                                              \
        {                                                                                              \
            const float dw = f16(b[K].d);                                                              \
            const __m256i q = _mm256_or_si256(unpack_nibbles(b[K].qs), fifth_bits(b[K].qh));          \
            const __m256i p = dot_u8(q, _mm256_loadu_si256((const __m256i *)y[K].qs));               \
            ACC = _mm256_fmadd_ps(lane_scales(dw, y[K].d), _mm256_cvtepi32_ps(p), ACC);           \
            corr = __builtin_fmaf(dw, y[K].s, corr);                                                                       \
        }
        BLOCK_LOOP(nb, Q5_0_BODY)
        out[r] = vsum - 16.0f * corr;
    }
}

void AVX2 bertha_dot_q5_1_q8a_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    const int nb = n / 32;
    for (int r = 0; r < rows; r++) {
        const block_q5_1 *b = ROW(block_q5_1, w, stride, r);
        float corr = 0.0f;
#define Q5_1_BODY(K, ACC)                                                                              \
        {                                                                                              \
            const __m256i q = _mm256_or_si256(unpack_nibbles(b[K].qs), fifth_bits(b[K].qh));          \
            const __m256i p = dot_u8(q, _mm256_loadu_si256((const __m256i *)y[K].qs));               \
            ACC = _mm256_fmadd_ps(lane_scales(f16(b[K].d), y[K].d), _mm256_cvtepi32_ps(p), ACC); \
            corr = __builtin_fmaf(f16(b[K].m), y[K].s, corr);                                                              \
        }
        BLOCK_LOOP(nb, Q5_1_BODY)
        out[r] = vsum + corr;
    }
}

// MARK: K-quants (256-weight super-blocks; the 4 chunks of 64 per block give the ILP)

static inline void k4_scales(const uint8_t *packed, uint8_t sc[8], uint8_t m[8]) {
    for (int j = 0; j < 8; j++) bertha_scale_min_k4(j, packed, &sc[j], &m[j]);
}

// Measured before the per-4 activation scales: 2048×768 5.1 GB/s, 640×2048 4.0 (Gemma 3 shapes;
// 1 thread, loaded VM).
void AVX2 bertha_dot_q4_k_q8k_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    const int nb = n / 256;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int r = 0; r < rows; r++) {
        const block_q4_k *b = ROW(block_q4_k, w, stride, r);
        __m256 acc = _mm256_setzero_ps(), accm = acc;
        for (int k = 0; k < nb; k++) {
            uint8_t sc[8], m[8];
            k4_scales(b[k].scales, sc, m);
            __m256 f0 = _mm256_setzero_ps(), f1 = f0;
            for (int i = 0; i < 4; i++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(b[k].qs + 32 * i));
                f0 = k_chunk(_mm256_and_si256(q, low4), y[k].qs + 64 * i, _mm256_set1_epi16(sc[2 * i]), y[k].d + 16 * i, f0);
                f1 = k_chunk(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4), y[k].qs + 64 * i + 32,
                             _mm256_set1_epi16(sc[2 * i + 1]), y[k].d + 16 * i + 8, f1);
            }
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b[k].d)), _mm256_add_ps(f0, f1), acc);
            accm = _mm256_fmadd_ps(_mm256_set1_ps(f16(b[k].dmin)), k4_mins(m, y[k].sums32), accm);
        }
        out[r] = hsum_ps(_mm256_sub_ps(acc, accm));
    }
}

void AVX2 bertha_dot_q5_k_q8k_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    const int nb = n / 256;
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (int r = 0; r < rows; r++) {
        const block_q5_k *b = ROW(block_q5_k, w, stride, r);
        __m256 acc = _mm256_setzero_ps(), accm = acc;
        for (int k = 0; k < nb; k++) {
            uint8_t sc[8], m[8];
            k4_scales(b[k].scales, sc, m);
            // bit j of qh[l] is the fifth bit of element l of sub-block j; shifting the whole
            // vector right by 2 per chunk keeps each byte's bits in that byte after the mask.
            __m256i qh = _mm256_loadu_si256((const __m256i *)b[k].qh);
            __m256 f0 = _mm256_setzero_ps(), f1 = f0;
            for (int i = 0; i < 4; i++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(b[k].qs + 32 * i));
                const __m256i hlo = _mm256_slli_epi16(_mm256_and_si256(qh, one), 4);
                const __m256i hhi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4);
                qh = _mm256_srli_epi16(qh, 2);
                const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, low4), hlo);
                const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4), hhi);
                f0 = k_chunk(lo, y[k].qs + 64 * i, _mm256_set1_epi16(sc[2 * i]), y[k].d + 16 * i, f0);
                f1 = k_chunk(hi, y[k].qs + 64 * i + 32, _mm256_set1_epi16(sc[2 * i + 1]), y[k].d + 16 * i + 8, f1);
            }
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b[k].d)), _mm256_add_ps(f0, f1), acc);
            accm = _mm256_fmadd_ps(_mm256_set1_ps(f16(b[k].dmin)), k4_mins(m, y[k].sums32), accm);
        }
        out[r] = hsum_ps(_mm256_sub_ps(acc, accm));
    }
}

// Measured before the per-4 activation scales: 2048×768 5.0 GB/s, 640×2048 5.3 (Gemma 3 shapes;
// 1 thread, loaded VM).
void AVX2 bertha_dot_q6_k_q8k_avx2(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    const int nb = n / 256;
    for (int r = 0; r < rows; r++) {
        const block_q6_k *b = ROW(block_q6_k, w, stride, r);
        __m256 acc = _mm256_setzero_ps();
        for (int k = 0; k < nb; k++) {
            __m256 f0 = _mm256_setzero_ps(), f1 = f0;
            for (int h = 0; h < 2; h++) {
                __m256i q[4];
                q6_unpack(b[k].ql + 64 * h, b[k].qh + 32 * h, q);
                const int8_t *sc = b[k].scales + 8 * h;
                const int8_t *yq = y[k].qs + 128 * h;
                const float *yd = y[k].d + 32 * h;
                f0 = k_chunk(q[0], yq, q6_scales(sc, 0), yd, f0);
                f1 = k_chunk(q[1], yq + 32, q6_scales(sc, 1), yd + 8, f1);
                f0 = k_chunk(q[2], yq + 64, q6_scales(sc, 2), yd + 16, f0);
                f1 = k_chunk(q[3], yq + 96, q6_scales(sc, 3), yd + 24, f1);
            }
            // The -32 offset: Σ sc_j (q - 32) y = Σ sc_j q y - 32 Σ sc_j (sum of y over sub-block j).
            const __m256 f = _mm256_fnmadd_ps(_mm256_set1_ps(32.0f), q6_offset_sums(b[k].scales, y[k].sums16), _mm256_add_ps(f0, f1));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(f16(b[k].d)), f, acc);
        }
        out[r] = hsum_ps(acc);
    }
}

#else  // not x86-64: the symbols exist so Swift links everywhere; dispatch never picks them.

#define FORWARD(name) \
    void bertha_dot_##name##_avx2(int n, const void *w, size_t s, int rows, const void *x, float *out) { \
        bertha_dot_##name##_ref(n, w, s, rows, x, out); }
FORWARD(f32_f32) FORWARD(f16_f32) FORWARD(bf16_f32) FORWARD(q8_0_q8a) FORWARD(q4_0_q8a) FORWARD(q4_1_q8a)
FORWARD(q5_0_q8a) FORWARD(q5_1_q8a) FORWARD(q4_k_q8k) FORWARD(q5_k_q8k) FORWARD(q6_k_q8k)

#endif
