// Activation quantizers: every matmul input is quantized once per call, then dotted against every
// weight row. With one scale per 4 values the scalar loop (a division per group) took 12% of a
// SmolLM2 pp128 profile, so x86-64 has an AVX2 path; both compute the same bits (same divisions,
// round-to-nearest-even, the same sequential sums).
#include "CBerthaKernels.h"
#include <math.h>

// One group of 4 values: d = max|x| / 127, q = round(x · 127 / max|x|); returns Σ q.
static inline int quantize_group(const float *x, int8_t *q, float *d) {
    float amax = 0.0f;
    for (int i = 0; i < 4; i++) amax = fmaxf(amax, fabsf(x[i]));
    *d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int i = 0; i < 4; i++) {
        const int v = (int)lrintf(x[i] * id);
        q[i] = (int8_t)(v > 127 ? 127 : (v < -127 ? -127 : v));
        sum += q[i];
    }
    return sum;
}

// 32 values = 8 groups: their int8 values, scales and integer sums. The AVX2 version below
// computes the same bits.
static inline void quantize32_ref(const float *x, int8_t *q, float d[8], int sums[8]) {
    for (int g = 0; g < 8; g++) sums[g] = quantize_group(x + 4 * g, q + 4 * g, &d[g]);
}

// Σ d[g] · sums[g] over `groups` groups, in group order: a block's float sum of its values.
static inline float scaled_sum(const float *d, const int *sums, int groups) {
    float s = 0.0f;
    for (int g = 0; g < groups; g++) s = __builtin_fmaf(d[g], (float)sums[g], s);
    return s;
}

typedef void (*quantize32_fn)(const float *x, int8_t *q, float d[8], int sums[8]);

// The block layouts, around a 32-value quantizer: always inlined into each caller, so the
// quantizer (a constant there) is inlined too and the AVX2 caller's target applies to it.
static inline __attribute__((always_inline)) void rows_q8a(const float *x, bertha_block_q8a *y, int n,
                                                           quantize32_fn quantize32) {
    for (int b = 0; b < n / 32; b++) {
        int sums[8];
        quantize32(x + 32 * b, y[b].qs, y[b].d, sums);
        y[b].s = scaled_sum(y[b].d, sums, 8);
    }
}

static inline __attribute__((always_inline)) void rows_q8k(const float *x, bertha_block_q8k *y, int n,
                                                           quantize32_fn quantize32) {
    for (int b = 0; b < n / 256; b++) {
        int sums[64];
        for (int c = 0; c < 8; c++) quantize32(x + 256 * b + 32 * c, y[b].qs + 32 * c, y[b].d + 8 * c, sums + 8 * c);
        for (int j = 0; j < 16; j++) y[b].sums16[j] = scaled_sum(y[b].d + 4 * j, sums + 4 * j, 4);
        for (int j = 0; j < 8; j++) y[b].sums32[j] = y[b].sums16[2 * j] + y[b].sums16[2 * j + 1];
    }
}

void bertha_quantize_row_q8a_ref(const float *x, bertha_block_q8a *y, int n) { rows_q8a(x, y, n, quantize32_ref); }
void bertha_quantize_row_q8k_ref(const float *x, bertha_block_q8k *y, int n) { rows_q8k(x, y, n, quantize32_ref); }

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

// quantize32_ref, eight lanes at a time.
static inline AVX2 void quantize32_avx2(const float *x, int8_t *q, float d[8], int sums[8]) {
    const __m256 signbit = _mm256_set1_ps(-0.0f);
    const __m256i lim = _mm256_set1_epi32(127), nlim = _mm256_set1_epi32(-127);
    __m256i iv[4];
    for (int k = 0; k < 4; k++) {
        const __m256 v = _mm256_loadu_ps(x + 8 * k);
        const __m256 a = _mm256_andnot_ps(signbit, v);
        // the max of each 128-bit lane (one group) in all its four floats
        __m256 m = _mm256_max_ps(a, _mm256_permute_ps(a, _MM_SHUFFLE(2, 3, 0, 1)));
        m = _mm256_max_ps(m, _mm256_permute_ps(m, _MM_SHUFFLE(1, 0, 3, 2)));
        const __m256 nonzero = _mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_NEQ_OQ);
        const __m256 id = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(127.0f), m), nonzero);
        const __m256 dv = _mm256_div_ps(m, _mm256_set1_ps(127.0f));
        d[2 * k] = _mm256_cvtss_f32(dv);
        d[2 * k + 1] = _mm_cvtss_f32(_mm256_extractf128_ps(dv, 1));
        __m256i i = _mm256_cvtps_epi32(_mm256_mul_ps(v, id));  // nearest even, like lrintf
        iv[k] = _mm256_max_epi32(_mm256_min_epi32(i, lim), nlim);
        // group sums: horizontal adds within each 128-bit lane
        const __m256i h = _mm256_hadd_epi32(iv[k], iv[k]);
        const __m256i s = _mm256_hadd_epi32(h, h);
        sums[2 * k] = _mm256_cvtsi256_si32(s);
        sums[2 * k + 1] = _mm_cvtsi128_si32(_mm256_extracti128_si256(s, 1));
    }
    // int32 → int8 in element order (the packs interleave 128-bit lanes; the permute undoes it)
    const __m256i p01 = _mm256_packs_epi32(iv[0], iv[1]);
    const __m256i p23 = _mm256_packs_epi32(iv[2], iv[3]);
    const __m256i p = _mm256_packs_epi16(p01, p23);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    _mm256_storeu_si256((__m256i *)q, _mm256_permutevar8x32_epi32(p, order));
}

static AVX2 void quantize_q8a_avx2(const float *x, bertha_block_q8a *y, int n) { rows_q8a(x, y, n, quantize32_avx2); }
static AVX2 void quantize_q8k_avx2(const float *x, bertha_block_q8k *y, int n) { rows_q8k(x, y, n, quantize32_avx2); }
#endif

void bertha_quantize_row_q8a(const float *x, bertha_block_q8a *y, int n) {
#if defined(__x86_64__)
    if (bertha_kernels_isa() >= 1) {
        quantize_q8a_avx2(x, y, n);
        return;
    }
#endif
    bertha_quantize_row_q8a_ref(x, y, n);
}

void bertha_quantize_row_q8k(const float *x, bertha_block_q8k *y, int n) {
#if defined(__x86_64__)
    if (bertha_kernels_isa() >= 1) {
        quantize_q8k_avx2(x, y, n);
        return;
    }
#endif
    bertha_quantize_row_q8k_ref(x, y, n);
}
