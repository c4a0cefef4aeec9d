#ifndef BERTHA_DENSE_H
#define BERTHA_DENSE_H
// Dense float kernels for encoder models (BERT): a packed-panel GEMM with a bias/residual/GELU
// epilogue, row-wise LayerNorm, exact-form GELU, and one attention head over a whole sequence.
// Each has a portable scalar path that defines the result and an AVX2+FMA path chosen at run time
// (per-function target attributes: no global -mavx2).
#include <stdint.h>
#include <stddef.h>

/// Output rows per packed panel: the GEMM micro-kernel computes 6 tokens × 16 outputs at a time.
#define BERTHA_PANEL_WIDTH 16
/// Tokens per micro-tile.
#define BERTHA_TILE_ROWS 6

/// Packs W (rows × k floats, row r at w + r * ld) into ceil(rows / 16) panels, each k × 16 floats,
/// k-major: dst[(p * k + kk) * 16 + j] = W[p * 16 + j][kk], zero past the last row.
/// dst must hold ceil(rows / 16) * 16 * k floats and be 32-byte aligned.
void bertha_pack_panels_f32(const float *w, int rows, int k, size_t ld, float *dst);

/// Add the previous contents of Y (a residual) to the product.
#define BERTHA_GEMM_ACCUMULATE 1
/// Apply GELU (erf form) to the product plus bias.
#define BERTHA_GEMM_GELU 2

/// Y = X Wᵀ (+ bias) (+ Y) (then GELU): X is m × k (row i at x + i * ldx), the panels hold n
/// output columns of W packed by bertha_pack_panels_f32 (starting at a panel boundary), Y is
/// m × n (row i at y + i * ldy), bias n floats or NULL.
///
/// Every output is the same left-to-right FMA chain over k whatever m and the tile it falls in,
/// so a token's result does not depend on the batch around it.
void bertha_gemm_f32_packed(int m, int n, int k, const float *x, size_t ldx, const float *panels,
                            const float *bias, float *y, size_t ldy, int flags);
/// The scalar reference of bertha_gemm_f32_packed (plain multiply-add, same summation order).
void bertha_gemm_f32_packed_ref(int m, int n, int k, const float *x, size_t ldx, const float *panels,
                                const float *bias, float *y, size_t ldy, int flags);

/// In place: x[i] = 0.5 x[i] (1 + erf(x[i] / √2)), BERT's GELU.
void bertha_gelu_erf_f32(float *x, int n);
/// The scalar reference (libm erff).
void bertha_gelu_erf_f32_ref(float *x, int n);

/// out = (x - mean) / sqrt(var + eps) * w + b over one row of n floats (w, b may be NULL; out may be x).
void bertha_layer_norm_f32(const float *x, const float *w, const float *b, float *out, int n, float eps);
/// The scalar reference (double accumulation).
void bertha_layer_norm_f32_ref(const float *x, const float *w, const float *b, float *out, int n, float eps);

/// One head of bidirectional (unmasked) attention over a sequence of `len` tokens:
/// out_i = Σ_j softmax_j(scale · q_i·k_j) v_j, with q, k, v rows of d floats at stride ld
/// (row i of q at q + i * ld), out rows at stride ldo.
void bertha_attention_f32(int len, int d, float scale, const float *q, const float *k, const float *v, size_t ld,
                          float *out, size_t ldo);
/// The scalar reference (libm expf, double sums).
void bertha_attention_f32_ref(int len, int d, float scale, const float *q, const float *k, const float *v, size_t ld,
                              float *out, size_t ldo);

#endif
