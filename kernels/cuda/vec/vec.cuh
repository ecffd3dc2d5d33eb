// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Element-wise operations on resident Fr vectors (Montgomery form): what provers need between
// NTTs (Groth16's A*B - C, PLONK's quotient), so that the data never leaves the device.

#ifndef KILN_VEC_VEC_CUH
#define KILN_VEC_VEC_CUH

#include "../ff/bn254.cuh"
#include "../util/kernel.cuh"

// Operation codes, mirrored by `VecCode` in host/cuda/src/vec.rs.
#define KILN_VEC_ADD 0u
#define KILN_VEC_SUB 1u
#define KILN_VEC_MUL 2u
#define KILN_VEC_SCALE 3u
#define KILN_VEC_ADD_SCALAR 4u

/// a[i] = a[i] op b[i] (or op c). Mirrored by `VecParams`.
struct vec_params {
    uint32_t* a;
    const uint32_t* b;  // unused by SCALE and ADD_SCALAR
    uint64_t count;
    fr_t c;             // the constant of SCALE and ADD_SCALAR
    uint32_t op;
    uint32_t pad_;
};

KILN_HD void vec_op_body(const vec_params& p, uint64_t tid) {
    if (tid >= p.count) return;
    const fr_t a = fr_t::load(p.a, tid);
    fr_t r;
    switch (p.op) {
        case KILN_VEC_ADD: r = a + fr_t::load(p.b, tid); break;
        case KILN_VEC_SUB: r = a - fr_t::load(p.b, tid); break;
        case KILN_VEC_MUL: r = a * fr_t::load(p.b, tid); break;
        case KILN_VEC_SCALE: r = a * p.c; break;
        default: r = a + p.c; break;
    }
    r.store(p.a, tid);
}

#endif  // KILN_VEC_VEC_CUH
