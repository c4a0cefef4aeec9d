// Dense float kernels for encoder models: packed GEMM, GELU (erf), LayerNorm, attention.
//
// The scalar `_ref` functions define the results; the AVX2+FMA paths are picked per call with
// bertha_has_avx2() (a cached CPUID word) and must agree within the tolerances of
// BerthaKernelsTests/DenseKernelTests.
#include "CBerthaKernels.h"
#include <math.h>
#include <string.h>

// MARK: packing

void bertha_pack_panels_f32(const float *w, int rows, int k, size_t ld, float *dst) {
    const int panels = (rows + BERTHA_PANEL_WIDTH - 1) / BERTHA_PANEL_WIDTH;
    for (int p = 0; p < panels; p++) {
        float *panel = dst + (size_t)p * k * BERTHA_PANEL_WIDTH;
        for (int j = 0; j < BERTHA_PANEL_WIDTH; j++) {
            const int r = p * BERTHA_PANEL_WIDTH + j;
            if (r < rows) {
                const float *row = w + (size_t)r * ld;
                for (int kk = 0; kk < k; kk++) panel[(size_t)kk * BERTHA_PANEL_WIDTH + j] = row[kk];
            } else {
                for (int kk = 0; kk < k; kk++) panel[(size_t)kk * BERTHA_PANEL_WIDTH + j] = 0.0f;
            }
        }
    }
}

// MARK: scalar references

static inline float gelu_ref(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }

void bertha_gemm_f32_packed_ref(int m, int n, int k, const float *x, size_t ldx, const float *panels,
                                const float *bias, float *y, size_t ldy, int flags) {
    for (int c = 0; c < n; c++) {
        const float *panel = panels + (size_t)(c / BERTHA_PANEL_WIDTH) * k * BERTHA_PANEL_WIDTH;
        const int j = c % BERTHA_PANEL_WIDTH;
        for (int i = 0; i < m; i++) {
            const float *xi = x + (size_t)i * ldx;
            float s = 0.0f;
            for (int kk = 0; kk < k; kk++) s = fmaf(xi[kk], panel[(size_t)kk * BERTHA_PANEL_WIDTH + j], s);
            if (bias) s += bias[c];
            float *out = y + (size_t)i * ldy + c;
            if (flags & BERTHA_GEMM_ACCUMULATE) s += *out;
            if (flags & BERTHA_GEMM_GELU) s = gelu_ref(s);
            *out = s;
        }
    }
}

void bertha_gelu_erf_f32_ref(float *x, int n) {
    for (int i = 0; i < n; i++) x[i] = gelu_ref(x[i]);
}

void bertha_layer_norm_f32_ref(const float *x, const float *w, const float *b, float *out, int n, float eps) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += x[i];
    const double mean = sum / n;
    double sq = 0;
    for (int i = 0; i < n; i++) sq += (x[i] - mean) * (x[i] - mean);
    const double inv = 1.0 / sqrt(sq / n + eps);
    for (int i = 0; i < n; i++) {
        float v = (float)((x[i] - mean) * inv);
        if (w) v *= w[i];
        if (b) v += b[i];
        out[i] = v;
    }
}

void bertha_attention_f32_ref(int len, int d, float scale, const float *q, const float *k, const float *v, size_t ld,
                              float *out, size_t ldo) {
    float s[len > 0 ? len : 1];
    for (int i = 0; i < len; i++) {
        const float *qi = q + (size_t)i * ld;
        float mx = -INFINITY;
        for (int j = 0; j < len; j++) {
            double dot = 0;
            for (int t = 0; t < d; t++) dot += (double)qi[t] * k[(size_t)j * ld + t];
            s[j] = (float)dot * scale;
            if (s[j] > mx) mx = s[j];
        }
        double total = 0;
        for (int j = 0; j < len; j++) {
            s[j] = expf(s[j] - mx);
            total += s[j];
        }
        float *o = out + (size_t)i * ldo;
        for (int t = 0; t < d; t++) {
            double acc = 0;
            for (int j = 0; j < len; j++) acc += (double)s[j] * v[(size_t)j * ld + t];
            o[t] = (float)(acc / total);
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE __attribute__((always_inline)) inline

static INLINE AVX2 float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#include "avx2_math.h"

/// GELU(x) = x/2 (1 + erf(x/√2)) for 8 floats, with erf from Abramowitz & Stegun 7.1.26:
/// erf(z) = 1 - t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) e^{-z²}, t = 1/(1 + p|z|), |error| ≤ 1.5e-7.
static INLINE AVX2 __m256 gelu8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
    const __m256 az = _mm256_andnot_ps(sign, z);
    const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), az, _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    const __m256 e = exp8(_mm256_mul_ps(_mm256_xor_ps(az, sign), az));   // e^{-z²}
    const __m256 erf_abs = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));
    const __m256 erf = _mm256_or_ps(erf_abs, _mm256_and_ps(z, sign));      // odd function
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), erf));
}

static AVX2 void gelu_avx2(float *x, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    if (i < n) {
        // The tail goes through the same vector code so every element gets identical arithmetic.
        float tmp[8] = {0};
        memcpy(tmp, x + i, sizeof(float) * (size_t)(n - i));
        _mm256_storeu_ps(tmp, gelu8(_mm256_loadu_ps(tmp)));
        memcpy(x + i, tmp, sizeof(float) * (size_t)(n - i));
    }
}

/// Adds bias, the residual and GELU as asked, then stores `cols` (≤ 16) outputs of one row.
static INLINE AVX2 void store_row(__m256 c0, __m256 c1, const float *bias, float *out, int cols, int flags) {
    if (cols == BERTHA_PANEL_WIDTH) {
        if (bias) {
            c0 = _mm256_add_ps(c0, _mm256_loadu_ps(bias));
            c1 = _mm256_add_ps(c1, _mm256_loadu_ps(bias + 8));
        }
        if (flags & BERTHA_GEMM_ACCUMULATE) {
            c0 = _mm256_add_ps(c0, _mm256_loadu_ps(out));
            c1 = _mm256_add_ps(c1, _mm256_loadu_ps(out + 8));
        }
        if (flags & BERTHA_GEMM_GELU) {
            c0 = gelu8(c0);
            c1 = gelu8(c1);
        }
        _mm256_storeu_ps(out, c0);
        _mm256_storeu_ps(out + 8, c1);
        return;
    }
    float tmp[16], b[16] = {0};
    if (bias) memcpy(b, bias, sizeof(float) * (size_t)cols);
    c0 = _mm256_add_ps(c0, _mm256_loadu_ps(b));
    c1 = _mm256_add_ps(c1, _mm256_loadu_ps(b + 8));
    if (flags & BERTHA_GEMM_ACCUMULATE) {
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, out, sizeof(float) * (size_t)cols);
        c0 = _mm256_add_ps(c0, _mm256_loadu_ps(tmp));
        c1 = _mm256_add_ps(c1, _mm256_loadu_ps(tmp + 8));
    }
    if (flags & BERTHA_GEMM_GELU) {
        c0 = gelu8(c0);
        c1 = gelu8(c1);
    }
    _mm256_storeu_ps(tmp, c0);
    _mm256_storeu_ps(tmp + 8, c1);
    memcpy(out, tmp, sizeof(float) * (size_t)cols);
}

/// The micro-kernel: MR tokens × 16 outputs, 2·MR accumulators in registers. Per k: two aligned
/// loads of the panel, MR broadcasts of X, 2·MR FMAs (MR = 6: 12 FMAs for 8 loads, FMA-bound).
/// [TBD: measured GFLOP/s]
#define DEFINE_TILE(MR)                                                                                 \
    static AVX2 void tile_##MR(int k, const float *x, size_t ldx, const float *p, const float *bias,    \
                               float *y, size_t ldy, int cols, int flags) {                             \
        __m256 c[MR][2];                                                                                \
        for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = _mm256_setzero_ps();                           \
        for (int kk = 0; kk < k; kk++) {                                                                \
            const __m256 w0 = _mm256_load_ps(p + (size_t)kk * 16);                                      \
            const __m256 w1 = _mm256_load_ps(p + (size_t)kk * 16 + 8);                                  \
            for (int i = 0; i < MR; i++) {                                                              \
                const __m256 a = _mm256_broadcast_ss(x + (size_t)i * ldx + kk);                         \
                c[i][0] = _mm256_fmadd_ps(a, w0, c[i][0]);                                              \
                c[i][1] = _mm256_fmadd_ps(a, w1, c[i][1]);                                              \
            }                                                                                           \
        }                                                                                               \
        for (int i = 0; i < MR; i++) store_row(c[i][0], c[i][1], bias, y + (size_t)i * ldy, cols, flags); \
    }
DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)
DEFINE_TILE(5)
DEFINE_TILE(6)

static AVX2 void gemm_avx2(int m, int n, int k, const float *x, size_t ldx, const float *panels,
                           const float *bias, float *y, size_t ldy, int flags) {
    const int panelCount = (n + BERTHA_PANEL_WIDTH - 1) / BERTHA_PANEL_WIDTH;
    for (int pi = 0; pi < panelCount; pi++) {
        const float *p = panels + (size_t)pi * k * BERTHA_PANEL_WIDTH;
        const int c0 = pi * BERTHA_PANEL_WIDTH;
        const int cols = n - c0 < BERTHA_PANEL_WIDTH ? n - c0 : BERTHA_PANEL_WIDTH;
        const float *b = bias ? bias + c0 : NULL;
        int i = 0;
        for (; i + 6 <= m; i += 6) tile_6(k, x + (size_t)i * ldx, ldx, p, b, y + (size_t)i * ldy + c0, ldy, cols, flags);
        const float *xi = x + (size_t)i * ldx;
        float *yi = y + (size_t)i * ldy + c0;
        switch (m - i) {
        case 5: tile_5(k, xi, ldx, p, b, yi, ldy, cols, flags); break;
        case 4: tile_4(k, xi, ldx, p, b, yi, ldy, cols, flags); break;
        case 3: tile_3(k, xi, ldx, p, b, yi, ldy, cols, flags); break;
        case 2: tile_2(k, xi, ldx, p, b, yi, ldy, cols, flags); break;
        case 1: tile_1(k, xi, ldx, p, b, yi, ldy, cols, flags); break;
        default: break;
        }
    }
}

static AVX2 void layer_norm_avx2(const float *x, const float *w, const float *b, float *out, int n, float eps) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    }
    float sum = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) sum += x[i];
    const float mean = sum / (float)n;
    const __m256 vm = _mm256_set1_ps(mean);
    s0 = _mm256_setzero_ps();
    s1 = s0;
    i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
        const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm);
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    float sq = hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) sq += (x[i] - mean) * (x[i] - mean);
    const float inv = (float)(1.0 / sqrt((double)sq / n + (double)eps));
    const __m256 vi = _mm256_set1_ps(inv);
    i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vi);
        if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
        if (b) v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
        _mm256_storeu_ps(out + i, v);
    }
    for (; i < n; i++) {
        float v = (x[i] - mean) * inv;
        if (w) v *= w[i];
        if (b) v += b[i];
        out[i] = v;
    }
}

static INLINE AVX2 float dot_avx2(const float *a, const float *b, int d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int t = 0;
    for (; t + 16 <= d; t += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t + 8), _mm256_loadu_ps(b + t + 8), s1);
    }
    for (; t + 8 <= d; t += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t), s0);
    float s = hsum8(_mm256_add_ps(s0, s1));
    for (; t < d; t++) s += a[t] * b[t];
    return s;
}

/// Scores row by row: q_i·k_j for all j, a vectorized softmax, then Σ p_j v_j into the output
/// row (d ≤ 64 stays in registers as 8 accumulators; wider heads accumulate in memory).
static AVX2 void attention_avx2(int len, int d, float scale, const float *q, const float *k, const float *v, size_t ld,
                                float *out, size_t ldo) {
    float s[len + 8];
    for (int i = 0; i < len; i++) {
        const float *qi = q + (size_t)i * ld;
        float mx = -INFINITY;
        for (int j = 0; j < len; j++) {
            s[j] = dot_avx2(qi, k + (size_t)j * ld, d) * scale;
            if (s[j] > mx) mx = s[j];
        }
        for (int j = len; j < len + 8; j++) s[j] = -INFINITY;
        const __m256 vmx = _mm256_set1_ps(mx);
        __m256 vt = _mm256_setzero_ps();
        for (int j = 0; j < len; j += 8) {
            const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vmx));
            // Lanes past len hold -inf - mx, clamped to e^-87 by exp8: zero them exactly.
            const __m256 keep = _mm256_cmp_ps(_mm256_loadu_ps(s + j), _mm256_set1_ps(-INFINITY), _CMP_NEQ_OQ);
            const __m256 ez = _mm256_and_ps(e, keep);
            _mm256_storeu_ps(s + j, ez);
            vt = _mm256_add_ps(vt, ez);
        }
        const float inv = 1.0f / hsum8(vt);
        float *o = out + (size_t)i * ldo;
        if (d % 8 == 0 && d <= 64) {
            __m256 acc[8];
            const int blocks = d / 8;
            for (int b = 0; b < blocks; b++) acc[b] = _mm256_setzero_ps();
            for (int j = 0; j < len; j++) {
                const __m256 pj = _mm256_set1_ps(s[j]);
                const float *vj = v + (size_t)j * ld;
                for (int b = 0; b < blocks; b++) acc[b] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * b), acc[b]);
            }
            const __m256 vinv = _mm256_set1_ps(inv);
            for (int b = 0; b < blocks; b++) _mm256_storeu_ps(o + 8 * b, _mm256_mul_ps(acc[b], vinv));
        } else {
            for (int t = 0; t < d; t++) o[t] = 0.0f;
            for (int j = 0; j < len; j++) {
                const float pj = s[j] * inv;
                const float *vj = v + (size_t)j * ld;
                for (int t = 0; t < d; t++) o[t] += pj * vj[t];
            }
        }
    }
}

#define HAVE_AVX2() bertha_has_avx2()
#else
#define HAVE_AVX2() 0
#define gemm_avx2(m, n, k, x, ldx, p, b, y, ldy, f)
#define gelu_avx2(x, n)
#define layer_norm_avx2(x, w, b, o, n, e)
#define attention_avx2(l, d, s, q, k, v, ld, o, ldo)
#endif

void bertha_gemm_f32_packed(int m, int n, int k, const float *x, size_t ldx, const float *panels,
                            const float *bias, float *y, size_t ldy, int flags) {
    if (HAVE_AVX2()) { gemm_avx2(m, n, k, x, ldx, panels, bias, y, ldy, flags); return; }
    bertha_gemm_f32_packed_ref(m, n, k, x, ldx, panels, bias, y, ldy, flags);
}

void bertha_gelu_erf_f32(float *x, int n) {
    if (HAVE_AVX2()) { gelu_avx2(x, n); return; }
    bertha_gelu_erf_f32_ref(x, n);
}

void bertha_layer_norm_f32(const float *x, const float *w, const float *b, float *out, int n, float eps) {
    if (HAVE_AVX2()) { layer_norm_avx2(x, w, b, out, n, eps); return; }
    bertha_layer_norm_f32_ref(x, w, b, out, n, eps);
}

void bertha_attention_f32(int len, int d, float scale, const float *q, const float *k, const float *v, size_t ld,
                          float *out, size_t ldo) {
    if (HAVE_AVX2()) { attention_avx2(len, d, scale, q, k, v, ld, out, ldo); return; }
    bertha_attention_f32_ref(len, d, scale, q, k, v, ld, out, ldo);
}
