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

/// The scales of the 8 int32 lanes of a 32-byte integer dot against an activation block: lane g
/// holds the products of elements 4g..4g+3, whose activation scale is d[g] (bertha_block_q8a).
/// One load folded into the multiply: as cheap as broadcasting a single block scale.
static inline AVX2 __m256 lane_scales(float dw, const float d[8]) {
    return _mm256_mul_ps(_mm256_set1_ps(dw), _mm256_loadu_ps(d));
}

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

// MARK: K-quants against bertha_block_q8k (one activation scale per 4 values)
//
// A K-quant super-block's integer sums are scaled per 32-byte chunk: madd folds in the weight
// sub-block's integer scale, then the 8 int32 lanes are converted and multiplied by the chunk's 8
// activation scales into a float accumulator. The multi-row kernels reuse these, so each of their
// outputs is computed with exactly the one-row kernel's float operations.

/// 32 unsigned weights · 32 activations of one chunk, times the sub-block scales in `scales`
/// (int16 per pair of products: madd's second operand), as 8 float lanes times the chunk's
/// activation scales `d`, added to `f`.
static inline AVX2 __m256 k_chunk(__m256i u, const int8_t *y, __m256i scales, const float *d, __m256 f) {
    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, _mm256_loadu_si256((const __m256i *)y)), scales);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_loadu_ps(d), f);
}

/// Q4_K/Q5_K mins: lane j = m[j] · (activation sum of sub-block j).
static inline AVX2 __m256 k4_mins(const uint8_t m[8], const float sums32[8]) {
    const __m256 mf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)m)));
    return _mm256_mul_ps(mf, _mm256_loadu_ps(sums32));
}

/// Q6_K's offset: Σ_j sc[j] · (activation sum of 16-value sub-block j), as 8 lanes.
static inline AVX2 __m256 q6_offset_sums(const int8_t sc[16], const float sums16[16]) {
    const __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)sc)));
    const __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(sc + 8))));
    return _mm256_fmadd_ps(hi, _mm256_loadu_ps(sums16 + 8), _mm256_mul_ps(lo, _mm256_loadu_ps(sums16)));
}

/// Q6_K's four 6-bit chunks of one 128-weight half (values 0..63, offset not applied): chunk g
/// holds elements 32g..32g+31 of the half.
static inline AVX2 void q6_unpack(const uint8_t *ql, const uint8_t *qh32, __m256i q[4]) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    const __m256i qh = _mm256_loadu_si256((const __m256i *)qh32);
    const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
    const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
    q[0] = _mm256_or_si256(_mm256_and_si256(l0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, three), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(l1, low4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), three), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), three), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), three), 4));
}

/// Q6_K's scales for chunk g of a half: int16 lanes 0..7 (elements 0..15) take sc[2g], 8..15 sc[2g+1].
static inline AVX2 __m256i q6_scales(const int8_t *sc, int g) {
    return _mm256_set_m128i(_mm_set1_epi16(sc[2 * g + 1]), _mm_set1_epi16(sc[2 * g]));
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
