// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Geometric sequences first * ratio^i without a table of n entries: two small tables,
// lo[j] = first * ratio^j for j < 2^lo_bits and hi[k] = ratio^(k 2^lo_bits), so that
// first * ratio^i = lo[i mod 2^lo_bits] * hi[i >> lo_bits]: one multiplication per element.
// The host computes both tables (kiln-ntt); NTT twiddle tables, coset shifts and the inverse
// transform's 1/n all use this.

#ifndef KILN_FF_POWERS_CUH
#define KILN_FF_POWERS_CUH

#include "bn254.cuh"

/// Mirrored by `PowersTable` in kiln-cuda (host/cuda/src/ntt.rs).
struct powers_table {
    const uint32_t* lo;  // 2^lo_bits Fr elements
    const uint32_t* hi;  // enough Fr elements for every index used
    uint32_t lo_bits;
    uint32_t enabled;    // 0: the sequence is all ones and is not applied
};

KILN_HD fr_t powers_at(const powers_table& t, uint64_t i) {
    const uint64_t mask = (1ull << t.lo_bits) - 1;
    return fr_t::load(t.lo, i & mask) * fr_t::load(t.hi, i >> t.lo_bits);
}

#endif  // KILN_FF_POWERS_CUH
