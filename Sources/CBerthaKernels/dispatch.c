#include "CBerthaKernels.h"

// The CPU's features are read once and kept: the quantizers and the attention rows ask on every
// call, and __builtin_cpu_init is an out-of-line call each time (0.4% of a SmolLM2 decode profile
// went to it and to bertha_has_avx2). -1 = not read yet; a race only has two threads compute the
// same value.
static int isa_seen = -1, avx2_seen = -1;

static int read_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return 1;
    return 0;
#elif defined(__aarch64__)
    return 3;
#else
    return 0;
#endif
}

static int read_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

static inline int remembered(int *seen, int (*read)(void)) {
    int v = __atomic_load_n(seen, __ATOMIC_RELAXED);
    if (v < 0) {
        v = read();
        __atomic_store_n(seen, v, __ATOMIC_RELAXED);
    }
    return v;
}

int bertha_kernels_isa(void) { return remembered(&isa_seen, read_isa); }
int bertha_has_avx2(void) { return remembered(&avx2_seen, read_avx2); }

uint64_t bertha_atomic_load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
void bertha_atomic_store(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
uint64_t bertha_atomic_fetch_add(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

uint64_t bertha_spin_until_changed(const uint64_t *p, uint64_t seen, uint64_t spins) {
    uint64_t v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    for (uint64_t i = 0; v == seen && i < spins; i++) {
        cpu_relax();
        v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    }
    return v;
}

uint64_t bertha_spin_until_equal(const uint64_t *p, uint64_t target, uint64_t spins) {
    uint64_t v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    for (uint64_t i = 0; v != target && i < spins; i++) {
        cpu_relax();
        v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    }
    return v;
}
