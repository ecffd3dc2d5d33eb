// SPDX-License-Identifier: MIT OR Apache-2.0
//
// kiln's CUDA sources compiled as host C++ (g++): the same headers and kernel entry files that
// NVRTC compiles, with util/ptx.cuh's emulated carry chain and util/kernel.cuh's sequential
// kernel emulation. The C ABI below is what kiln-cuda-hosttest's Rust side calls.

#include "../../../../kernels/cuda/ntt.cu"
#include "../../../../kernels/cuda/vec.cu"
#include "../../../../kernels/cuda/msm_sort.cu"
#include "../../../../kernels/cuda/msm_g1.cu"
#include "../../../../kernels/cuda/msm_g2.cu"

#include <cstring>

namespace {

template <class F>
F read(const uint32_t* p) {
    return F::load(p, 0);
}

enum FieldOp : uint32_t { ADD = 0, SUB = 1, MUL = 2, SQR = 3, NEG = 4, DBL = 5, FROM_MONT = 6, TO_MONT = 7 };

template <class F>
int field_op(uint32_t op, const uint32_t* a_raw, const uint32_t* b_raw, uint32_t* out) {
    const F a = read<F>(a_raw);
    const F b = read<F>(b_raw);
    F r;
    switch (op) {
        case ADD: r = a + b; break;
        case SUB: r = a - b; break;
        case MUL: r = a * b; break;
        case SQR: r = F::sqr(a); break;
        case NEG: r = -a; break;
        case DBL: r = F::dbl(a); break;
        default: return -1;
    }
    r.store(out, 0);
    return 0;
}

template <class F>
int base_field_op(uint32_t op, const uint32_t* a_raw, const uint32_t* b_raw, uint32_t* out) {
    const F a = read<F>(a_raw);
    switch (op) {
        case FROM_MONT: a.from_montgomery().store(out, 0); return 0;
        case TO_MONT: a.to_montgomery().store(out, 0); return 0;
        default: return field_op<F>(op, a_raw, b_raw, out);
    }
}

enum CurveOp : uint32_t { C_ADD = 0, C_ADD_AFFINE = 1, C_DBL = 2, C_TO_JACOBIAN = 3, C_MUL_SMALL = 4, C_FROM_AFFINE = 5 };

template <class F>
int curve_op(uint32_t op, const uint32_t* a_raw, const uint32_t* b_raw, uint32_t k, uint32_t* out) {
    xyzz_t<F> a = xyzz_t<F>::load(a_raw, 0);
    switch (op) {
        case C_ADD: a.add(xyzz_t<F>::load(b_raw, 0)); break;
        case C_ADD_AFFINE: a.add_affine(affine_t<F>::load(b_raw, 0)); break;
        case C_DBL: a.dbl(); break;
        case C_TO_JACOBIAN: a.to_jacobian().store(out, 0); return 0;
        case C_MUL_SMALL: a.mul_small(k); break;
        case C_FROM_AFFINE: a = xyzz_t<F>::from_affine(affine_t<F>::load(b_raw, 0)); break;
        default: return -1;
    }
    a.store(out, 0);
    return 0;
}

const kiln_emulated_kernel* find_kernel(const char* name) {
    for (const kiln_emulated_kernel* k = kiln_emulated_kernels(); k; k = k->next)
        if (std::strcmp(k->name, name) == 0) return k;
    return nullptr;
}

}  // namespace

extern "C" {

/// field: 0 = Fr, 1 = Fq, 2 = Fq2. Elements in the device layout (Montgomery form).
int kh_field_op(uint32_t field, uint32_t op, const uint32_t* a, const uint32_t* b, uint32_t* out) {
    switch (field) {
        case 0: return base_field_op<fr_t>(op, a, b, out);
        case 1: return base_field_op<fq_t>(op, a, b, out);
        case 2: return field_op<fq2_bn254_t>(op, a, b, out);
        default: return -1;
    }
}

/// group: 1 = G1, 2 = G2. `a` is XYZZ; `b` is XYZZ (add) or affine (add_affine, from_affine).
int kh_curve_op(uint32_t group, uint32_t op, const uint32_t* a, const uint32_t* b, uint32_t k, uint32_t* out) {
    switch (group) {
        case 1: return curve_op<fq_t>(op, a, b, k, out);
        case 2: return curve_op<fq2_bn254_t>(op, a, b, k, out);
        default: return -1;
    }
}

/// Runs kernel `name` on `grid` blocks of `block` threads; -1 if there is no such kernel,
/// -2 if `params_size` is not the size of its parameter struct.
int kh_launch(const char* name, const void* params, uint32_t params_size, uint32_t grid, uint32_t block) {
    const kiln_emulated_kernel* k = find_kernel(name);
    if (!k) return -1;
    if (k->params_size != params_size) return -2;
    k->run(params, grid, block);
    return 0;
}

/// The size of kernel `name`'s parameter struct, or 0 if there is no such kernel.
uint32_t kh_params_size(const char* name) {
    const kiln_emulated_kernel* k = find_kernel(name);
    return k ? k->params_size : 0;
}

}  // extern "C"
