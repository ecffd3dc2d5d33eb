// Short Weierstrass curve arithmetic (y^2 = x^3 + b, a = 0) in XYZZ coordinates.
//
// Template: instantiated once per group by the Rust generator, replacing `CURVE_` with `g1_` or
// `g2_`, `CF_` with the coordinate field (`fq_` or `fq2_`) and `CWORDS` with the words of one
// coordinate in the device layout (8 or 16). A module holds one group.
//
// XYZZ (x = X / ZZ, y = Y / ZZZ, ZZ^3 = ZZZ^2, as in the ZPrize MSMs): mixed addition costs
// 8M + 2S and needs no inversion; ZZ = 0 is the point at infinity, so zero-filled memory is an
// array of infinities. The formulas (madd-2008-s, mdbl-2008-s-1, dbl-2008-s-1, add-2008-s of the
// Explicit-Formulas Database) are programs over the register file `CR`, generated with their
// constants (`PROG_*`, `CR_*`, `PROGRAM`) by host/src/wgpu/curve_gen.rs, and run by `CURVE_run`.
// The special cases (infinity, P = Q, P = -Q) are plain control flow here.
//
// The interpreter is what keeps kernels small: Mesa inlines every call, and a kernel with a few
// direct point additions compiled for minutes on lavapipe (curve_gen.rs has the figures).

struct CURVE_affine {
    x: CF_t,
    y: CF_t,
}

struct CURVE_xyzz {
    x: CF_t,
    y: CF_t,
    zz: CF_t,
    zzz: CF_t,
}

var<private> CR: array<CF_t, CR_COUNT>;

// 0 that the compiler cannot prove is 0 (prm[0], the thread count, is never 2^32 - 1): loop
// bounds built on it are not unrolled.
fn CURVE_opaque_zero() -> u32 {
    return select(0u, 1u, prm[0] == 0xffffffffu);
}

// Runs the program `prog` = (start, length) of PROGRAM on the register file.
fn CURVE_run(prog: vec2<u32>) {
    let end = prog.x + prog.y + CURVE_opaque_zero();
    for (var pc = prog.x; pc < end; pc++) {
        let ins = PROGRAM[pc];
        let d = (ins >> 16u) & 0xffu;
        let a = CR[(ins >> 8u) & 0xffu];
        let b = CR[ins & 0xffu];
        switch (ins >> 24u) {
            case 0u: {
                CR[d] = CF_mul(a, b);
            }
            case 1u: {
                CR[d] = CF_add(a, b);
            }
            default: {
                CR[d] = CF_sub(a, b);
            }
        }
    }
}

fn CURVE_zero() -> CURVE_xyzz {
    return CURVE_xyzz(CF_zero(), CF_zero(), CF_zero(), CF_zero());
}

fn CURVE_is_zero(p: CURVE_xyzz) -> bool {
    return CF_is_zero(p.zz);
}

// The device layout writes the affine point at infinity as all zeros; (0, 0) is on no BN254 curve.
fn CURVE_affine_is_zero(a: CURVE_affine) -> bool {
    return CF_is_zero(a.x) && CF_is_zero(a.y);
}

fn CURVE_affine_neg(a: CURVE_affine) -> CURVE_affine {
    return CURVE_affine(a.x, CF_neg(a.y));
}

fn CURVE_from_affine(a: CURVE_affine) -> CURVE_xyzz {
    if (CURVE_affine_is_zero(a)) {
        return CURVE_zero();
    }
    return CURVE_xyzz(a.x, a.y, CF_one(), CF_one());
}

fn CURVE_set_p(p: CURVE_xyzz) {
    CR[CR_X1] = p.x;
    CR[CR_Y1] = p.y;
    CR[CR_ZZ1] = p.zz;
    CR[CR_ZZZ1] = p.zzz;
}

fn CURVE_get_p() -> CURVE_xyzz {
    return CURVE_xyzz(CR[CR_X1], CR[CR_Y1], CR[CR_ZZ1], CR[CR_ZZZ1]);
}

fn CURVE_set_q(q: CURVE_xyzz) {
    CR[CR_X2] = q.x;
    CR[CR_Y2] = q.y;
    CR[CR_ZZ2] = q.zz;
    CR[CR_ZZZ2] = q.zzz;
}

// P + Q for an affine Q (the bucket accumulation step).
fn CURVE_add_affine(p: CURVE_xyzz, q: CURVE_affine) -> CURVE_xyzz {
    if (CURVE_affine_is_zero(q)) {
        return p;
    }
    if (CURVE_is_zero(p)) {
        return CURVE_from_affine(q);
    }
    CURVE_set_p(p);
    CR[CR_X2] = q.x;
    CR[CR_Y2] = q.y;
    CURVE_run(PROG_MADD_A);
    if (CF_is_zero(CR[CR_P])) {
        if (CF_is_zero(CR[CR_R])) {
            CURVE_run(PROG_MDBL);
            return CURVE_get_p();
        }
        return CURVE_zero();
    }
    CURVE_run(PROG_MADD_B);
    return CURVE_get_p();
}

// 2 * P.
fn CURVE_double(p: CURVE_xyzz) -> CURVE_xyzz {
    CURVE_set_p(p);
    CURVE_run(PROG_DBL);
    return CURVE_get_p();
}

// 2 * (x, y) for a finite affine point.
fn CURVE_double_affine(a: CURVE_affine) -> CURVE_xyzz {
    CR[CR_X2] = a.x;
    CR[CR_Y2] = a.y;
    CURVE_run(PROG_MDBL);
    return CURVE_get_p();
}

// P + Q, both XYZZ (combining partial bucket sums). P = Q falls back to doubling.
fn CURVE_add(p: CURVE_xyzz, q: CURVE_xyzz) -> CURVE_xyzz {
    if (CURVE_is_zero(q)) {
        return p;
    }
    if (CURVE_is_zero(p)) {
        return q;
    }
    CURVE_set_p(p);
    CURVE_set_q(q);
    CURVE_run(PROG_ADD_A);
    if (CF_is_zero(CR[CR_P])) {
        if (CF_is_zero(CR[CR_R])) {
            CURVE_set_p(p);
            CURVE_run(PROG_DBL);
            return CURVE_get_p();
        }
        return CURVE_zero();
    }
    CURVE_run(PROG_ADD_B);
    return CURVE_get_p();
}

// k * P for a small k (bit by bit from the top, `bits` bits).
fn CURVE_mul_small(p: CURVE_xyzz, k: u32, bits: u32) -> CURVE_xyzz {
    var acc = CURVE_zero();
    for (var i = bits + CURVE_opaque_zero(); i > 0u; i--) {
        acc = CURVE_double(acc);
        if (((k >> (i - 1u)) & 1u) == 1u) {
            acc = CURVE_add(acc, p);
        }
    }
    return acc;
}
