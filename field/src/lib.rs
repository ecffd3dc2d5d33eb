//! Branch-free addition and subtraction for arkworks' 4-limb Montgomery fields.
//!
//! arkworks' `Fp` addition ends with a comparison against the modulus and its subtraction starts
//! with a comparison of the operands; on random field elements each of those branches goes
//! either way half the time, and the mispredictions make an addition plus a subtraction cost
//! 16 to 17 ns on kiln's 2-vCPU Xeon, three quarters of a multiplication (22 ns). Computed with
//! carry chains and a mask instead, the pair costs 11.6 ns, and a radix-2 butterfly (one
//! addition, one subtraction, one multiplication) 8% to 32% less (`examples/field_ops.rs`;
//! BENCHMARKS.md). The multiplication stays arkworks' (its `asm` feature measured no faster for
//! Fq here).
//!
//! The results are the same canonical Montgomery representations arkworks computes, so they
//! mix freely with arkworks' own operations; `field/tests/branch_free.rs` checks them against
//! arkworks on random values and at 0, 1, p - 1.

pub mod chord;
#[cfg(target_arch = "x86_64")]
pub mod ifma;
pub mod inverse;

pub use chord::{chord_batch_serial, ChordBatch};
pub use inverse::{batch_invert, Invert};

use ark_ff::{BigInt, Fp2, Fp256, Fp2Config, MontBackend, MontConfig};

/// A 4-limb Montgomery field element (BN254's `Fr` and `Fq`).
pub type Fp4<C> = Fp256<MontBackend<C, 4>>;

#[inline(always)]
fn add_carry(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
fn sub_borrow(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, (t >> 127) as u64)
}

/// `x - y` over the limbs, with the borrow out of the top limb.
#[inline(always)]
fn sub_limbs(x: &[u64; 4], y: &[u64; 4]) -> ([u64; 4], u64) {
    let (d0, k) = sub_borrow(x[0], y[0], 0);
    let (d1, k) = sub_borrow(x[1], y[1], k);
    let (d2, k) = sub_borrow(x[2], y[2], k);
    let (d3, k) = sub_borrow(x[3], y[3], k);
    ([d0, d1, d2, d3], k)
}

/// `x + y` over the limbs, dropping the carry out of the top limb.
#[inline(always)]
fn add_limbs(x: &[u64; 4], y: &[u64; 4]) -> [u64; 4] {
    let (s0, c) = add_carry(x[0], y[0], 0);
    let (s1, c) = add_carry(x[1], y[1], c);
    let (s2, c) = add_carry(x[2], y[2], c);
    let (s3, _) = add_carry(x[3], y[3], c);
    [s0, s1, s2, s3]
}

/// Reduces `s < 2p` to `[0, p)`: `s - p` unless that borrows.
#[inline(always)]
fn reduce_once<C: MontConfig<4>>(s: [u64; 4]) -> Fp4<C> {
    let (t, borrow) = sub_limbs(&s, &C::MODULUS.0);
    // All ones when s < p: keep s.
    let keep = 0u64.wrapping_sub(borrow);
    let pick = |i: usize| t[i] ^ ((t[i] ^ s[i]) & keep);
    Fp4::<C>::new_unchecked(BigInt([pick(0), pick(1), pick(2), pick(3)]))
}

/// `a + b`. Needs a modulus below 2^255 (true of BN254's fields) so the sum fits in 4 limbs.
#[inline(always)]
pub fn add<C: MontConfig<4>>(a: &Fp4<C>, b: &Fp4<C>) -> Fp4<C> {
    debug_assert!(
        C::MODULUS.0[3] >> 63 == 0,
        "the modulus must leave the top bit spare"
    );
    reduce_once(add_limbs(&(a.0).0, &(b.0).0))
}

/// `a - b`.
#[inline(always)]
pub fn sub<C: MontConfig<4>>(a: &Fp4<C>, b: &Fp4<C>) -> Fp4<C> {
    let (d, borrow) = sub_limbs(&(a.0).0, &(b.0).0);
    // Add p back when the difference went below zero.
    let mask = 0u64.wrapping_sub(borrow);
    let p = &C::MODULUS.0;
    let r = add_limbs(&d, &[p[0] & mask, p[1] & mask, p[2] & mask, p[3] & mask]);
    Fp4::<C>::new_unchecked(BigInt(r))
}

/// Branch-free `+`, `-` and doubling for a field: the 4-limb prime fields and their quadratic
/// extensions (BN254's `Fq2`, the base field of G2), so that curve code generic over G1 and G2
/// can use them.
pub trait BranchFree: Copy {
    fn add_bf(&self, other: &Self) -> Self;
    fn sub_bf(&self, other: &Self) -> Self;
    fn double_bf(&self) -> Self {
        self.add_bf(self)
    }
}

impl<C: MontConfig<4>> BranchFree for Fp4<C> {
    #[inline(always)]
    fn add_bf(&self, other: &Self) -> Self {
        add(self, other)
    }

    #[inline(always)]
    fn sub_bf(&self, other: &Self) -> Self {
        sub(self, other)
    }
}

impl<P: Fp2Config> BranchFree for Fp2<P>
where
    P::Fp: BranchFree,
{
    #[inline(always)]
    fn add_bf(&self, other: &Self) -> Self {
        Fp2::new(self.c0.add_bf(&other.c0), self.c1.add_bf(&other.c1))
    }

    #[inline(always)]
    fn sub_bf(&self, other: &Self) -> Self {
        Fp2::new(self.c0.sub_bf(&other.c0), self.c1.sub_bf(&other.c1))
    }
}
