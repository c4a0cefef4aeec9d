#ifndef CBERTHA_KERNELS_H
#define CBERTHA_KERNELS_H
// Innermost quantized dot products. Everything around them (blocking, threading, dispatch of
// tensor types) is Swift in BerthaKernels; only what must run at memory bandwidth lives here.
#include <stdint.h>
#include <stddef.h>

/// Which instruction set the dispatcher picked at load time: 0 scalar, 1 AVX2, 2 AVX-512 VNNI, 3 NEON.
int bertha_kernels_isa(void);

#endif
