#ifndef BERTHA_AVX2_BLOCKS_H
#define BERTHA_AVX2_BLOCKS_H
// AVX2 building blocks shared by the one-row (dot_avx2.c) and multi-row (dot2_avx2.c) kernels:
// the multi-row kernels must compute exactly what the one-row kernels do, so they share these.
// Include after <immintrin.h> and the AVX2 target macro, inside `#if defined(__x86_64__)`.

static inline AVX2 float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline AVX2 float f16(uint16_t h) { return _cvtsh_ss(h); }

/// 32 signed int8 · 32 signed int8 → 8 int32 partial sums. Neither side holds -128 (weights from
/// ggml's quantizers are -127..127, activations are clamped), so maddubs cannot saturate.
static inline AVX2 __m256i dot_i8(__m256i a, __m256i b) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/// 32 unsigned (≤ 127) · 32 signed int8 → 8 int32 partial sums.
static inline AVX2 __m256i dot_u8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// 16 bytes of packed nibbles → 32 bytes: low nibbles (elements 0..15), then high (16..31).
static inline AVX2 __m256i unpack_nibbles(const uint8_t *p) {
    const __m128i b = _mm_loadu_si128((const __m128i *)p);
    const __m128i m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), m), _mm_and_si128(b, m));
}

/// 32 bits → 32 bytes, byte i = 0x10 when bit i is set (the fifth bit of a Q5 weight).
static inline AVX2 __m256i fifth_bits(const uint8_t *qh4) {
    uint32_t x;
    __builtin_memcpy(&x, qh4, 4);
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x), shuf);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit), _mm256_set1_epi8(0x10));
}

// BLOCK_LOOP_U runs BODY(k, u) for every block k with u its accumulator index, exactly as
// dot_avx2.c's BLOCK_LOOP does: blocks 4 at a time into accumulators 0..3, tail blocks into 0. The
// multi-row kernels use it so each of their outputs sums in the one-row kernel's order.
#define BLOCK_LOOP_U(NB, BODY)                                  \
    int k = 0;                                                  \
    for (; k + 4 <= (NB); k += 4) {                             \
        BODY(k, 0) BODY(k + 1, 1) BODY(k + 2, 2) BODY(k + 3, 3) \
    }                                                           \
    for (; k < (NB); k++) { BODY(k, 0) }

// The horizontal sum of four accumulators A[0..3], in BLOCK_LOOP's order.
#define SUM4(A) hsum_ps(_mm256_add_ps(_mm256_add_ps(A[0], A[1]), _mm256_add_ps(A[2], A[3])))

#endif
