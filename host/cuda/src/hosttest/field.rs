//! The field arithmetic of `kernels/cuda/ff` (Montgomery on eight 32-bit limbs), on arkworks
//! values. Inputs and outputs cross in the device layout (Montgomery form).

use ark_bn254::{Fq, Fq2, Fr};
use kiln_host::layout::{self, Form};

use super::ffi;
use kiln_host::layout::{bytes_to_words as words, words_to_bytes as bytes};

/// An operation of `mont_t` / `fq2_t` (the codes of `kh_field_op` in emulator.cpp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum FieldOp {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Sqr = 3,
    Neg = 4,
    Dbl = 5,
    /// Montgomery form to canonical (Fr and Fq only).
    FromMontgomery = 6,
    /// Canonical to Montgomery form (Fr and Fq only).
    ToMontgomery = 7,
}

/// Runs `op` in field `field` (0 Fr, 1 Fq, 2 Fq2) on raw words.
pub fn raw(field: u32, op: FieldOp, a: &[u32], b: &[u32]) -> Vec<u32> {
    let n = if field == 2 { 16 } else { 8 };
    assert!(a.len() == n && b.len() == n, "operands are {n} words");
    let mut out = vec![0u32; n];
    // SAFETY: every pointer covers n words, as the C side reads and writes.
    let status =
        unsafe { ffi::kh_field_op(field, op as u32, a.as_ptr(), b.as_ptr(), out.as_mut_ptr()) };
    assert_eq!(status, 0, "kh_field_op({field}, {op:?}) refused");
    out
}

/// `op` on Fr elements (device layout, Montgomery form).
pub fn fr(op: FieldOp, a: &Fr, b: &Fr) -> Fr {
    let out = raw(
        0,
        op,
        &words(&layout::fr_to_bytes(a, Form::Montgomery)),
        &words(&layout::fr_to_bytes(b, Form::Montgomery)),
    );
    let b: [u8; 32] = bytes(&out).try_into().expect("32 bytes");
    layout::fr_from_bytes(&b, Form::Montgomery)
        .expect("the kernel returned an unreduced Fr element")
}

/// `op` on Fq elements.
pub fn fq(op: FieldOp, a: &Fq, b: &Fq) -> Fq {
    let out = raw(
        1,
        op,
        &words(&layout::fq_to_bytes(a, Form::Montgomery)),
        &words(&layout::fq_to_bytes(b, Form::Montgomery)),
    );
    let b: [u8; 32] = bytes(&out).try_into().expect("32 bytes");
    layout::fq_from_bytes(&b, Form::Montgomery)
        .expect("the kernel returned an unreduced Fq element")
}

/// `op` on Fq2 elements.
pub fn fq2(op: FieldOp, a: &Fq2, b: &Fq2) -> Fq2 {
    let out = raw(
        2,
        op,
        &words(&layout::fq2_to_bytes(a, Form::Montgomery)),
        &words(&layout::fq2_to_bytes(b, Form::Montgomery)),
    );
    let b: [u8; 64] = bytes(&out).try_into().expect("64 bytes");
    layout::fq2_from_bytes(&b, Form::Montgomery)
        .expect("the kernel returned an unreduced Fq2 element")
}
