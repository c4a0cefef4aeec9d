#ifndef CBERTHA_KERNELS_H
#define CBERTHA_KERNELS_H
// Innermost quantized dot products. Everything around them (blocking, threading, dispatch of
// tensor types) is Swift in BerthaKernels; only what must run at memory bandwidth lives here.
//
// Naming: bertha_dot_<weight>_<activation>_<isa>. Every dot kernel has the same shape:
//   out[r] = sum_k W[r][k] * x[k]   for r in 0..<rows,  k in 0..<n
// where row r of W starts at w + r * w_stride bytes (ggml block layout), and x is the activation
// vector, either F32 or quantized per block by bertha_quantize_row_q8a / _q8k. `_ref` kernels are
// portable scalar C and define the result; `_avx2` and `_avx512` must agree with them within the
// tolerances of BerthaKernelsTests.
#include <stdint.h>
#include <stddef.h>

/// Which instruction set the dispatcher picked at load time: 0 scalar, 1 AVX2, 2 AVX-512 VNNI, 3 NEON.
int bertha_kernels_isa(void);

// MARK: activation blocks

/// An activation block of 32 values for the 32-weight block types (Q4_0 … Q8_0): one scale per 4
/// values, x[i] ≈ d[i / 4] * qs[i], and s = Σ d[i / 4] * qs[i] (so offsets like Q4_1's min or Q4_0's
/// -8 cost one multiply per block).
///
/// Why a scale per 4 and not per 32 like ggml's block_q8_0/q8_1: every 32-byte integer dot
/// (vpdpbusd, or maddubs + madd) leaves 8 int32 lanes of 4 consecutive products each, and the
/// kernels multiply those lanes by a scale vector anyway, so 8 scales cost one vector load instead of
/// one broadcast: the same instruction count. What they buy is precision around the residual stream's
/// outlier channels (values 10-20× the block's rms), which set the step of the 31 values beside
/// them. Against the fp32 forward pass over the same weights, SmolLM2's logit error falls from rms
/// 0.26 (per-32 scales; llama.cpp measures 0.28) to 0.08.
///
/// 96 bytes: the padding keeps both 32-byte loads (d, qs) inside one cache line in the pool's
/// 64-byte-aligned scratch. Measured against 68 unpadded bytes, SmolLM2 2 threads, 6 interleaved
/// rounds: pp128 685 vs 652 t/s, tg 163 vs 157.
typedef struct {
    float d[8];
    int8_t qs[32];
    float s;
    float padding[7];
} bertha_block_q8a;
_Static_assert(sizeof(bertha_block_q8a) == 96, "bertha_block_q8a is 96 bytes");

/// An activation block of 256 values for the K-quants, with one scale per 4 values like
/// bertha_block_q8a: x[i] ≈ d[i / 4] * qs[i]. sums16[j] = Σ d[i / 4] qs[i] over values 16j..<16j+16
/// (Q6_K's sub-blocks, for its -32 offset) and sums32[j] over 32j..<32j+32 (Q4_K/Q5_K's, for their
/// mins). ggml's block_q8_K has one scale for all 256 values: against the fp32 forward pass,
/// Gemma 3's logit error is rms 0.25 with it and 0.06 with these. 608 bytes = 19 × 32, so d and qs
/// stay 32-byte aligned in the 64-byte-aligned scratch.
typedef struct {
    float d[64];
    float sums16[16];
    float sums32[8];
    int8_t qs[256];
} bertha_block_q8k;
_Static_assert(sizeof(bertha_block_q8k) == 608, "bertha_block_q8k is 608 bytes");

/// Quantizes n floats (n a multiple of 32) to n/32 bertha_block_q8a blocks: per 4 values,
/// d = max|x| / 127, q = round(x · 127 / max|x|). Uses AVX2 where the CPU has it; the `_ref`
/// scalar version computes the same bits (tests check it).
void bertha_quantize_row_q8a(const float *x, bertha_block_q8a *y, int n);
void bertha_quantize_row_q8a_ref(const float *x, bertha_block_q8a *y, int n);
/// Quantizes n floats (n a multiple of 256) to n/256 bertha_block_q8k blocks, likewise.
void bertha_quantize_row_q8k(const float *x, bertha_block_q8k *y, int n);
void bertha_quantize_row_q8k_ref(const float *x, bertha_block_q8k *y, int n);

// MARK: half precision (exact, portable; inlined so Swift can use them without Float16)

static inline float bertha_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    union { uint32_t u; float f; } v;
    if (exp == 0) {
        // zero or subnormal: man * 2^-24, exact in float
        v.f = (float)man * 5.9604644775390625e-8f;
        v.u |= sign;
    } else if (exp == 31) {
        v.u = sign | 0x7F800000u | (man << 13);
    } else {
        v.u = sign | ((exp + 112u) << 23) | (man << 13);
    }
    return v.f;
}

/// Round to nearest even, like F16C's _cvtss_sh with rounding mode 0 and numpy's astype(float16).
static inline uint16_t bertha_f32_to_f16(float f) {
    union { float f; uint32_t u; } v = { f };
    uint32_t sign = (v.u >> 16) & 0x8000u;
    uint32_t a = v.u & 0x7FFFFFFFu;
    if (a >= 0x7F800000u) return (uint16_t)(sign | (a > 0x7F800000u ? 0x7E00u : 0x7C00u));
    if (a >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u);          // >= 65520 rounds to infinity
    if (a < 0x38800000u) {                                             // below 2^-14: subnormal half
        // Adding 0.5 puts the value in units of 2^-24 in the low mantissa bits, rounded to even by the FPU.
        union { float f; uint32_t u; } t;
        t.u = a;
        t.f += 0.5f;
        return (uint16_t)(sign | (t.u - 0x3F000000u));
    }
    a += 0xC8000FFFu + ((a >> 13) & 1u);                               // rebias exponent, round to even
    return (uint16_t)(sign | (a >> 13));
}

static inline float bertha_bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = { (uint32_t)h << 16 };
    return v.f;
}

/// Round to nearest even; NaN stays NaN (quiet).
static inline uint16_t bertha_f32_to_bf16(float f) {
    union { float f; uint32_t u; } v = { f };
    if ((v.u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((v.u >> 16) | 0x40u);
    return (uint16_t)((v.u + 0x7FFFu + ((v.u >> 16) & 1u)) >> 16);
}

// MARK: dot kernels

/// One signature for every weight type: see the header comment.
typedef void (*bertha_dot_fn)(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);

#define BERTHA_DECLARE_DOT(name) \
    void bertha_dot_##name##_ref(int n, const void *w, size_t w_stride, int rows, const void *x, float *out); \
    void bertha_dot_##name##_avx2(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);

BERTHA_DECLARE_DOT(f32_f32)
BERTHA_DECLARE_DOT(f16_f32)
BERTHA_DECLARE_DOT(bf16_f32)
BERTHA_DECLARE_DOT(q8_0_q8a)
BERTHA_DECLARE_DOT(q4_0_q8a)
BERTHA_DECLARE_DOT(q4_1_q8a)
BERTHA_DECLARE_DOT(q5_0_q8a)
BERTHA_DECLARE_DOT(q5_1_q8a)
BERTHA_DECLARE_DOT(q4_k_q8k)
BERTHA_DECLARE_DOT(q5_k_q8k)
BERTHA_DECLARE_DOT(q6_k_q8k)

/// AVX-512 VNNI variant (Zen 4, Ice Lake and later); only called when bertha_kernels_isa() == 2.
void bertha_dot_q8_0_q8a_avx512(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);
void bertha_dot_q4_0_q8a_avx512(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);
void bertha_dot_q4_1_q8a_avx512(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);
void bertha_dot_q5_0_q8a_avx512(int n, const void *w, size_t w_stride, int rows, const void *x, float *out);

/// Several activation rows at once (`x_stride` bytes apart; how many is fixed by the kernel)
/// against `rows` weight rows; output row j at `out + j * out_stride`. Each output is
/// bit-identical to the one-row kernel of the same ISA level (dot2_avx2.c).
typedef void (*bertha_dotn_fn)(int n, const void *w, size_t w_stride, int rows, const void *x, size_t x_stride,
                               float *out, size_t out_stride);
void bertha_dot2_q8_0_q8a_avx2(int n, const void *w, size_t w_stride, int rows, const void *x, size_t x_stride,
                               float *out, size_t out_stride);
void bertha_dot2_q4_1_q8a_avx2(int n, const void *w, size_t w_stride, int rows, const void *x, size_t x_stride,
                               float *out, size_t out_stride);
void bertha_dot2_q5_0_q8a_avx2(int n, const void *w, size_t w_stride, int rows, const void *x, size_t x_stride,
                               float *out, size_t out_stride);

/// Four activation rows at once with AVX-512 VL + VNNI (dot4_avx512.c); each output bit-identical to
/// the one-row kernel the same CPU runs for the type (AVX2, or AVX-512 for Q8_0).
#define BERTHA_DECLARE_DOT4(name)                                                                        \
    void bertha_dot4_##name##_avx512(int n, const void *w, size_t w_stride, int rows, const void *x,       \
                                     size_t x_stride, float *out, size_t out_stride);
BERTHA_DECLARE_DOT4(q5_0_q8a)
BERTHA_DECLARE_DOT4(q4_1_q8a)
BERTHA_DECLARE_DOT4(q8_0_q8a)
BERTHA_DECLARE_DOT4(q4_k_q8k)
BERTHA_DECLARE_DOT4(q6_k_q8k)

/// 1 when the running CPU can execute the `_avx2` kernels, 1 also on AVX-512 machines.
int bertha_has_avx2(void);

// MARK: gated feed-forward activation (gated.c)

/// In place: gate[i] = gelu_tanh(gate[i]) * up[i] (GeGLU with the tanh GELU).
void bertha_geglu_tanh_f32(float *gate, const float *up, int n);
/// The scalar reference (libm tanhf); the vector kernel agrees within a few ulp.
void bertha_geglu_tanh_f32_ref(float *gate, const float *up, int n);

// MARK: attention rows (F32 or F16 K/V cache rows)

/// Σ a[i] * b[i] over n floats.
float bertha_dot_f32(const float *a, const float *b, int n);
/// Σ a[i] * f16(b[i]) over n values.
float bertha_dot_f32_f16(const float *a, const uint16_t *b, int n);
// MARK: gathered rows (graph search)

/// Σ a[i] * b[i] over n floats, 4 accumulators (the vector store's 384-float rows).
float bertha_dot_f32_one(const float *a, const float *b, int n);
/// out[j] = q · rows[ids[j]] for j < n, rows (·, dim) contiguous; prefetches row j+1 while row j is
/// multiplied, which matters when the rows are scattered over a matrix larger than the caches.
void bertha_dot_f32_gather(const float *q, const float *rows, int dim, const int32_t *ids, int n, float *out);

/// y[i] += alpha * x[i].
void bertha_axpy_f32(float alpha, const float *x, float *y, int n);
/// y[i] += alpha * f16(x[i]).
void bertha_axpy_f16(float alpha, const uint16_t *x, float *y, int n);
/// dst[i] = f16(src[i]), rounding to nearest even.
void bertha_f32_to_f16_row(const float *src, uint16_t *dst, int n);
/// dst[i] = f32(src[i]).
void bertha_f16_to_f32_row(const uint16_t *src, float *dst, int n);

// MARK: F32 matrix product (LoRA training)

/// C (m×n) = [C +] A (m×k) · B (k×n), row-major with leading dimensions lda, ldb, ldc.
/// accumulate != 0 adds to C instead of overwriting it. Picks AVX-512 / AVX2 register blocks.
void bertha_sgemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                  float *c, int ldc, int accumulate);
/// The scalar reference of bertha_sgemm.
void bertha_sgemm_ref(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc, int accumulate);

// MARK: synchronization for the worker pool (Swift 6 on macOS 14 has no Atomic type)

uint64_t bertha_atomic_load(const uint64_t *p);
void bertha_atomic_store(uint64_t *p, uint64_t v);
uint64_t bertha_atomic_fetch_add(uint64_t *p, uint64_t v);
/// Spins (with a CPU pause) until *p != seen or `spins` iterations pass; returns the last value read.
uint64_t bertha_spin_until_changed(const uint64_t *p, uint64_t seen, uint64_t spins);
/// Spins until *p == target or `spins` iterations pass; returns the last value read.
uint64_t bertha_spin_until_equal(const uint64_t *p, uint64_t target, uint64_t spins);

// Dense float kernels for encoder models (GEMM, LayerNorm, GELU, attention).
#include "bertha_dense.h"

#endif
