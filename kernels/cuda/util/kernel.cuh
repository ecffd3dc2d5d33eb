// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Kernel definitions that compile both as CUDA kernels and as a host emulation.
//
// Every kernel's work is a `__host__ __device__` body; these macros wrap it:
//
// * KILN_THREAD_KERNEL(NAME, PARAMS, BODY): threads are independent. BODY(params, tid) runs
//   for every global thread index tid = block * blockDim + thread (bodies bound-check tid).
// * KILN_BLOCK_KERNEL(NAME, PARAMS, SMEM_WORDS, PHASES, BODY): the threads of a block share
//   SMEM_WORDS words of shared memory and meet at a barrier between phases.
//   BODY(params, block, thread, threads_per_block, phase, smem) runs for phase = 0 ..
//   PHASES(params) - 1, with __syncthreads() after each phase.
//
// With NVRTC, each macro defines `extern "C" __global__ void NAME(const PARAMS p)`: one
// parameter, a struct passed by value, mirrored field for field by a #[repr(C)] struct on the
// Rust side. On the host (g++), it defines a sequential emulation (thread by thread, phase by
// phase) and registers it by name, so kiln-cuda's emulator can run the same launch sequence as
// the GPU driver. Device-only refinements (inline PTX, warp-aggregated atomics) sit behind
// KILN_DEVICE with a portable twin used on the host.

#ifndef KILN_UTIL_KERNEL_CUH
#define KILN_UTIL_KERNEL_CUH

#include "compat.cuh"

#if defined(__CUDACC__)

#define KILN_THREAD_KERNEL(NAME, PARAMS, BODY)                                    \
    extern "C" __global__ void NAME(const PARAMS p) {                             \
        BODY(p, (uint64_t)blockIdx.x * blockDim.x + threadIdx.x);                 \
    }

#define KILN_BLOCK_KERNEL(NAME, PARAMS, SMEM_WORDS, PHASES, BODY)                 \
    extern "C" __global__ void NAME(const PARAMS p) {                             \
        __shared__ uint32_t smem[SMEM_WORDS];                                     \
        const uint32_t phases = PHASES(p);                                        \
        for (uint32_t phase = 0; phase < phases; phase++) {                       \
            BODY(p, blockIdx.x, threadIdx.x, blockDim.x, phase, smem);            \
            __syncthreads();                                                      \
        }                                                                         \
    }

#else  // host emulation

#include <vector>

struct kiln_emulated_kernel {
    const char* name;
    void (*run)(const void* params, uint32_t grid, uint32_t block);
    uint32_t params_size;
    uint32_t smem_words;
    kiln_emulated_kernel* next;
};

inline kiln_emulated_kernel*& kiln_emulated_kernels() {
    static kiln_emulated_kernel* head = nullptr;
    return head;
}

struct kiln_kernel_registration {
    explicit kiln_kernel_registration(kiln_emulated_kernel* k) {
        k->next = kiln_emulated_kernels();
        kiln_emulated_kernels() = k;
    }
};

#define KILN_THREAD_KERNEL(NAME, PARAMS, BODY)                                             \
    static void kiln_emulate_##NAME(const void* raw, uint32_t grid, uint32_t block) {      \
        const PARAMS p = *static_cast<const PARAMS*>(raw);                                 \
        const uint64_t threads = (uint64_t)grid * block;                                   \
        for (uint64_t tid = 0; tid < threads; tid++) BODY(p, tid);                         \
    }                                                                                      \
    static kiln_emulated_kernel kiln_kernel_##NAME = {#NAME, kiln_emulate_##NAME,          \
                                                      sizeof(PARAMS), 0, nullptr};         \
    static kiln_kernel_registration kiln_register_##NAME(&kiln_kernel_##NAME);

#define KILN_BLOCK_KERNEL(NAME, PARAMS, SMEM_WORDS, PHASES, BODY)                          \
    static void kiln_emulate_##NAME(const void* raw, uint32_t grid, uint32_t block) {      \
        const PARAMS p = *static_cast<const PARAMS*>(raw);                                 \
        std::vector<uint32_t> smem(SMEM_WORDS, 0xdeadbeefu);                               \
        const uint32_t phases = PHASES(p);                                                 \
        for (uint32_t b = 0; b < grid; b++) {                                              \
            for (uint32_t phase = 0; phase < phases; phase++)                              \
                for (uint32_t t = 0; t < block; t++) BODY(p, b, t, block, phase, smem.data()); \
        }                                                                                  \
    }                                                                                      \
    static kiln_emulated_kernel kiln_kernel_##NAME = {#NAME, kiln_emulate_##NAME,          \
                                                      sizeof(PARAMS), SMEM_WORDS, nullptr}; \
    static kiln_kernel_registration kiln_register_##NAME(&kiln_kernel_##NAME);

#endif

/// i with its low `bits` bits reversed (bits <= 32).
KILN_HD uint32_t kiln_bit_reverse(uint32_t i, uint32_t bits) {
    if (bits == 0) return 0;
#if defined(KILN_DEVICE)
    return __brev(i) >> (32 - bits);
#else
    uint32_t r = 0;
    for (uint32_t b = 0; b < bits; b++) r |= ((i >> b) & 1u) << (bits - 1 - b);
    return r;
#endif
}

/// Returns *counter and adds 1 to it, atomically across the grid. `key` names the counter: on
/// the device the lanes of a warp that share a key are served by one atomic (warp aggregation,
/// which matters when many scalars fall into the same bucket).
KILN_HD uint32_t kiln_atomic_inc(uint32_t* counter, uint32_t key) {
#if defined(KILN_DEVICE)
    const uint32_t active = __activemask();
    const uint32_t peers = __match_any_sync(active, key);
    const uint32_t lane = threadIdx.x & 31u;
    const uint32_t leader = __ffs(peers) - 1;
    uint32_t base = 0;
    if (lane == leader) base = atomicAdd(counter, (uint32_t)__popc(peers));
    base = __shfl_sync(peers, base, leader);
    return base + (uint32_t)__popc(peers & ((1u << lane) - 1u));
#else
    (void)key;
    return (*counter)++;
#endif
}

#endif  // KILN_UTIL_KERNEL_CUH
