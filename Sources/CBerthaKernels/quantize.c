// Activation quantizers: the activation vector is quantized once per matvec, then dotted
// against every weight row, so these are not hot; they are written for clarity.
#include "CBerthaKernels.h"
#include <math.h>

void bertha_quantize_row_q8a(const float *x, bertha_block_q8a *y, int n) {
    for (int b = 0; b < n / 32; b++) {
        const float *xb = x + b * 32;
        float amax = 0.0f;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(xb[i]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            const int q = (int)lrintf(xb[i] * id);
            y[b].qs[i] = (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
            sum += y[b].qs[i];
        }
        y[b].d = d;
        y[b].s = d * (float)sum;
    }
}

void bertha_quantize_row_q8k(const float *x, bertha_block_q8k *y, int n) {
    for (int b = 0; b < n / 256; b++) {
        const float *xb = x + b * 256;
        float amax = 0.0f;
        for (int i = 0; i < 256; i++) amax = fmaxf(amax, fabsf(xb[i]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int i = 0; i < 256; i++) {
            const int q = (int)lrintf(xb[i] * id);
            y[b].qs[i] = (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
        }
        for (int j = 0; j < 16; j++) {
            int s = 0;
            for (int i = 0; i < 16; i++) s += y[b].qs[16 * j + i];
            y[b].bsums[j] = (int16_t)s;
        }
        y[b].d = d;
    }
}
