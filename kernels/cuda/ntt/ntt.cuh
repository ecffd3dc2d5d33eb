// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Radix-2 NTT over BN254's Fr, natural order in and out, in the pass structure of kiln-ntt
// (NttPlan: pre-scaling, plain cyclic transform with the plan's root, post-scaling):
//
// 1. ntt_bitrev: the bit-reversal permutation, in place, fused with a coset's pre-scaling
//    (element i times g^i).
// 2. ntt_pass, once per pass of kiln_ntt::passes(log n, 10): a block loads a tile of up to 1024
//    elements into shared memory, runs `stages` consecutive Cooley-Tukey (decimation in time)
//    butterfly stages on it with a barrier between stages, and writes it back; the last pass
//    applies the post-scaling (1/n, or g^-i / n) as it stores. A tile is 2^stages rows (the
//    elements a stage combines, 2^first_stage apart in memory) times 2^log_cols columns of
//    consecutive indices, so that global loads and stores come in runs of whole sectors.
//    Shared memory holds the tile limb-major (limb k of element e at k * TILE + e) so that a
//    warp reading consecutive elements touches 32 different banks.
// 3. ntt_scale: post-scaling alone, for n = 1 (no pass).
//
// Twiddles: one table of w^i for i < n/2 (w the plan's root), generated on the device by
// ntt_twiddles from two small host tables; stage g uses w_{2^(g+1)}^j = table[j << (log n - 1 - g)].

#ifndef KILN_NTT_NTT_CUH
#define KILN_NTT_NTT_CUH

#include "../ff/bn254.cuh"
#include "../ff/powers.cuh"
#include "../util/kernel.cuh"

/// The largest tile: 2^10 elements, 32 KiB of shared memory, 512 threads.
#define KILN_NTT_MAX_TILE_BITS 10
#define KILN_NTT_SMEM_WORDS (8 << KILN_NTT_MAX_TILE_BITS)

/// out[i] = powers(i) for i < count. Mirrored by `NttTwiddlesParams` (host/cuda/src/ntt.rs).
struct ntt_twiddles_params {
    uint32_t* out;
    powers_table powers;
    uint64_t count;
};

KILN_HD void ntt_twiddles_body(const ntt_twiddles_params& p, uint64_t tid) {
    if (tid >= p.count) return;
    powers_at(p.powers, tid).store(p.out, tid);
}

/// In place: data[i] <-> data[rev(i)], each element first multiplied by before(i) (its
/// original index). Thread i handles the pair {i, rev(i)} when i <= rev(i), so every element
/// is touched by exactly one thread. Mirrored by `NttBitrevParams`.
struct ntt_bitrev_params {
    uint32_t* data;
    powers_table before;
    uint32_t log_n;
    uint32_t pad_;
};

KILN_HD void ntt_bitrev_body(const ntt_bitrev_params& p, uint64_t tid) {
    if (tid >= (1ull << p.log_n)) return;
    const uint32_t i = (uint32_t)tid;
    const uint32_t j = kiln_bit_reverse(i, p.log_n);
    if (i > j) return;
    fr_t a = fr_t::load(p.data, i);
    if (p.before.enabled) a = a * powers_at(p.before, i);
    if (i == j) {
        a.store(p.data, i);
        return;
    }
    fr_t b = fr_t::load(p.data, j);
    if (p.before.enabled) b = b * powers_at(p.before, j);
    a.store(p.data, j);
    b.store(p.data, i);
}

/// data[i] *= factor(i) for i < count. Mirrored by `NttScaleParams`.
struct ntt_scale_params {
    uint32_t* data;
    powers_table factor;
    uint64_t count;
};

KILN_HD void ntt_scale_body(const ntt_scale_params& p, uint64_t tid) {
    if (tid >= p.count) return;
    (fr_t::load(p.data, tid) * powers_at(p.factor, tid)).store(p.data, tid);
}

/// One pass of butterfly stages first_stage .. first_stage + stages - 1 over data in
/// bit-reversed order. Launch: 2^(log_n - stages - log_cols) blocks of 2^(stages + log_cols - 1)
/// threads, with stages + log_cols <= 10 and log_cols <= first_stage. Mirrored by
/// `NttPassParams`.
struct ntt_pass_params {
    uint32_t* data;
    const uint32_t* twiddles;  // w^i for i < 2^(log_n - 1)
    powers_table after;        // applied while storing (the transform's last pass only)
    uint32_t log_n;
    uint32_t first_stage;
    uint32_t stages;
    uint32_t log_cols;
};

KILN_HD uint32_t ntt_pass_phases(const ntt_pass_params& p) { return p.stages + 2; }

/// Where tile element e (row e >> log_cols, column e & (cols - 1)) of `block` lives.
KILN_HD uint64_t ntt_pass_global(const ntt_pass_params& p, uint32_t block, uint32_t e) {
    const uint32_t lowblock_bits = p.first_stage - p.log_cols;
    const uint64_t high = (uint64_t)block >> lowblock_bits;
    const uint64_t lowblock = (uint64_t)block & ((1ull << lowblock_bits) - 1);
    const uint64_t row = e >> p.log_cols;
    const uint64_t col = e & ((1u << p.log_cols) - 1);
    return (high << (p.first_stage + p.stages)) | (row << p.first_stage) | (lowblock << p.log_cols) | col;
}

KILN_HD fr_t ntt_smem_load(const uint32_t* smem, uint32_t tile, uint32_t e) {
    fr_t x;
    KILN_UNROLL
    for (int k = 0; k < 8; k++) x.l[k] = smem[k * tile + e];
    return x;
}

KILN_HD void ntt_smem_store(uint32_t* smem, uint32_t tile, uint32_t e, const fr_t& x) {
    KILN_UNROLL
    for (int k = 0; k < 8; k++) smem[k * tile + e] = x.l[k];
}

KILN_HD void ntt_pass_body(const ntt_pass_params& p, uint32_t block, uint32_t thread,
                           uint32_t threads, uint32_t phase, uint32_t* smem) {
    const uint32_t tile = 2 * threads;
    if (phase == 0) {
        for (uint32_t e = thread; e < tile; e += threads)
            ntt_smem_store(smem, tile, e, fr_t::load(p.data, ntt_pass_global(p, block, e)));
        return;
    }
    if (phase <= p.stages) {
        const uint32_t st = phase - 1;
        const uint32_t half = 1u << st;
        const uint32_t col = thread & ((1u << p.log_cols) - 1);
        const uint32_t r = thread >> p.log_cols;
        const uint32_t row_a = ((r >> st) << (st + 1)) | (r & (half - 1));
        const uint32_t e_a = (row_a << p.log_cols) | col;
        const uint32_t e_b = e_a + (half << p.log_cols);
        // Position of the pair inside its stage-g block: row bits below st, then the low bits
        // of the global index (lowblock and column).
        const uint32_t g = p.first_stage + st;
        const uint64_t low = ntt_pass_global(p, block, col) & ((1ull << p.first_stage) - 1);
        const uint64_t j = ((uint64_t)(r & (half - 1)) << p.first_stage) | low;
        const fr_t w = fr_t::load(p.twiddles, j << (p.log_n - 1 - g));
        const fr_t a = ntt_smem_load(smem, tile, e_a);
        const fr_t b = ntt_smem_load(smem, tile, e_b) * w;
        ntt_smem_store(smem, tile, e_a, a + b);
        ntt_smem_store(smem, tile, e_b, a - b);
        return;
    }
    for (uint32_t e = thread; e < tile; e += threads) {
        const uint64_t i = ntt_pass_global(p, block, e);
        fr_t x = ntt_smem_load(smem, tile, e);
        if (p.after.enabled) x = x * powers_at(p.after, i);
        x.store(p.data, i);
    }
}

#endif  // KILN_NTT_NTT_CUH
