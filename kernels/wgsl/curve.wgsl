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
// constants (`PROG_*`, `CR_*`, `PROGRAM`) by host/wgpu/src/curve_gen.rs, and run by `CURVE_run`.
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

// The point operations, as `CURVE_op`'s first argument.
const CURVE_ADD: u32 = 0u; // P + Q, both XYZZ
const CURVE_MADD: u32 = 1u; // P + Q, Q affine (ZZ = ZZZ = 1)
const CURVE_DBL: u32 = 2u; // 2 P
const CURVE_MDBL: u32 = 3u; // 2 Q, Q affine and finite

// Every point operation goes through here, and this holds the only call of `CURVE_run`: Mesa
// inlines each call, so a kernel carries one copy of the interpreter (and of the field
// multiplication inside it) per call site of this function, not one per formula and special
// case. An addition is two programs, with the special cases decided between them: P = Q runs a
// doubling instead of the second half, P = -Q gives infinity.
fn CURVE_op(kind: u32, p: CURVE_xyzz, q: CURVE_xyzz) -> CURVE_xyzz {
    let adding = kind <= CURVE_MADD;
    if (adding && CURVE_is_zero(q)) {
        return p;
    }
    if (adding && CURVE_is_zero(p)) {
        return q;
    }
    CURVE_set_p(p);
    CURVE_set_q(q);
    var prog = PROG_DBL;
    switch (kind) {
        case 0u: {
            prog = PROG_ADD_A;
        }
        case 1u: {
            prog = PROG_MADD_A;
        }
        case 3u: {
            prog = PROG_MDBL;
        }
        default: {}
    }
    for (var step = CURVE_opaque_zero(); step < 2u; step++) {
        CURVE_run(prog);
        if (!adding || step == 1u) {
            break;
        }
        if (CF_is_zero(CR[CR_P])) {
            if (!CF_is_zero(CR[CR_R])) {
                return CURVE_zero();
            }
            if (kind == CURVE_ADD) {
                CURVE_set_p(p);
                prog = PROG_DBL;
            } else {
                prog = PROG_MDBL;
            }
        } else {
            prog = select(PROG_MADD_B, PROG_ADD_B, kind == CURVE_ADD);
        }
    }
    return CURVE_get_p();
}

// P + Q for an affine Q (the bucket accumulation step).
fn CURVE_add_affine(p: CURVE_xyzz, q: CURVE_affine) -> CURVE_xyzz {
    return CURVE_op(CURVE_MADD, p, CURVE_from_affine(q));
}

// 2 * P.
fn CURVE_double(p: CURVE_xyzz) -> CURVE_xyzz {
    return CURVE_op(CURVE_DBL, p, p);
}

// 2 * (x, y) for a finite affine point.
fn CURVE_double_affine(a: CURVE_affine) -> CURVE_xyzz {
    return CURVE_op(CURVE_MDBL, CURVE_zero(), CURVE_from_affine(a));
}

// P + Q, both XYZZ (combining partial bucket sums).
fn CURVE_add(p: CURVE_xyzz, q: CURVE_xyzz) -> CURVE_xyzz {
    return CURVE_op(CURVE_ADD, p, q);
}

// k * P for a small k (bit by bit from the top, `bits` bits): one `CURVE_op` call for the
// doublings and additions both, step 2i doubling and step 2i - 1 adding for bit i - 1.
fn CURVE_mul_small(p: CURVE_xyzz, k: u32, bits: u32) -> CURVE_xyzz {
    var acc = CURVE_zero();
    for (var s = 2u * bits + CURVE_opaque_zero(); s > 0u; s--) {
        let add = (s & 1u) == 1u;
        if (add && ((k >> (s / 2u)) & 1u) == 0u) {
            continue;
        }
        acc = CURVE_op(select(CURVE_DBL, CURVE_ADD, add), acc, p);
    }
    return acc;
}
