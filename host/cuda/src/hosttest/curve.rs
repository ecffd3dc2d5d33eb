//! The curve arithmetic of `kernels/cuda/ec/xyzz.cuh` on arkworks points, for G1 (Fq) and G2
//! (Fq2).

use ark_bn254::{g1, g2};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{Field, Zero};
use kiln_host::layout::{self, Coordinate};

use super::ffi;
use kiln_host::layout::{bytes_to_words as words, words_to_bytes as bytes};

/// A group the kernels implement, with its code in `kh_curve_op`.
pub trait Group: SWCurveConfig<BaseField: Coordinate> {
    const ID: u32;
}

impl Group for g1::Config {
    const ID: u32 = 1;
}

impl Group for g2::Config {
    const ID: u32 = 2;
}

/// A point in XYZZ coordinates: x = X / ZZ, y = Y / ZZZ; ZZ = 0 is infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xyzz<P: Group> {
    pub x: P::BaseField,
    pub y: P::BaseField,
    pub zz: P::BaseField,
    pub zzz: P::BaseField,
}

impl<P: Group> Xyzz<P> {
    pub fn infinity() -> Self {
        let z = P::BaseField::zero();
        Xyzz {
            x: z,
            y: z,
            zz: z,
            zzz: z,
        }
    }

    /// The point scaled by `lambda`: (x l^2, y l^3, l^2, l^3), a non-trivial representative.
    pub fn scaled(p: &Affine<P>, lambda: P::BaseField) -> Self {
        if p.is_zero() {
            return Self::infinity();
        }
        let l2 = lambda.square();
        let l3 = l2 * lambda;
        Xyzz {
            x: p.x * l2,
            y: p.y * l3,
            zz: l2,
            zzz: l3,
        }
    }

    /// Affine form, checking the representation's invariant ZZ^3 = ZZZ^2.
    pub fn to_affine(&self) -> Affine<P> {
        if self.zz.is_zero() {
            return Affine::identity();
        }
        assert_eq!(
            self.zz.square() * self.zz,
            self.zzz.square(),
            "XYZZ invariant ZZ^3 = ZZZ^2 broken"
        );
        let x = self.x * self.zz.inverse().expect("non-zero");
        let y = self.y * self.zzz.inverse().expect("non-zero");
        Affine::new_unchecked(x, y)
    }

    pub fn to_words(&self) -> Vec<u32> {
        let n = P::BaseField::BYTES;
        let mut b = vec![0u8; 4 * n];
        for (i, c) in [self.x, self.y, self.zz, self.zzz].iter().enumerate() {
            c.write(&mut b[i * n..(i + 1) * n]);
        }
        words(&b)
    }

    pub fn from_words(w: &[u32]) -> Self {
        let b = bytes(w);
        let n = P::BaseField::BYTES;
        let c = |i: usize| P::BaseField::read(&b[i * n..(i + 1) * n]).expect("reduced coordinate");
        Xyzz {
            x: c(0),
            y: c(1),
            zz: c(2),
            zzz: c(3),
        }
    }
}

#[repr(u32)]
#[derive(Clone, Copy, Debug)]
enum CurveOp {
    Add = 0,
    AddAffine = 1,
    Dbl = 2,
    ToJacobian = 3,
    MulSmall = 4,
    FromAffine = 5,
}

fn run<P: Group>(op: CurveOp, a: &[u32], b: &[u32], k: u32, out_words: usize) -> Vec<u32> {
    let xyzz_words = 4 * P::BaseField::BYTES / 4;
    assert_eq!(a.len(), xyzz_words);
    assert!(b.len() <= xyzz_words);
    let mut b_padded = b.to_vec();
    b_padded.resize(xyzz_words, 0);
    let mut out = vec![0u32; out_words];
    // SAFETY: a and b cover an XYZZ point; out covers what the op writes.
    let status = unsafe {
        ffi::kh_curve_op(
            P::ID,
            op as u32,
            a.as_ptr(),
            b_padded.as_ptr(),
            k,
            out.as_mut_ptr(),
        )
    };
    assert_eq!(status, 0, "kh_curve_op({op:?}) refused");
    out
}

fn xyzz_op<P: Group>(op: CurveOp, a: &Xyzz<P>, b: &[u32], k: u32) -> Xyzz<P> {
    Xyzz::from_words(&run::<P>(op, &a.to_words(), b, k, P::BaseField::BYTES))
}

/// `a + b` (add-2008-s with its exceptional cases).
pub fn add<P: Group>(a: &Xyzz<P>, b: &Xyzz<P>) -> Xyzz<P> {
    xyzz_op(CurveOp::Add, a, &b.to_words(), 0)
}

/// `a + q` for affine q (madd-2008-s).
pub fn add_affine<P: Group>(a: &Xyzz<P>, q: &Affine<P>) -> Xyzz<P> {
    xyzz_op(
        CurveOp::AddAffine,
        a,
        &words(&layout::affine_to_bytes(q)),
        0,
    )
}

/// `2a`.
pub fn dbl<P: Group>(a: &Xyzz<P>) -> Xyzz<P> {
    xyzz_op(CurveOp::Dbl, a, &[], 0)
}

/// `k a`.
pub fn mul_small<P: Group>(a: &Xyzz<P>, k: u32) -> Xyzz<P> {
    xyzz_op(CurveOp::MulSmall, a, &[], k)
}

/// The kernels' conversion of an affine point (infinity included) to XYZZ.
pub fn from_affine<P: Group>(q: &Affine<P>) -> Xyzz<P> {
    xyzz_op(
        CurveOp::FromAffine,
        &Xyzz::infinity(),
        &words(&layout::affine_to_bytes(q)),
        0,
    )
}

/// The kernels' Jacobian output, decoded (and validated) by the device layout.
pub fn to_jacobian<P: Group>(a: &Xyzz<P>) -> Projective<P> {
    let w = run::<P>(
        CurveOp::ToJacobian,
        &a.to_words(),
        &[],
        0,
        3 * P::BaseField::BYTES / 4,
    );
    layout::jacobian_from_bytes(&bytes(&w), "kernel Jacobian output")
        .expect("the kernel's Jacobian output decodes")
}
