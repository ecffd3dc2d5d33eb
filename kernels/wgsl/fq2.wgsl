// Fq2 = Fq[u] / (u^2 + 1), the coordinate field of G2, built on the `fq_` instance of field.wgsl.
// An element is c0 + c1 * u; in memory (the device layout) c0's eight words come first.

struct fq2_t {
    c0: Limbs,
    c1: Limbs,
}

fn fq2_zero() -> fq2_t {
    return fq2_t(fq_zero(), fq_zero());
}

fn fq2_one() -> fq2_t {
    return fq2_t(fq_one(), fq_zero());
}

fn fq2_is_zero(a: fq2_t) -> bool {
    return fq_is_zero(a.c0) && fq_is_zero(a.c1);
}

fn fq2_eq(a: fq2_t, b: fq2_t) -> bool {
    return fq_eq(a.c0, b.c0) && fq_eq(a.c1, b.c1);
}

fn fq2_add(a: fq2_t, b: fq2_t) -> fq2_t {
    return fq2_t(fq_add(a.c0, b.c0), fq_add(a.c1, b.c1));
}

fn fq2_sub(a: fq2_t, b: fq2_t) -> fq2_t {
    return fq2_t(fq_sub(a.c0, b.c0), fq_sub(a.c1, b.c1));
}

fn fq2_neg(a: fq2_t) -> fq2_t {
    return fq2_t(fq_neg(a.c0), fq_neg(a.c1));
}

fn fq2_double(a: fq2_t) -> fq2_t {
    return fq2_add(a, a);
}

// Karatsuba: three Fq multiplications instead of four.
fn fq2_mul(a: fq2_t, b: fq2_t) -> fq2_t {
    let v0 = fq_mul(a.c0, b.c0);
    let v1 = fq_mul(a.c1, b.c1);
    let s = fq_mul(fq_add(a.c0, a.c1), fq_add(b.c0, b.c1));
    return fq2_t(fq_sub(v0, v1), fq_sub(fq_sub(s, v0), v1));
}

// (c0 + c1 u)^2 = (c0 + c1)(c0 - c1) + 2 c0 c1 u: two multiplications.
fn fq2_square(a: fq2_t) -> fq2_t {
    let m = fq_mul(a.c0, a.c1);
    return fq2_t(fq_mul(fq_add(a.c0, a.c1), fq_sub(a.c0, a.c1)), fq_add(m, m));
}

fn fq2_unpack(w_in: array<u32, 16>) -> fq2_t {
    var w = w_in;
    var lo: array<u32, 8>;
    var hi: array<u32, 8>;
    for (var i = 0u; i < 8u; i++) {
        lo[i] = w[i];
        hi[i] = w[8u + i];
    }
    return fq2_t(fq_unpack(lo), fq_unpack(hi));
}

fn fq2_pack(a: fq2_t) -> array<u32, 16> {
    let lo = fq_pack(a.c0);
    let hi = fq_pack(a.c1);
    var w: array<u32, 16>;
    for (var i = 0u; i < 8u; i++) {
        w[i] = lo[i];
        w[8u + i] = hi[i];
    }
    return w;
}

fn fq2_to_dev(a: fq2_t) -> fq2_t {
    return fq2_t(fq_to_dev(a.c0), fq_to_dev(a.c1));
}

fn fq2_from_dev(a: fq2_t) -> fq2_t {
    return fq2_t(fq_from_dev(a.c0), fq_from_dev(a.c1));
}
