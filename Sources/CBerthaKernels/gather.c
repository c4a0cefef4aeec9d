// Gathered dot products for graph search (HNSW): one query against rows picked by index from a
// large matrix. Graph search touches rows in random order, so at 100k x 384 floats each row is a
// cache miss of 24 lines; prefetching row i+1 while row i is multiplied overlaps the misses.
#include "CBerthaKernels.h"

#define PREFETCH_ROW(p, bytes)                                                   \
    do {                                                                         \
        const char *row_ = (const char *)(p);                                    \
        for (int off_ = 0; off_ < (bytes); off_ += 64) __builtin_prefetch(row_ + off_, 0, 3); \
    } while (0)

#if defined(__x86_64__)
#include <immintrin.h>
// f16c too: avx2_blocks.h's helpers need it, and every AVX2 CPU has it.
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#include "avx2_blocks.h"

static AVX2 float dot_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static AVX2 void gather_avx2(const float *q, const float *rows, int dim, const int32_t *ids, int n, float *out) {
    const int bytes = dim * (int)sizeof(float);
    if (n > 0) PREFETCH_ROW(rows + (size_t)ids[0] * dim, bytes);
    for (int j = 0; j < n; j++) {
        if (j + 1 < n) PREFETCH_ROW(rows + (size_t)ids[j + 1] * dim, bytes);
        out[j] = dot_avx2(q, rows + (size_t)ids[j] * dim, dim);
    }
}
#endif

static float dot_ref(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

float bertha_dot_f32_one(const float *a, const float *b, int n) {
#if defined(__x86_64__)
    if (bertha_has_avx2()) return dot_avx2(a, b, n);
#endif
    return dot_ref(a, b, n);
}

void bertha_dot_f32_gather(const float *q, const float *rows, int dim, const int32_t *ids, int n, float *out) {
#if defined(__x86_64__)
    if (bertha_has_avx2()) {
        gather_avx2(q, rows, dim, ids, n, out);
        return;
    }
#endif
    const int bytes = dim * (int)sizeof(float);
    for (int j = 0; j < n; j++) {
        if (j + 1 < n) PREFETCH_ROW(rows + (size_t)ids[j + 1] * dim, bytes);
        out[j] = dot_ref(q, rows + (size_t)ids[j] * dim, dim);
    }
}
