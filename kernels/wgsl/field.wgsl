// One BN254 prime field (Fr or Fq) in Montgomery form on small limbs: the element-level
// functions. Template: the Rust generator (host/wgpu/src/shader.rs) instantiates this file once per
// field, replacing `FIELD` with `fr` or `fq`.
//
// WGSL has no 64-bit integers and no high half of a 32x32 product, so a limb holds LIMB_BITS <= 16
// bits in a u32 word and every partial product fits in 32 bits. Elements are fully reduced (< p)
// between operations. With T = NL * LIMB_BITS, the kernels' internal Montgomery radix is R' = 2^T;
// the device layout's radix is R = 2^256 (equal when LIMB_BITS = 16).
//
// The limb-level code (`Limbs`, `FIELD_add`, `FIELD_sub`, `FIELD_mul`, `FIELD_reduce_once`,
// `FIELD_is_zero`, `FIELD_eq`, `FIELD_pack`, `FIELD_unpack`) and every constant (`FIELD_P`,
// `FIELD_MU`, `FIELD_ONE`, `FIELD_TO_DEV`, `FIELD_FROM_DEV`, `FIELD_TO_CANON`) are emitted before
// this file by host/wgpu/src/field_gen.rs from arkworks' description of the field, as straight-line
// code over the limbs of a struct. That is deliberate: limb arrays indexed in loops took Mesa's
// lavapipe (LLVM) about 0.5 s to compile per inlined multiplication, against ~12 ms for
// straight-line code whose multiplication rows are one loop (kernels/wgsl/README.md).

alias FIELD_t = Limbs;

fn FIELD_zero() -> Limbs {
    var r: Limbs;
    return r;
}

fn FIELD_one() -> Limbs {
    return FIELD_ONE;
}

fn FIELD_neg(a: Limbs) -> Limbs {
    return FIELD_sub(FIELD_zero(), a);
}

fn FIELD_double(a: Limbs) -> Limbs {
    return FIELD_add(a, a);
}

fn FIELD_square(a: Limbs) -> Limbs {
    return FIELD_mul(a, a);
}

// Device-layout Montgomery (radix 2^256) to the kernels' radix R' = 2^T: x*2^256 -> x*2^T.
fn FIELD_to_dev(a: Limbs) -> Limbs {
    if (T_IS_256) {
        return a;
    }
    return FIELD_mul(a, FIELD_TO_DEV);
}

// The kernels' radix back to the device layout's: x*2^T -> x*2^256.
fn FIELD_from_dev(a: Limbs) -> Limbs {
    if (T_IS_256) {
        return a;
    }
    return FIELD_mul(a, FIELD_FROM_DEV);
}
