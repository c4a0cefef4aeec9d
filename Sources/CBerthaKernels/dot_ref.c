// Scalar reference dot products: the definition every SIMD kernel is tested against, and the
// fallback on CPUs without AVX2 (including aarch64, where -O3 auto-vectorizes the integer loops).
// Each block's integer sum is exact; only the float accumulation across blocks rounds.
#include "blocks.h"

void bertha_dot_f32_f32_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const float *xf = (const float *)x;
    for (int r = 0; r < rows; r++) {
        const float *wr = ROW(float, w, stride, r);
        float sum = 0.0f;
        for (int i = 0; i < n; i++) sum += wr[i] * xf[i];
        out[r] = sum;
    }
}

void bertha_dot_f16_f32_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const float *xf = (const float *)x;
    for (int r = 0; r < rows; r++) {
        const uint16_t *wr = ROW(uint16_t, w, stride, r);
        float sum = 0.0f;
        for (int i = 0; i < n; i++) sum += bertha_f16_to_f32(wr[i]) * xf[i];
        out[r] = sum;
    }
}

void bertha_dot_bf16_f32_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const float *xf = (const float *)x;
    for (int r = 0; r < rows; r++) {
        const uint16_t *wr = ROW(uint16_t, w, stride, r);
        float sum = 0.0f;
        for (int i = 0; i < n; i++) sum += bertha_bf16_to_f32(wr[i]) * xf[i];
        out[r] = sum;
    }
}

// Σ_g d[g] Σ_{i in group g} q[i] y[i] over `groups` groups of 4 (integer weights q, offsets already
// applied): a 32-weight block against a bertha_block_q8a (8 groups), or a K-quant sub-block against
// its stretch of a bertha_block_q8k. Each group's integer sum is exact.
static inline float groups_dot(const int *q, const int8_t *y, const float *d, int groups) {
    float sum = 0.0f;
    for (int g = 0; g < groups; g++) {
        int si = 0;
        for (int i = 4 * g; i < 4 * g + 4; i++) si += q[i] * y[i];
        sum = __builtin_fmaf(d[g], (float)si, sum);
    }
    return sum;
}

static inline uint32_t load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

// Block unpackers: element i of the block as an integer (qs[j]'s low nibble is element j, its high
// nibble element j + 16; bit i of qh is element i's fifth bit).
static inline void unpack_q4(const uint8_t qs[16], int offset, int q[32]) {
    for (int j = 0; j < 16; j++) {
        q[j] = (qs[j] & 0xF) - offset;
        q[j + 16] = (qs[j] >> 4) - offset;
    }
}

static inline void unpack_q5(const uint8_t qs[16], const uint8_t qh4[4], int offset, int q[32]) {
    const uint32_t qh = load_u32(qh4);
    for (int j = 0; j < 16; j++) {
        q[j] = (int)((qs[j] & 0xF) | (((qh >> j) & 1u) << 4)) - offset;
        q[j + 16] = (int)((qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - offset;
    }
}

void bertha_dot_q8_0_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int q[32];
            for (int i = 0; i < 32; i++) q[i] = b[k].qs[i];
            sum += bertha_f16_to_f32(b[k].d) * groups_dot(q, y[k].qs, y[k].d, 8);
        }
        out[r] = sum;
    }
}

void bertha_dot_q4_0_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q4_0 *b = ROW(block_q4_0, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int q[32];
            unpack_q4(b[k].qs, 8, q);
            sum += bertha_f16_to_f32(b[k].d) * groups_dot(q, y[k].qs, y[k].d, 8);
        }
        out[r] = sum;
    }
}

void bertha_dot_q4_1_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q4_1 *b = ROW(block_q4_1, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int q[32];
            unpack_q4(b[k].qs, 0, q);
            // Σ (d q + m) y = d Σ q y + m Σ y
            sum += bertha_f16_to_f32(b[k].d) * groups_dot(q, y[k].qs, y[k].d, 8) + bertha_f16_to_f32(b[k].m) * y[k].s;
        }
        out[r] = sum;
    }
}

void bertha_dot_q5_0_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q5_0 *b = ROW(block_q5_0, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int q[32];
            unpack_q5(b[k].qs, b[k].qh, 16, q);
            sum += bertha_f16_to_f32(b[k].d) * groups_dot(q, y[k].qs, y[k].d, 8);
        }
        out[r] = sum;
    }
}

void bertha_dot_q5_1_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q5_1 *b = ROW(block_q5_1, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int q[32];
            unpack_q5(b[k].qs, b[k].qh, 0, q);
            sum += bertha_f16_to_f32(b[k].d) * groups_dot(q, y[k].qs, y[k].d, 8) + bertha_f16_to_f32(b[k].m) * y[k].s;
        }
        out[r] = sum;
    }
}

// Q4_K and Q5_K: Σ_j (d sc_j Σ q y - dmin m_j Σ y) over the eight 32-weight sub-blocks; a non-null
// `qh` adds Q5_K's high bits (bit j of qh[i] is element i of sub-block j's fifth bit).
static inline float dot_k4_block(const uint8_t *qs, const uint8_t *qh, const uint8_t *scales, uint16_t d,
                                 uint16_t dmin, const bertha_block_q8k *y) {
    float sumq = 0.0f, summ = 0.0f;
    for (int j = 0; j < 8; j++) {
        uint8_t sc, m;
        bertha_scale_min_k4(j, scales, &sc, &m);
        // sub-block j: bytes 32*(j/2) .. +32, low nibbles for even j, high for odd j
        const uint8_t *q = qs + 32 * (j / 2);
        const int shift = (j & 1) * 4;
        int w[32];
        for (int i = 0; i < 32; i++) w[i] = ((q[i] >> shift) & 0xF) | (qh ? ((qh[i] >> j) & 1) << 4 : 0);
        sumq = __builtin_fmaf((float)sc, groups_dot(w, y->qs + 32 * j, y->d + 8 * j, 8), sumq);
        summ = __builtin_fmaf((float)m, y->sums32[j], summ);
    }
    return bertha_f16_to_f32(d) * sumq - bertha_f16_to_f32(dmin) * summ;
}

void bertha_dot_q4_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q4_k *b = ROW(block_q4_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) sum += dot_k4_block(b[k].qs, NULL, b[k].scales, b[k].d, b[k].dmin, &y[k]);
        out[r] = sum;
    }
}

void bertha_dot_q5_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q5_k *b = ROW(block_q5_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) sum += dot_k4_block(b[k].qs, b[k].qh, b[k].scales, b[k].d, b[k].dmin, &y[k]);
        out[r] = sum;
    }
}

void bertha_dot_q6_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q6_k *b = ROW(block_q6_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) {
            float sumq = 0.0f;
            for (int half = 0; half < 2; half++) {
                const uint8_t *ql = b[k].ql + 64 * half;
                const uint8_t *qh = b[k].qh + 32 * half;
                const int8_t *sc = b[k].scales + 8 * half;
                // element e (0..<128) of this half: group g = e / 32, l = e % 32
                for (int g = 0; g < 4; g++) {
                    int q[32];
                    for (int l = 0; l < 32; l++) {
                        const int lo = (g & 1) ? ql[l + 32] : ql[l];
                        const int nib = (g < 2) ? (lo & 0xF) : (lo >> 4);
                        q[l] = (nib | (((qh[l] >> (2 * g)) & 3) << 4)) - 32;
                    }
                    const int e = 128 * half + 32 * g;
                    sumq = __builtin_fmaf((float)sc[2 * g], groups_dot(q, y[k].qs + e, y[k].d + e / 4, 4), sumq);
                    sumq = __builtin_fmaf((float)sc[2 * g + 1], groups_dot(q + 16, y[k].qs + e + 16, y[k].d + e / 4 + 4, 4), sumq);
                }
            }
            sum += bertha_f16_to_f32(b[k].d) * sumq;
        }
        out[r] = sum;
    }
}
