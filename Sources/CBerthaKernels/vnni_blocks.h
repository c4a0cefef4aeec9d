#ifndef BERTHA_VNNI_BLOCKS_H
#define BERTHA_VNNI_BLOCKS_H
// AVX-512 VNNI building blocks shared by the one-row (dot_avx512.c) and four-token (dot4_avx512.c)
// kernels. Include after avx2_blocks.h, inside `#if defined(__x86_64__)`.

#define VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,evex512,avx2,fma,f16c")))

/// 32 unsigned (≤ 127) · 32 signed bytes → 8 int32: dot_u8 in one instruction (exact: no pair of
/// products reaches maddubs' int16 saturation for the 4- and 5-bit weights).
static inline VNNI __m256i vdot_u8(__m256i u, const int8_t *s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, _mm256_loadu_si256((const __m256i *)s));
}

#endif
