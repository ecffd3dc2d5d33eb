//! The GLV split of scalars (Gallant, Lambert and Vanstone, CRYPTO 2001).
//!
//! BN254's G1 and G2 have an endomorphism `phi(x, y) = (beta x, y)` that acts on the
//! prime-order group as multiplication by a scalar `lambda` (a cube root of unity mod `r`).
//! Every scalar splits as `k = k1 + lambda k2` with `|k1|, |k2| < 2^128`, so
//! `k P = k1 P + k2 phi(P)`: an MSM of `n` 254-bit scalars becomes one of `2n` 128-bit
//! scalars. The additions stay as many (twice the points, half the windows); what halves is the
//! windows' bucket reductions and the doublings between windows. `phi(P)` costs one
//! multiplication of `x` by `beta` (an `Fq` element, in G2 too), paid as the point is added
//! instead of storing a second copy of the bases.
//!
//! The split is Babai's rounding against the short lattice basis of arkworks' `GLVConfig`
//! (`SCALAR_DECOMP_COEFFS`), done in fixed-width integers: `m_i = round(k g_i / 2^256)` with
//! `g_i = floor(|n_i| 2^256 / r)` computed once. `m_i` may differ from the exact rounding by
//! one; that moves `(k1, k2)` by a lattice vector, which never breaks `k = k1 + lambda k2` and
//! keeps both halves within the bound [`Lattice::of`] checks.

use ark_bn254::Fr;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ff::{BigInt, BigInteger, PrimeField};
use num_bigint::BigUint;
use rayon::prelude::*;

/// Bits of each half of a split scalar.
pub const HALF_BITS: u32 = 128;

/// A 256-bit two's complement integer, arithmetic mod 2^256.
type Word = BigInt<4>;

fn negate(x: Word) -> Word {
    let mut out = Word::zero();
    out.sub_with_borrow(&x);
    out
}

fn signed(negative: bool, magnitude: Word) -> Word {
    if negative {
        negate(magnitude)
    } else {
        magnitude
    }
}

fn add(mut a: Word, b: &Word) -> Word {
    a.add_with_carry(b);
    a
}

/// A half as its sign and its low 128 bits of magnitude.
fn sign_and_magnitude(x: Word) -> (bool, [u64; 2]) {
    let negative = x.0[3] >> 63 == 1;
    let m = if negative { negate(x) } else { x };
    // Cannot fail for a basis Lattice::of accepted; checked because a wrong half would be a
    // wrong MSM, not a crash.
    assert!(
        m.0[2] == 0 && m.0[3] == 0,
        "a GLV half exceeds {HALF_BITS} bits"
    );
    (negative, [m.0[0], m.0[1]])
}

/// The decomposition constants of one curve.
pub struct Lattice {
    /// `floor(|n22| 2^256 / r)` and `floor(|n12| 2^256 / r)`.
    g22: Word,
    g12: Word,
    /// Whether `m1 = round(k |n22| / r)` enters as `-m1`, and `m2 = round(k |n12| / r)`.
    negate_m1: bool,
    negate_m2: bool,
    /// The basis `[[n11, n12], [n21, n22]]`, signed.
    n: [Word; 4],
}

impl Lattice {
    /// The constants for curve `P`; panics if its basis does not bound the halves by
    /// [`HALF_BITS`] (not the case for BN254's G1 and G2, whose halves stay below 2^127).
    pub fn of<P: GLVConfig<ScalarField = Fr>>() -> Self {
        let coeffs = P::SCALAR_DECOMP_COEFFS;
        let r = BigUint::from(Fr::MODULUS);
        let scaled = |c: &BigInt<4>| -> Word {
            let g = (BigUint::from(*c) << 256u32) / &r;
            Word::try_from(g).expect("g < 2^256 for a basis entry below r")
        };
        let n = coeffs.map(|(positive, magnitude)| signed(!positive, magnitude));
        // With |m_i - k |n_i| / r| < 1, each half is at most the sum of a column's entries.
        let bound = |a: usize, b: usize| {
            BigUint::from(coeffs[a].1) + BigUint::from(coeffs[b].1)
                < BigUint::from(1u8) << HALF_BITS
        };
        assert!(
            bound(0, 2) && bound(1, 3),
            "the GLV basis does not bound the halves by {HALF_BITS} bits"
        );
        Lattice {
            g22: scaled(&coeffs[3].1),
            g12: scaled(&coeffs[1].1),
            // beta1 = round(k n22 / r), beta2 = round(-k n12 / r), with the entries' signs.
            negate_m1: !coeffs[3].0,
            negate_m2: coeffs[1].0,
            n,
        }
    }

    /// `round(k g / 2^256)`.
    fn rounded_quotient(k: &Word, g: &Word) -> Word {
        let (low, high) = k.mul(g);
        let mut one = Word::zero();
        one.0[0] = low.0[3] >> 63;
        add(high, &one)
    }

    /// Splits canonical `k` into `(k1, k2)` with `k = k1 + lambda k2 (mod r)`, each as its sign
    /// and 128-bit magnitude.
    pub fn split(&self, k: &[u64; 4]) -> ((bool, [u64; 2]), (bool, [u64; 2])) {
        let k = BigInt(*k);
        let beta1 = signed(self.negate_m1, Self::rounded_quotient(&k, &self.g22));
        let beta2 = signed(self.negate_m2, Self::rounded_quotient(&k, &self.g12));
        let [n11, n12, n21, n22] = &self.n;
        let b1 = add(beta1.mul_low(n11), &beta2.mul_low(n21));
        let b2 = add(beta1.mul_low(n12), &beta2.mul_low(n22));
        let k1 = add(k, &negate(b1));
        let k2 = negate(b2);
        (sign_and_magnitude(k1), sign_and_magnitude(k2))
    }
}

/// Scalars split for an MSM over `2n` points: halves interleaved (`k1` of scalar `i` at `2i`,
/// `k2` at `2i + 1`) and their signs, bit 0 for `k1` and bit 1 for `k2`.
pub struct SplitScalars {
    pub halves: Vec<[u64; 2]>,
    pub negative: Vec<u8>,
}

impl SplitScalars {
    /// Splits canonical scalars in parallel.
    pub fn new<P: GLVConfig<ScalarField = Fr>>(canonical: &[[u64; 4]]) -> Self {
        let lattice = Lattice::of::<P>();
        let mut halves = vec![[0u64; 2]; 2 * canonical.len()];
        let mut negative = vec![0u8; canonical.len()];
        halves
            .par_chunks_mut(2)
            .zip(negative.par_iter_mut())
            .zip(canonical.par_iter())
            .for_each(|((pair, negative), k)| {
                let ((neg1, k1), (neg2, k2)) = lattice.split(k);
                pair.copy_from_slice(&[k1, k2]);
                *negative = u8::from(neg1) | u8::from(neg2) << 1;
            });
        SplitScalars { halves, negative }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{g1, g2};
    use ark_ff::{One, UniformRand, Zero};
    use kiln_host::conformance::seeded_rng;

    fn half(negative: bool, magnitude: [u64; 2]) -> Fr {
        let m = Fr::from(u128::from(magnitude[0]) | u128::from(magnitude[1]) << 64);
        if negative {
            -m
        } else {
            m
        }
    }

    fn check<P: GLVConfig<ScalarField = Fr>>(label: &str) {
        let mut rng = seeded_rng(label);
        let lattice = Lattice::of::<P>();
        let mut scalars = vec![
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            P::LAMBDA,
            -P::LAMBDA,
            Fr::from(u128::MAX),
        ];
        scalars.extend((0..2000).map(|_| Fr::rand(&mut rng)));
        for k in scalars {
            let ((neg1, k1), (neg2, k2)) = lattice.split(&k.into_bigint().0);
            let sum = half(neg1, k1) + P::LAMBDA * half(neg2, k2);
            assert_eq!(sum, k, "{label}: k = {k}");
            // The halves stay a bit below the 128 the windows allow.
            assert!(k1[1] >> 63 == 0 && k2[1] >> 63 == 0, "{label}: k = {k}");
        }
    }

    #[test]
    fn halves_recombine_to_the_scalar_g1() {
        check::<g1::Config>("glv split g1");
    }

    #[test]
    fn halves_recombine_to_the_scalar_g2() {
        check::<g2::Config>("glv split g2");
    }
}
