// GeGLU with the tanh GELU, Gemma's gated feed-forward activation. It runs once per FFN element
// per token; with libm's tanhf it was ~8 % of Gemma 3's prompt time (perf, pp128), eight lanes at
// a time it is 0.5 %. Results differ from the libm scalar reference by a few ulp (exp8's ~2 ulp),
// except where that reference's 1 + tanhf(z) cancels.
// (SwiGLU stays scalar in Swift: SmolLM2's logits are pinned to llama.cpp's near-ties by tests,
// and its expf share of the prompt time is small.)
#include <math.h>
#include <string.h>
#include "CBerthaKernels.h"

void bertha_geglu_tanh_f32_ref(float *gate, const float *up, int n) {
    for (int i = 0; i < n; i++) {
        const float v = gate[i];
        gate[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v))) * up[i];
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE __attribute__((always_inline)) inline
#include "avx2_math.h"

/// g / (1 + e^arg) is 0 once e^arg overflows; exp8 clamps arg at 88, which would leave
/// g / 1.6e38 (not 0 for a huge g), so those lanes are zeroed outright.
static INLINE AVX2 __m256 underflow(__m256 arg, __m256 result) {
    return _mm256_andnot_ps(_mm256_cmp_ps(arg, _mm256_set1_ps(87.0f), _CMP_GT_OQ), result);
}

/// gelu_tanh(g) u, using 0.5 g (1 + tanh(z)) = g / (1 + e^{-2z}), z = √(2/π) (g + 0.044715 g³):
/// one exp and one division instead of a tanh.
static INLINE AVX2 __m256 geglu8(__m256 g, __m256 u) {
    const __m256 g2 = _mm256_mul_ps(g, g);
    const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(g2, _mm256_set1_ps(0.044715f)), g, g);
    const __m256 arg = _mm256_mul_ps(inner, _mm256_set1_ps(-2.0f * 0.7978845608028654f));
    const __m256 e = exp8(arg);
    return underflow(arg, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), u));
}

static AVX2 void geglu_avx2(float *gate, const float *up, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(gate + i, geglu8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
    if (i < n) {
        // The tail through the same vector code, so every element gets identical arithmetic.
        float g[8] = {0}, u[8] = {0};
        memcpy(g, gate + i, sizeof(float) * (size_t)(n - i));
        memcpy(u, up + i, sizeof(float) * (size_t)(n - i));
        _mm256_storeu_ps(g, geglu8(_mm256_loadu_ps(g), _mm256_loadu_ps(u)));
        memcpy(gate + i, g, sizeof(float) * (size_t)(n - i));
    }
}

#define HAVE_AVX2() bertha_has_avx2()
#else
#define HAVE_AVX2() 0
#define geglu_avx2(g, u, n)
#endif

void bertha_geglu_tanh_f32(float *gate, const float *up, int n) {
    if (HAVE_AVX2()) { geglu_avx2(gate, up, n); return; }
    bertha_geglu_tanh_f32_ref(gate, up, n);
}
