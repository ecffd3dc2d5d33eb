// SPDX-License-Identifier: MIT OR Apache-2.0
//
// MSM, first half: scalars to signed digits, and the digits sorted by bucket with a counting
// sort on the GPU. Curve-independent (shared by G1 and G2).
//
// A point's digit in window w with magnitude m >= 1 goes to bucket key w * B + (m - 1)
// (B = 2^(c-1) buckets per window); a zero digit gets the key NULL = W * B, which sorts last and
// is never accumulated. Each entry's value is the point index, with bit 31 set when the digit
// is negative (the point is subtracted).
//
// 1. msm_digits: one thread per point; Montgomery to canonical, then c-bit signed digits exactly
//    as kiln_msm::signed_digits computes them (a window above 2^(c-1) borrows from the next).
// 2. msm_histogram: counts[key]++ for every entry.
// 3. scan_blocks / scan_add: exclusive prefix sum of the counts (a block-level Hillis-Steele
//    scan, then the block totals scanned the same way and added back): offsets[key].
// 4. msm_scatter: each entry to offsets[key] + (its rank among equal keys), by an atomic
//    cursor per key: the entries end up grouped by bucket, buckets in key order.

#ifndef KILN_MSM_SORT_CUH
#define KILN_MSM_SORT_CUH

#include "../ff/bn254.cuh"
#include "../util/kernel.cuh"

#define KILN_MSM_NEGATIVE 0x80000000u

/// Mirrored by `MsmDigitsParams` (host/cuda/src/msm.rs).
struct msm_digits_params {
    const uint32_t* scalars;  // Fr, Montgomery form; this chunk is elements first .. first + count
    uint32_t* keys;           // [windows][count]
    uint32_t* vals;           // [windows][count]
    uint64_t first;
    uint32_t count;
    uint32_t window_bits;     // c, 1 ..= 24
    uint32_t windows;         // W = 254 / c + 1
    uint32_t null_key;        // W * 2^(c-1)
};

/// Limb i of a canonical scalar, selected without indexing a register array at run time.
KILN_HD uint32_t msm_limb(const fr_t& s, uint32_t i) {
    uint32_t v = 0;
    KILN_UNROLL
    for (uint32_t k = 0; k < 8; k++) v = (k == i) ? s.l[k] : v;
    return v;
}

/// Bits start .. start + c of a canonical scalar (c <= 24; bits past 255 read as zero).
KILN_HD uint32_t msm_window_bits(const fr_t& s, uint32_t start, uint32_t c) {
    const uint32_t limb = start >> 5;
    const uint32_t shift = start & 31;
    uint64_t v = msm_limb(s, limb) >> shift;
    if (shift + c > 32 && limb + 1 < 8) v |= (uint64_t)msm_limb(s, limb + 1) << (32 - shift);
    return (uint32_t)v & ((1u << c) - 1);
}

KILN_HD void msm_digits_body(const msm_digits_params& p, uint64_t tid) {
    if (tid >= p.count) return;
    const fr_t s = fr_t::load(p.scalars, p.first + tid).from_montgomery();
    const uint32_t c = p.window_bits;
    const uint32_t half = 1u << (c - 1);
    const uint32_t buckets = half;
    const uint32_t index = (uint32_t)(p.first + tid);
    uint32_t carry = 0;
    for (uint32_t w = 0; w < p.windows; w++) {
        const uint32_t raw = msm_window_bits(s, w * c, c) + carry;
        uint32_t magnitude, sign;
        if (raw > half) {
            // Borrow 2^c from the next window: the digit is raw - 2^c, negative.
            magnitude = (1u << c) - raw;
            sign = KILN_MSM_NEGATIVE;
            carry = 1;
        } else {
            magnitude = raw;
            sign = 0;
            carry = 0;
        }
        const uint64_t at = (uint64_t)w * p.count + tid;
        p.keys[at] = magnitude == 0 ? p.null_key : w * buckets + magnitude - 1;
        p.vals[at] = index | sign;
    }
}

/// counts[keys[e]] += 1. Mirrored by `MsmHistogramParams`.
struct msm_histogram_params {
    const uint32_t* keys;
    uint32_t* counts;
    uint64_t entries;
};

KILN_HD void msm_histogram_body(const msm_histogram_params& p, uint64_t tid) {
    if (tid >= p.entries) return;
    const uint32_t key = p.keys[tid];
    kiln_atomic_inc(&p.counts[key], key);
}

/// Entry e to position cursor[keys[e]]++ (cursor starts as the exclusive prefix sum of the
/// counts). Mirrored by `MsmScatterParams`.
struct msm_scatter_params {
    const uint32_t* keys;
    const uint32_t* vals;
    uint32_t* cursor;
    uint32_t* sorted_keys;
    uint32_t* sorted_vals;
    uint64_t entries;
};

KILN_HD void msm_scatter_body(const msm_scatter_params& p, uint64_t tid) {
    if (tid >= p.entries) return;
    const uint32_t key = p.keys[tid];
    const uint32_t at = kiln_atomic_inc(&p.cursor[key], key);
    p.sorted_keys[at] = key;
    p.sorted_vals[at] = p.vals[tid];
}

/// Blocks of this many threads, one element each.
#define KILN_SCAN_BLOCK 1024u

/// In-place exclusive prefix sum of each 1024-element block of data, with each block's total
/// in block_sums. Launch: ceil(count / 1024) blocks of 1024 threads. Mirrored by `ScanParams`.
struct scan_params {
    uint32_t* data;
    uint32_t* block_sums;
    uint64_t count;
};

KILN_HD uint32_t scan_blocks_phases(const scan_params&) { return 12; }

// Phase 0 loads, phases 1..10 are Hillis-Steele steps of distance 1, 2, ..., 512 between two
// shared buffers (step k reads buffer (k-1) & 1 and writes buffer k & 1), phase 11 stores.
KILN_HD void scan_blocks_body(const scan_params& p, uint32_t block, uint32_t thread,
                              uint32_t threads, uint32_t phase, uint32_t* smem) {
    (void)threads;
    const uint64_t i = (uint64_t)block * KILN_SCAN_BLOCK + thread;
    if (phase == 0) {
        smem[thread] = i < p.count ? p.data[i] : 0;
        return;
    }
    if (phase <= 10) {
        const uint32_t d = 1u << (phase - 1);
        const uint32_t* src = smem + ((phase - 1) & 1) * KILN_SCAN_BLOCK;
        uint32_t* dst = smem + (phase & 1) * KILN_SCAN_BLOCK;
        dst[thread] = src[thread] + (thread >= d ? src[thread - d] : 0);
        return;
    }
    const uint32_t inclusive = smem[thread];  // step 10 wrote buffer 0
    if (i < p.count) p.data[i] = inclusive - p.data[i];
    if (thread == KILN_SCAN_BLOCK - 1) p.block_sums[block] = inclusive;
}

/// data[i] += block_sums[i / 1024]: the scanned block totals added back. Mirrored by `ScanParams`.
KILN_HD void scan_add_body(const scan_params& p, uint64_t tid) {
    if (tid >= p.count) return;
    p.data[tid] += p.block_sums[tid / KILN_SCAN_BLOCK];
}

#endif  // KILN_MSM_SORT_CUH
