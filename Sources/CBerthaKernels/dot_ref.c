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

void bertha_dot_q8_0_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q8_0 *b = ROW(block_q8_0, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            int si = 0;
            for (int i = 0; i < 32; i++) si += b[k].qs[i] * y[k].qs[i];
            sum += bertha_f16_to_f32(b[k].d) * y[k].d * (float)si;
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
            int si = 0;
            for (int j = 0; j < 16; j++) {
                si += ((b[k].qs[j] & 0xF) - 8) * y[k].qs[j];
                si += ((b[k].qs[j] >> 4) - 8) * y[k].qs[j + 16];
            }
            sum += bertha_f16_to_f32(b[k].d) * y[k].d * (float)si;
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
            int si = 0;
            for (int j = 0; j < 16; j++) {
                si += (b[k].qs[j] & 0xF) * y[k].qs[j];
                si += (b[k].qs[j] >> 4) * y[k].qs[j + 16];
            }
            // Σ (d q + m) y = d Σ q y + m Σ y
            sum += bertha_f16_to_f32(b[k].d) * y[k].d * (float)si + bertha_f16_to_f32(b[k].m) * y[k].s;
        }
        out[r] = sum;
    }
}

static inline uint32_t load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void bertha_dot_q5_0_q8a_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8a *y = (const bertha_block_q8a *)x;
    for (int r = 0; r < rows; r++) {
        const block_q5_0 *b = ROW(block_q5_0, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 32; k++) {
            const uint32_t qh = load_u32(b[k].qh);
            int si = 0;
            for (int j = 0; j < 16; j++) {
                const int q0 = (int)((b[k].qs[j] & 0xF) | (((qh >> j) & 1u) << 4)) - 16;
                const int q1 = (int)((b[k].qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - 16;
                si += q0 * y[k].qs[j] + q1 * y[k].qs[j + 16];
            }
            sum += bertha_f16_to_f32(b[k].d) * y[k].d * (float)si;
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
            const uint32_t qh = load_u32(b[k].qh);
            int si = 0;
            for (int j = 0; j < 16; j++) {
                const int q0 = (int)((b[k].qs[j] & 0xF) | (((qh >> j) & 1u) << 4));
                const int q1 = (int)((b[k].qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4));
                si += q0 * y[k].qs[j] + q1 * y[k].qs[j + 16];
            }
            sum += bertha_f16_to_f32(b[k].d) * y[k].d * (float)si + bertha_f16_to_f32(b[k].m) * y[k].s;
        }
        out[r] = sum;
    }
}

void bertha_dot_q4_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q4_k *b = ROW(block_q4_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) {
            int sumq = 0, summ = 0;
            for (int j = 0; j < 8; j++) {
                uint8_t sc, m;
                bertha_scale_min_k4(j, b[k].scales, &sc, &m);
                // sub-block j: bytes 32*(j/2) .. +32, low nibbles for even j, high for odd j
                const uint8_t *q = b[k].qs + 32 * (j / 2);
                const int shift = (j & 1) * 4;
                int si = 0;
                for (int i = 0; i < 32; i++) si += ((q[i] >> shift) & 0xF) * y[k].qs[32 * j + i];
                sumq += sc * si;
                summ += m * (y[k].bsums[2 * j] + y[k].bsums[2 * j + 1]);
            }
            // Σ (d sc q - dmin m) y
            sum += y[k].d * (bertha_f16_to_f32(b[k].d) * (float)sumq - bertha_f16_to_f32(b[k].dmin) * (float)summ);
        }
        out[r] = sum;
    }
}

void bertha_dot_q5_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q5_k *b = ROW(block_q5_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) {
            int sumq = 0, summ = 0;
            for (int j = 0; j < 8; j++) {
                uint8_t sc, m;
                bertha_scale_min_k4(j, b[k].scales, &sc, &m);
                const uint8_t *q = b[k].qs + 32 * (j / 2);
                const int shift = (j & 1) * 4;
                int si = 0;
                for (int i = 0; i < 32; i++) {
                    const int q5 = ((q[i] >> shift) & 0xF) | (((b[k].qh[i] >> j) & 1) << 4);
                    si += q5 * y[k].qs[32 * j + i];
                }
                sumq += sc * si;
                summ += m * (y[k].bsums[2 * j] + y[k].bsums[2 * j + 1]);
            }
            sum += y[k].d * (bertha_f16_to_f32(b[k].d) * (float)sumq - bertha_f16_to_f32(b[k].dmin) * (float)summ);
        }
        out[r] = sum;
    }
}

void bertha_dot_q6_k_q8k_ref(int n, const void *w, size_t stride, int rows, const void *x, float *out) {
    const bertha_block_q8k *y = (const bertha_block_q8k *)x;
    for (int r = 0; r < rows; r++) {
        const block_q6_k *b = ROW(block_q6_k, w, stride, r);
        float sum = 0.0f;
        for (int k = 0; k < n / 256; k++) {
            int sumi = 0;
            for (int half = 0; half < 2; half++) {
                const uint8_t *ql = b[k].ql + 64 * half;
                const uint8_t *qh = b[k].qh + 32 * half;
                const int8_t *sc = b[k].scales + 8 * half;
                const int8_t *yq = y[k].qs + 128 * half;
                // element e (0..<128) of this half: group g = e / 32, l = e % 32
                for (int g = 0; g < 4; g++) {
                    int s0 = 0, s1 = 0;
                    for (int l = 0; l < 32; l++) {
                        const int lo = (g & 1) ? ql[l + 32] : ql[l];
                        const int nib = (g < 2) ? (lo & 0xF) : (lo >> 4);
                        const int q = (nib | (((qh[l] >> (2 * g)) & 3) << 4)) - 32;
                        if (l < 16) s0 += q * yq[32 * g + l]; else s1 += q * yq[32 * g + l];
                    }
                    sumi += sc[2 * g] * s0 + sc[2 * g + 1] * s1;
                }
            }
            sum += y[k].d * bertha_f16_to_f32(b[k].d) * (float)sumi;
        }
        out[r] = sum;
    }
}
