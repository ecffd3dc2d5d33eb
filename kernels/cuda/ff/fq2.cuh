// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Fq2 = Fq[u] / (u^2 + 1), BN254's quadratic extension (arkworks' Fq2Config: non-residue -1).
// Layout: c0 || c1 (real part first), each an Fq element in Montgomery form: 64 bytes.

#ifndef KILN_FF_FQ2_CUH
#define KILN_FF_FQ2_CUH

#include "../util/compat.cuh"

template <class F>
struct fq2_t {
    F c0, c1;

    KILN_HD static fq2_t zero() { return fq2_t{F::zero(), F::zero()}; }
    KILN_HD static fq2_t one() { return fq2_t{F::one(), F::zero()}; }

    KILN_HD static fq2_t load(const uint32_t* base, uint64_t index) {
        return fq2_t{F::load(base, 2 * index), F::load(base, 2 * index + 1)};
    }
    KILN_HD void store(uint32_t* base, uint64_t index) const {
        c0.store(base, 2 * index);
        c1.store(base, 2 * index + 1);
    }

    KILN_HD bool is_zero() const { return c0.is_zero() && c1.is_zero(); }
    KILN_HD bool operator==(const fq2_t& o) const { return c0 == o.c0 && c1 == o.c1; }
    KILN_HD bool operator!=(const fq2_t& o) const { return !(*this == o); }

    KILN_HD static fq2_t add(const fq2_t& a, const fq2_t& b) { return fq2_t{a.c0 + b.c0, a.c1 + b.c1}; }
    KILN_HD static fq2_t sub(const fq2_t& a, const fq2_t& b) { return fq2_t{a.c0 - b.c0, a.c1 - b.c1}; }
    KILN_HD static fq2_t dbl(const fq2_t& a) { return fq2_t{F::dbl(a.c0), F::dbl(a.c1)}; }
    KILN_HD static fq2_t neg(const fq2_t& a) { return fq2_t{-a.c0, -a.c1}; }

    /// Karatsuba: three Fq multiplications.
    KILN_HD_CALL static fq2_t mul(const fq2_t& a, const fq2_t& b) {
        const F v0 = a.c0 * b.c0;
        const F v1 = a.c1 * b.c1;
        const F s = (a.c0 + a.c1) * (b.c0 + b.c1);
        return fq2_t{v0 - v1, s - v0 - v1};
    }

    /// (c0 + c1 u)^2 = (c0 + c1)(c0 - c1) + 2 c0 c1 u: two Fq multiplications.
    KILN_HD_CALL static fq2_t sqr(const fq2_t& a) {
        const F m = a.c0 * a.c1;
        return fq2_t{(a.c0 + a.c1) * (a.c0 - a.c1), F::dbl(m)};
    }

    KILN_HD fq2_t operator+(const fq2_t& o) const { return add(*this, o); }
    KILN_HD fq2_t operator-(const fq2_t& o) const { return sub(*this, o); }
    KILN_HD fq2_t operator*(const fq2_t& o) const { return mul(*this, o); }
    KILN_HD fq2_t operator-() const { return neg(*this); }
};

#endif  // KILN_FF_FQ2_CUH
