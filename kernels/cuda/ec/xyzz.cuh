// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Short Weierstrass curves y^2 = x^3 + b (a = 0: BN254's G1 over Fq and G2 over Fq2).
//
// * affine_t: the device layout's affine point, x || y in Montgomery form; all-zero bytes are
//   the point at infinity ((0, 0) is on neither curve).
// * xyzz_t: extended Jacobian "XYZZ" coordinates (x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2), the bucket
//   representation of the fastest GPU MSMs: a mixed addition costs 8M + 2S and needs no
//   doubling-specific branch in the common path. ZZ = 0 is infinity, so zeroed memory is an
//   array of infinities. Formulas from the Explicit-Formulas Database, "xyzz" for a = 0:
//   madd-2008-s, add-2008-s, dbl-2008-s-1 and mdbl-2008-s-1.
// * to_jacobian: the device layout's result form X || Y || Z (x = X/Z^2, y = Y/Z^3), with
//   infinity written as (1, 1, 0).

#ifndef KILN_EC_XYZZ_CUH
#define KILN_EC_XYZZ_CUH

#include "../util/compat.cuh"

template <class F>
struct affine_t {
    F x, y;

    KILN_HD static affine_t infinity() { return affine_t{F::zero(), F::zero()}; }
    KILN_HD bool is_inf() const { return x.is_zero() && y.is_zero(); }
    KILN_HD affine_t neg() const { return affine_t{x, F::neg(y)}; }

    /// Point `index` of an array of affine points in the device layout.
    KILN_HD static affine_t load(const uint32_t* base, uint64_t index) {
        return affine_t{F::load(base, 2 * index), F::load(base, 2 * index + 1)};
    }
    KILN_HD void store(uint32_t* base, uint64_t index) const {
        x.store(base, 2 * index);
        y.store(base, 2 * index + 1);
    }
};

template <class F>
struct jacobian_t {
    F x, y, z;

    KILN_HD void store(uint32_t* base, uint64_t index) const {
        x.store(base, 3 * index);
        y.store(base, 3 * index + 1);
        z.store(base, 3 * index + 2);
    }
};

template <class F>
struct xyzz_t {
    F x, y, zz, zzz;

    KILN_HD static xyzz_t infinity() { return xyzz_t{F::zero(), F::zero(), F::zero(), F::zero()}; }
    KILN_HD bool is_inf() const { return zz.is_zero(); }

    KILN_HD static xyzz_t from_affine(const affine_t<F>& p) {
        if (p.is_inf()) return infinity();
        return xyzz_t{p.x, p.y, F::one(), F::one()};
    }

    KILN_HD static xyzz_t load(const uint32_t* base, uint64_t index) {
        return xyzz_t{F::load(base, 4 * index), F::load(base, 4 * index + 1),
                      F::load(base, 4 * index + 2), F::load(base, 4 * index + 3)};
    }
    KILN_HD void store(uint32_t* base, uint64_t index) const {
        x.store(base, 4 * index);
        y.store(base, 4 * index + 1);
        zz.store(base, 4 * index + 2);
        zzz.store(base, 4 * index + 3);
    }

    KILN_HD xyzz_t neg() const { return xyzz_t{x, F::neg(y), zz, zzz}; }

    /// dbl-2008-s-1 (a = 0). Infinity stays infinity (ZZ3 = V ZZ1 = 0).
    KILN_HD_CALL void dbl() {
        const F u = F::dbl(y);
        const F v = F::sqr(u);
        const F w = u * v;
        const F s = x * v;
        const F x2 = F::sqr(x);
        const F m = F::dbl(x2) + x2;
        const F x3 = F::sqr(m) - F::dbl(s);
        y = m * (s - x3) - w * y;
        x = x3;
        zz = v * zz;
        zzz = w * zzz;
    }

    /// This point becomes 2q, for affine q (mdbl-2008-s-1); q must not be infinity.
    KILN_HD_CALL void set_dbl_affine(const affine_t<F>& q) {
        const F u = F::dbl(q.y);
        const F v = F::sqr(u);
        const F w = u * v;
        const F s = q.x * v;
        const F x2 = F::sqr(q.x);
        const F m = F::dbl(x2) + x2;
        x = F::sqr(m) - F::dbl(s);
        y = m * (s - x) - w * q.y;
        zz = v;
        zzz = w;
    }

    /// this += q for affine q (madd-2008-s), with the cases the formula excludes handled:
    /// either side infinity, q = this (doubling) and q = -this (infinity).
    KILN_HD_CALL void add_affine(const affine_t<F>& q) {
        if (q.is_inf()) return;
        if (is_inf()) {
            *this = from_affine(q);
            return;
        }
        const F u2 = q.x * zz;
        const F s2 = q.y * zzz;
        const F p = u2 - x;
        const F r = s2 - y;
        if (p.is_zero()) {
            if (r.is_zero()) {
                set_dbl_affine(q);
            } else {
                *this = infinity();
            }
            return;
        }
        const F pp = F::sqr(p);
        const F ppp = p * pp;
        const F q1 = x * pp;
        const F x3 = F::sqr(r) - ppp - F::dbl(q1);
        y = r * (q1 - x3) - y * ppp;
        x = x3;
        zz = zz * pp;
        zzz = zzz * ppp;
    }

    /// this += q (add-2008-s), with the same exceptional cases handled.
    KILN_HD_CALL void add(const xyzz_t& q) {
        if (q.is_inf()) return;
        if (is_inf()) {
            *this = q;
            return;
        }
        const F u1 = x * q.zz;
        const F u2 = q.x * zz;
        const F s1 = y * q.zzz;
        const F s2 = q.y * zzz;
        const F p = u2 - u1;
        const F r = s2 - s1;
        if (p.is_zero()) {
            if (r.is_zero()) {
                dbl();
            } else {
                *this = infinity();
            }
            return;
        }
        const F pp = F::sqr(p);
        const F ppp = p * pp;
        const F q1 = u1 * pp;
        const F x3 = F::sqr(r) - ppp - F::dbl(q1);
        y = r * (q1 - x3) - s1 * ppp;
        x = x3;
        zz = zz * q.zz * pp;
        zzz = zzz * q.zzz * ppp;
    }

    /// this = k * this for a small k, by double-and-add from the top bit (k = 0 gives infinity).
    KILN_HD_CALL void mul_small(uint32_t k) {
        const xyzz_t base = *this;
        *this = infinity();
        bool started = false;
        for (int bit = 31; bit >= 0; bit--) {
            if (started) dbl();
            if ((k >> bit) & 1) {
                add(base);
                started = true;
            }
        }
    }

    /// Jacobian coordinates of the same point without an inversion: with Z = ZZZ,
    /// X = X_xyzz ZZ^2 and Y = Y_xyzz ZZZ^2 (using ZZ^3 = ZZZ^2).
    KILN_HD jacobian_t<F> to_jacobian() const {
        if (is_inf()) return jacobian_t<F>{F::one(), F::one(), F::zero()};
        return jacobian_t<F>{x * F::sqr(zz), y * F::sqr(zzz), zzz};
    }
};

#endif  // KILN_EC_XYZZ_CUH
