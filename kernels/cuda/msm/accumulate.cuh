// SPDX-License-Identifier: MIT OR Apache-2.0
//
// MSM, second half: bucket accumulation and bucket reduction, for either curve (F = fq_t for
// G1, fq2 for G2). Buckets are XYZZ points (ec/xyzz.cuh), one per key (window * B + m - 1).
//
// Accumulation is a segmented reduction over the bucket-sorted entries. Each thread takes a
// fixed-length chunk of `chunk` consecutive entries, whatever buckets they belong to, so every
// thread does the same amount of work however unevenly the scalars fill the buckets (one bucket
// holding every point, as with all-equal scalars, costs the same as a uniform spread). Within
// its chunk a thread sums each run of equal keys:
//
// * a run strictly inside the chunk holds all of its bucket's entries: it is added to the
//   bucket directly (exactly one thread owns each such bucket, so no atomics);
// * the chunk's first and last runs may continue in the neighbouring chunks: they are written
//   out as (key, partial sum) pairs, two per thread (a single-run chunk writes its run and an
//   infinity under the same key; a chunk past the end writes NULL keys).
//
// The pairs are again sorted by key, so the same kernel reduces them (level 1, 2, ...) until
// at most one chunk remains, which a single thread finishes (final_level = 1): every bucket is
// written exactly once per launch sequence. Because buckets are only ever added to, a long MSM
// can run as several point chunks into the same buckets (the driver's out-of-memory fallback).
//
// Reduction: per window, sum_b b * bucket_b. Each window's B buckets are split into `segments`
// runs of B / segments; one thread per run computes its running-sum pair and weights it by the
// run's offset (msm_bucket_reduce), then a pairwise tree sums the segments of each window
// (msm_pairwise), and msm_to_jacobian writes each window's sum in the device layout's Jacobian
// form. The host combines the windows (kiln_msm::combine_windows).

#ifndef KILN_MSM_ACCUMULATE_CUH
#define KILN_MSM_ACCUMULATE_CUH

#include "../ec/xyzz.cuh"
#include "../ff/bn254.cuh"
#include "../util/kernel.cuh"
#include "sort.cuh"

/// Mirrored by `MsmAccumulateParams` (host/cuda/src/msm.rs).
struct msm_accumulate_params {
    const uint32_t* keys;         // this level's sorted keys
    const uint32_t* vals;         // level 0: point index | KILN_MSM_NEGATIVE
    const uint32_t* partials;     // levels > 0: XYZZ partial sums, one per key
    const uint32_t* bases;        // level 0: affine bases
    const uint32_t* valid_count;  // level 0: device word holding the number of non-NULL entries
    uint32_t* buckets;            // XYZZ, one per key
    uint32_t* out_keys;           // two per thread (unused at the final level)
    uint32_t* out_partials;       // two XYZZ per thread
    uint64_t entries;             // this level's entries (level 0: an upper bound)
    uint32_t chunk;               // entries per thread
    uint32_t null_key;
    uint32_t level0;              // 1: entries are points, 0: entries are partial sums
    uint32_t final_level;         // 1: one thread, every run goes into its bucket
};

template <class F>
KILN_HD void msm_bucket_add(const msm_accumulate_params& p, uint32_t key, const xyzz_t<F>& sum) {
    xyzz_t<F> bucket = xyzz_t<F>::load(p.buckets, key);
    bucket.add(sum);
    bucket.store(p.buckets, key);
}

template <class F>
KILN_HD void msm_emit(const msm_accumulate_params& p, uint64_t slot, uint32_t key,
                      const xyzz_t<F>& sum) {
    p.out_keys[slot] = key;
    sum.store(p.out_partials, slot);
}

template <class F>
KILN_HD void msm_accumulate_body(const msm_accumulate_params& p, uint64_t tid) {
    uint64_t valid = p.entries;
    if (p.level0) {
        const uint64_t counted = *p.valid_count;
        if (counted < valid) valid = counted;
    }
    const uint64_t start = tid * p.chunk;
    // Threads past the last chunk have no output slots; chunks past the valid entries emit NULL.
    if (p.final_level ? tid > 0 : start >= p.entries) return;
    const uint64_t end = start + p.chunk < valid ? start + p.chunk : valid;

    uint32_t current = p.null_key;
    uint32_t runs = 0;  // runs finished so far in this chunk
    xyzz_t<F> acc = xyzz_t<F>::infinity();
    for (uint64_t e = start; e < end; e++) {
        const uint32_t key = p.keys[e];
        if (key == p.null_key) break;  // NULL keys sort last
        if (key != current) {
            if (current != p.null_key) {
                if (runs == 0 && !p.final_level) {
                    msm_emit<F>(p, 2 * tid, current, acc);
                } else {
                    msm_bucket_add<F>(p, current, acc);
                }
                runs++;
            }
            current = key;
            acc = xyzz_t<F>::infinity();
        }
        if (p.level0) {
            const uint32_t v = p.vals[e];
            affine_t<F> q = affine_t<F>::load(p.bases, v & ~KILN_MSM_NEGATIVE);
            if (v & KILN_MSM_NEGATIVE) q = q.neg();
            acc.add_affine(q);
        } else {
            acc.add(xyzz_t<F>::load(p.partials, e));
        }
    }
    if (p.final_level) {
        if (current != p.null_key) msm_bucket_add<F>(p, current, acc);
        return;
    }
    if (current == p.null_key) {
        // Nothing in this chunk.
        msm_emit<F>(p, 2 * tid, p.null_key, xyzz_t<F>::infinity());
        msm_emit<F>(p, 2 * tid + 1, p.null_key, xyzz_t<F>::infinity());
    } else if (runs == 0) {
        msm_emit<F>(p, 2 * tid, current, acc);
        msm_emit<F>(p, 2 * tid + 1, current, xyzz_t<F>::infinity());
    } else {
        msm_emit<F>(p, 2 * tid + 1, current, acc);
    }
}

/// Mirrored by `MsmBucketReduceParams`.
struct msm_bucket_reduce_params {
    const uint32_t* buckets;  // [windows][buckets_per_window] XYZZ
    uint32_t* sums;           // [windows][segments] XYZZ
    uint32_t windows;
    uint32_t buckets_per_window;
    uint32_t segments;        // divides buckets_per_window
    uint32_t pad_;
};

template <class F>
KILN_HD void msm_bucket_reduce_body(const msm_bucket_reduce_params& p, uint64_t tid) {
    if (tid >= (uint64_t)p.windows * p.segments) return;
    const uint32_t window = (uint32_t)(tid / p.segments);
    const uint32_t segment = (uint32_t)(tid % p.segments);
    const uint32_t len = p.buckets_per_window / p.segments;
    const uint32_t first = segment * len;  // bucket number of index first is first + 1
    const uint64_t base = (uint64_t)window * p.buckets_per_window + first;
    xyzz_t<F> running = xyzz_t<F>::infinity();
    xyzz_t<F> sum = xyzz_t<F>::infinity();
    for (uint32_t j = len; j-- > 0;) {
        running.add(xyzz_t<F>::load(p.buckets, base + j));
        sum.add(running);
    }
    // sum = sum_j (j + 1) bucket_j; the buckets' numbers are first + j + 1.
    running.mul_small(first);
    sum.add(running);
    sum.store(p.sums, tid);
}

/// sums[w][i] += sums[w][i + half] for i < half. Mirrored by `MsmPairwiseParams`.
struct msm_pairwise_params {
    uint32_t* sums;
    uint32_t windows;
    uint32_t stride;  // XYZZ points per window row
    uint32_t half;
    uint32_t pad_;
};

template <class F>
KILN_HD void msm_pairwise_body(const msm_pairwise_params& p, uint64_t tid) {
    if (tid >= (uint64_t)p.windows * p.half) return;
    const uint64_t row = (tid / p.half) * p.stride;
    const uint64_t i = tid % p.half;
    xyzz_t<F> a = xyzz_t<F>::load(p.sums, row + i);
    a.add(xyzz_t<F>::load(p.sums, row + i + p.half));
    a.store(p.sums, row + i);
}

/// out[w] = the Jacobian form of sums[w][0]. Mirrored by `MsmToJacobianParams`.
struct msm_to_jacobian_params {
    const uint32_t* sums;
    uint32_t* out;  // [windows] Jacobian points
    uint32_t windows;
    uint32_t stride;
};

template <class F>
KILN_HD void msm_to_jacobian_body(const msm_to_jacobian_params& p, uint64_t tid) {
    if (tid >= p.windows) return;
    xyzz_t<F>::load(p.sums, tid * p.stride).to_jacobian().store(p.out, tid);
}

#endif  // KILN_MSM_ACCUMULATE_CUH
