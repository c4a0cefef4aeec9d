// Single-thread throughput of the C dot kernels (the matvec inner loop), in GB/s of weights read.
//
//   clang -O3 -I ../../Sources/CBerthaKernels/include -I ../../Sources/CBerthaKernels
//         bench_dot.c ../../Sources/CBerthaKernels/*.c -lm -o /tmp/bench_dot && /tmp/bench_dot [--ref]
// (clang, as SwiftPM uses: the AVX-512 target string needs a recent clang.)
//
// Shapes are the real models' (SmolLM2-135M: d 576, ffn 1536, vocab 49152; Gemma 3 270M:
// d 640, ffn 2048, vocab 262144). Small matrices stay in L2, so they measure the kernel; the
// vocabulary-sized ones stream from DRAM, like the output layer of a decode step.
#include "blocks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t rng_state = 42;
static uint8_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint8_t)(rng_state >> 56);
}

typedef struct { const char *name; int block, size, q8k; bertha_dot_fn ref, avx2, vnni; } kind;
enum variant { REF, AVX2, VNNI };
static const char *variant_names[] = { "ref", "avx2", "vnni" };

static void fix_scales(const kind *k, uint8_t *w, size_t nblocks) {
    const uint16_t small = bertha_f32_to_f16(0.01f);
    for (size_t b = 0; b < nblocks; b++) {
        uint8_t *p = w + b * k->size;
        int off = strcmp(k->name, "q6_K") == 0 ? 208 : 0;
        memcpy(p + off, &small, 2);
        if (strcmp(k->name, "q4_1") == 0 || strcmp(k->name, "q5_1") == 0 || (k->q8k && off == 0)) memcpy(p + 2, &small, 2);
    }
}

static void run(const kind *k, int rows, int cols, enum variant v) {
    const size_t row_bytes = (size_t)cols / k->block * k->size;
    const size_t bytes = row_bytes * rows;
    uint8_t *w = aligned_alloc(64, (bytes + 63) / 64 * 64);
    for (size_t i = 0; i < bytes; i++) w[i] = rnd();
    fix_scales(k, w, bytes / k->size);
    float *x = malloc(sizeof(float) * cols), *y = malloc(sizeof(float) * rows);
    for (int i = 0; i < cols; i++) x[i] = (rnd() - 128) / 64.0f;
    void *xq = malloc(sizeof(bertha_block_q8k) * (cols / 32 + 1) * 8 + sizeof(float) * cols);
    if (k->q8k) bertha_quantize_row_q8k(x, xq, cols);
    else if (k->block == 32) bertha_quantize_row_q8a(x, xq, cols);
    else memcpy(xq, x, sizeof(float) * cols);
    bertha_dot_fn fn = v == REF ? k->ref : v == AVX2 ? k->avx2 : k->vnni;
    fn(cols, w, row_bytes, rows, xq, y);  // warm up
    int reps = (int)(1.5e8 / bytes) + 2;
    double best = 1e9;
    for (int t = 0; t < 5; t++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) fn(cols, w, row_bytes, rows, xq, y);
        double dt = (now() - t0) / reps;
        if (dt < best) best = dt;
    }
    printf("%-5s %-4s %6d x %-5d %8.2f MB  %7.1f us  %6.2f GB/s\n", k->name, variant_names[v], rows, cols,
           bytes / 1e6, best * 1e6, bytes / best / 1e9);
    free(w); free(x); free(y); free(xq);
}

int main(int argc, char **argv) {
    const kind kinds[] = {
        { "q8_0", 32, 34, 0, bertha_dot_q8_0_q8a_ref, bertha_dot_q8_0_q8a_avx2, bertha_dot_q8_0_q8a_avx512 },
        { "q4_0", 32, 18, 0, bertha_dot_q4_0_q8a_ref, bertha_dot_q4_0_q8a_avx2, bertha_dot_q4_0_q8a_avx512 },
        { "q4_1", 32, 20, 0, bertha_dot_q4_1_q8a_ref, bertha_dot_q4_1_q8a_avx2, bertha_dot_q4_1_q8a_avx512 },
        { "q5_0", 32, 22, 0, bertha_dot_q5_0_q8a_ref, bertha_dot_q5_0_q8a_avx2, bertha_dot_q5_0_q8a_avx512 },
        { "q4_K", 256, 144, 1, bertha_dot_q4_k_q8k_ref, bertha_dot_q4_k_q8k_avx2 },
        { "q6_K", 256, 210, 1, bertha_dot_q6_k_q8k_ref, bertha_dot_q6_k_q8k_avx2 },
        { "f16", 1, 2, 0, bertha_dot_f16_f32_ref, bertha_dot_f16_f32_avx2 },
    };
    const int with_ref = argc > 1 && strcmp(argv[1], "--ref") == 0;
    printf("isa %d\n", bertha_kernels_isa());
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const kind *k = &kinds[i];
        // AVX2 and VNNI alternate per shape, so a busy machine slows both alike.
        const int vnni = k->vnni != NULL && bertha_kernels_isa() == 2;
        if (k->block == 256) { run(k, 2048, 768, AVX2); run(k, 640, 2048, AVX2); }
        else for (int v = AVX2; v <= (vnni ? VNNI : AVX2); v++) { run(k, 1536, 576, v); run(k, 576, 1536, v); }
        if (i == 0) for (int v = AVX2; v <= (vnni ? VNNI : AVX2); v++) run(k, 49152, 576, v);
        if (with_ref) run(k, 576, 1536 / k->block * k->block, REF);
    }
    return 0;
}
