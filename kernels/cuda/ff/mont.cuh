// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Montgomery arithmetic modulo a prime below 2^254 on eight 32-bit limbs.
//
// Element layout (host/src/layout.rs): 8 little-endian u32 limbs, least significant first,
// always fully reduced (< p), in Montgomery form x * 2^256 mod p unless a function says
// otherwise. `mont_t<Cfg>` is a plain 32-byte struct, so an array of them is exactly the
// device byte layout.
//
// Multiplication is CIOS (Koc, Acar, Kaliski: "Analyzing and comparing Montgomery
// multiplication algorithms", 1996) with every multiply-accumulate row written as two PTX carry
// chains, one for the low and one for the high halves of the 32x32-bit products (util/ptx.cuh).
// Because p < 2^254, every intermediate of a row fits in nine limbs, and the result before the
// final conditional subtraction is below 2p.
//
// Cfg provides, for one field (generated into ff/bn254_constants.cuh from arkworks):
//   modulus(i), one(i) (R mod p), r2(i) (R^2 mod p): limb i of each constant;
//   M0INV: -p^-1 mod 2^32;  MODULUS_BITS.

#ifndef KILN_FF_MONT_CUH
#define KILN_FF_MONT_CUH

#include "../util/compat.cuh"
#include "../util/ptx.cuh"

template <class Cfg>
struct mont_t {
    static constexpr int N = 8;
    static_assert(Cfg::MODULUS_BITS <= 254, "the carry bounds of mul() need p < 2^254");

    uint32_t l[N];

    KILN_HD static mont_t zero() {
        mont_t r;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r.l[i] = 0;
        return r;
    }

    /// 1 in Montgomery form (R mod p).
    KILN_HD static mont_t one() {
        mont_t r;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r.l[i] = Cfg::one(i);
        return r;
    }

    KILN_HD static mont_t modulus() {
        mont_t r;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r.l[i] = Cfg::modulus(i);
        return r;
    }

    /// Reads element `index` of an array in the device layout.
    KILN_HD static mont_t load(const uint32_t* base, uint64_t index) {
        mont_t r;
        const uint32_t* p = base + index * N;
#if defined(KILN_DEVICE)
        // Two 16-byte loads: device allocations and 32-byte elements keep them aligned.
        const uint4 a = reinterpret_cast<const uint4*>(p)[0];
        const uint4 b = reinterpret_cast<const uint4*>(p)[1];
        r.l[0] = a.x; r.l[1] = a.y; r.l[2] = a.z; r.l[3] = a.w;
        r.l[4] = b.x; r.l[5] = b.y; r.l[6] = b.z; r.l[7] = b.w;
#else
        for (int i = 0; i < N; i++) r.l[i] = p[i];
#endif
        return r;
    }

    /// Writes element `index` of an array in the device layout.
    KILN_HD void store(uint32_t* base, uint64_t index) const {
        uint32_t* p = base + index * N;
#if defined(KILN_DEVICE)
        reinterpret_cast<uint4*>(p)[0] = make_uint4(l[0], l[1], l[2], l[3]);
        reinterpret_cast<uint4*>(p)[1] = make_uint4(l[4], l[5], l[6], l[7]);
#else
        for (int i = 0; i < N; i++) p[i] = l[i];
#endif
    }

    KILN_HD bool is_zero() const {
        uint32_t acc = 0;
        KILN_UNROLL
        for (int i = 0; i < N; i++) acc |= l[i];
        return acc == 0;
    }

    KILN_HD bool operator==(const mont_t& o) const {
        uint32_t acc = 0;
        KILN_UNROLL
        for (int i = 0; i < N; i++) acc |= l[i] ^ o.l[i];
        return acc == 0;
    }

    KILN_HD bool operator!=(const mont_t& o) const { return !(*this == o); }

    /// r = a - p if a >= p, else a; for a < 2p.
    KILN_HD static mont_t reduce_once(const mont_t& a) {
        KILN_CARRY_DECL;
        mont_t d;
        uint32_t borrow;
        KILN_SUB_CC(d.l[0], a.l[0], Cfg::modulus(0));
        KILN_UNROLL
        for (int i = 1; i < N; i++) KILN_SUBC_CC(d.l[i], a.l[i], Cfg::modulus(i));
        KILN_SUBC(borrow, 0, 0);  // all ones when a < p
        mont_t r;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r.l[i] = (a.l[i] & borrow) | (d.l[i] & ~borrow);
        return r;
    }

    KILN_HD static mont_t add(const mont_t& a, const mont_t& b) {
        KILN_CARRY_DECL;
        mont_t s;
        // a + b < 2p < 2^255: no carry out of the top limb.
        KILN_ADD_CC(s.l[0], a.l[0], b.l[0]);
        KILN_UNROLL
        for (int i = 1; i < N - 1; i++) KILN_ADDC_CC(s.l[i], a.l[i], b.l[i]);
        KILN_ADDC(s.l[N - 1], a.l[N - 1], b.l[N - 1]);
        return reduce_once(s);
    }

    KILN_HD static mont_t sub(const mont_t& a, const mont_t& b) {
        KILN_CARRY_DECL;
        mont_t d;
        uint32_t borrow;
        KILN_SUB_CC(d.l[0], a.l[0], b.l[0]);
        KILN_UNROLL
        for (int i = 1; i < N; i++) KILN_SUBC_CC(d.l[i], a.l[i], b.l[i]);
        KILN_SUBC(borrow, 0, 0);  // all ones when a < b: add p back
        mont_t r;
        KILN_ADD_CC(r.l[0], d.l[0], Cfg::modulus(0) & borrow);
        KILN_UNROLL
        for (int i = 1; i < N - 1; i++) KILN_ADDC_CC(r.l[i], d.l[i], Cfg::modulus(i) & borrow);
        KILN_ADDC(r.l[N - 1], d.l[N - 1], Cfg::modulus(N - 1) & borrow);
        return r;
    }

    KILN_HD static mont_t dbl(const mont_t& a) { return add(a, a); }

    KILN_HD static mont_t neg(const mont_t& a) {
        // p - a, and 0 for a = 0 (not p).
        const mont_t r = sub(zero(), a);
        return r;
    }

    /// t[0..=N] += a * b (t < 2^288 before and after; see the bounds in the file comment).
    KILN_HD static void mul_row(uint32_t t[N + 1], const uint32_t a[N], uint32_t b) {
        KILN_CARRY_DECL;
        KILN_MAD_LO_CC(t[0], a[0], b, t[0]);
        KILN_UNROLL
        for (int j = 1; j < N; j++) KILN_MADC_LO_CC(t[j], a[j], b, t[j]);
        KILN_ADDC(t[N], t[N], 0);
        KILN_MAD_HI_CC(t[1], a[0], b, t[1]);
        KILN_UNROLL
        for (int j = 1; j < N - 1; j++) KILN_MADC_HI_CC(t[j + 1], a[j], b, t[j + 1]);
        KILN_MADC_HI(t[N], a[N - 1], b, t[N]);
    }

    /// t = (t + m p) / 2^32 with m chosen so that the low limb vanishes.
    KILN_HD static void reduce_row(uint32_t t[N + 1]) {
        KILN_CARRY_DECL;
        const uint32_t m = t[0] * Cfg::M0INV;
        KILN_MAD_LO_CC(t[0], m, Cfg::modulus(0), t[0]);
        KILN_UNROLL
        for (int j = 1; j < N; j++) KILN_MADC_LO_CC(t[j], m, Cfg::modulus(j), t[j]);
        KILN_ADDC(t[N], t[N], 0);
        KILN_MAD_HI_CC(t[1], m, Cfg::modulus(0), t[1]);
        KILN_UNROLL
        for (int j = 1; j < N - 1; j++) KILN_MADC_HI_CC(t[j + 1], m, Cfg::modulus(j), t[j + 1]);
        KILN_MADC_HI(t[N], m, Cfg::modulus(N - 1), t[N]);
        KILN_UNROLL
        for (int j = 0; j < N; j++) t[j] = t[j + 1];
        t[N] = 0;
    }

    /// Montgomery product a * b / R mod p.
    KILN_HD static mont_t mul(const mont_t& a, const mont_t& b) {
        uint32_t t[N + 1];
        KILN_UNROLL
        for (int i = 0; i <= N; i++) t[i] = 0;
        KILN_UNROLL
        for (int i = 0; i < N; i++) {
            mul_row(t, a.l, b.l[i]);
            reduce_row(t);
        }
        mont_t r;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r.l[i] = t[i];
        return reduce_once(r);
    }

    KILN_HD static mont_t sqr(const mont_t& a) { return mul(a, a); }

    /// Montgomery form to the element's integer (canonical form): a / R mod p.
    KILN_HD mont_t from_montgomery() const {
        mont_t raw_one = zero();
        raw_one.l[0] = 1;
        return mul(*this, raw_one);
    }

    /// Canonical integer (< p) to Montgomery form: a * R mod p.
    KILN_HD mont_t to_montgomery() const {
        mont_t r2;
        KILN_UNROLL
        for (int i = 0; i < N; i++) r2.l[i] = Cfg::r2(i);
        return mul(*this, r2);
    }

    /// a^e for a small public exponent (window and coset arithmetic), square-and-multiply.
    KILN_HD static mont_t pow_u32(const mont_t& a, uint32_t e) {
        mont_t r = one();
        mont_t b = a;
        while (e != 0) {
            if (e & 1) r = mul(r, b);
            b = sqr(b);
            e >>= 1;
        }
        return r;
    }

    KILN_HD mont_t operator+(const mont_t& o) const { return add(*this, o); }
    KILN_HD mont_t operator-(const mont_t& o) const { return sub(*this, o); }
    KILN_HD mont_t operator*(const mont_t& o) const { return mul(*this, o); }
    KILN_HD mont_t operator-() const { return neg(*this); }
};

#endif  // KILN_FF_MONT_CUH
