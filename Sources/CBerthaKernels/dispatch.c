#include "CBerthaKernels.h"

int bertha_kernels_isa(void) {
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

int bertha_has_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

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
