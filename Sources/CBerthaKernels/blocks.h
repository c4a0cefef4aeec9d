#ifndef BERTHA_BLOCKS_H
#define BERTHA_BLOCKS_H
// ggml's weight block layouts, byte for byte (see ggml-common.h). Bits per weight in brackets.
#include "CBerthaKernels.h"

typedef struct { uint16_t d; int8_t qs[32]; } block_q8_0;                            // 8.5
typedef struct { uint16_t d; uint8_t qs[16]; } block_q4_0;                           // 4.5; qs[j]: lo = x[j], hi = x[j+16]
typedef struct { uint16_t d, m; uint8_t qs[16]; } block_q4_1;                        // 5.0; x = d*q + m
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } block_q5_0;            // 5.5; bit j of qh = 5th bit of x[j]
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } block_q5_1;         // 6.0
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } block_q4_k;            // 4.5; 8 × 32 sub-blocks, 6-bit scale+min
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } block_q5_k; // 5.5
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } block_q6_k;  // 6.5625; 16 × 16 sub-blocks

_Static_assert(sizeof(block_q8_0) == 34, "q8_0");
_Static_assert(sizeof(block_q4_0) == 18, "q4_0");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1");
_Static_assert(sizeof(block_q4_k) == 144, "q4_k");
_Static_assert(sizeof(block_q5_k) == 176, "q5_k");
_Static_assert(sizeof(block_q6_k) == 210, "q6_k");

/// The 6-bit scale and min of sub-block j (0..<8) of a Q4_K/Q5_K block.
static inline void bertha_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

#define ROW(type, w, stride, r) ((const type *)((const uint8_t *)(w) + (size_t)(r) * (stride)))

#endif
