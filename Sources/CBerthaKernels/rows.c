// Attention-row helpers: q·k over a cached K row and out += p·v over a cached V row, for F32
// and F16 caches, plus row conversions. Dispatch is per call (__builtin_cpu_supports reads a
// cached CPUID word), so there is no global state.
#include "CBerthaKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))

static inline AVX2 float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
static AVX2 float dot_f32_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}
static AVX2 float dot_f32_f16_avx2(const float *a, const uint16_t *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i + 8))), s1);
    }
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * _cvtsh_ss(b[i]);
    return s;
}
static AVX2 void axpy_f32_avx2(float alpha, const float *x, float *y, int n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}
static AVX2 void axpy_f16_avx2(float alpha, const uint16_t *x, float *y, int n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, xv, _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += alpha * _cvtsh_ss(x[i]);
}
static AVX2 void to_f16_avx2(const float *src, uint16_t *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = bertha_f32_to_f16(src[i]);
}
static AVX2 void from_f16_avx2(const uint16_t *src, float *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = bertha_f16_to_f32(src[i]);
}
#define HAVE_AVX2() bertha_has_avx2()
#else
#define HAVE_AVX2() 0
#define dot_f32_avx2(a, b, n) 0.0f
#define dot_f32_f16_avx2(a, b, n) 0.0f
#define axpy_f32_avx2(al, x, y, n)
#define axpy_f16_avx2(al, x, y, n)
#define to_f16_avx2(s, d, n)
#define from_f16_avx2(s, d, n)
#endif

float bertha_dot_f32(const float *a, const float *b, int n) {
    if (HAVE_AVX2()) return dot_f32_avx2(a, b, n);
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

float bertha_dot_f32_f16(const float *a, const uint16_t *b, int n) {
    if (HAVE_AVX2()) return dot_f32_f16_avx2(a, b, n);
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * bertha_f16_to_f32(b[i]);
    return s;
}

void bertha_axpy_f32(float alpha, const float *x, float *y, int n) {
    if (HAVE_AVX2()) { axpy_f32_avx2(alpha, x, y, n); return; }
    for (int i = 0; i < n; i++) y[i] += alpha * x[i];
}

void bertha_axpy_f16(float alpha, const uint16_t *x, float *y, int n) {
    if (HAVE_AVX2()) { axpy_f16_avx2(alpha, x, y, n); return; }
    for (int i = 0; i < n; i++) y[i] += alpha * bertha_f16_to_f32(x[i]);
}

void bertha_f32_to_f16_row(const float *src, uint16_t *dst, int n) {
    if (HAVE_AVX2()) { to_f16_avx2(src, dst, n); return; }
    for (int i = 0; i < n; i++) dst[i] = bertha_f32_to_f16(src[i]);
}

void bertha_f16_to_f32_row(const uint16_t *src, float *dst, int n) {
    if (HAVE_AVX2()) { from_f16_avx2(src, dst, n); return; }
    for (int i = 0; i < n; i++) dst[i] = bertha_f16_to_f32(src[i]);
}
