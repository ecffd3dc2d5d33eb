//! Field inversion by Bernstein and Yang's safegcd, in variable time (crypto-bigint's
//! `invert_vartime`), for the one inversion each batch of affine bucket additions shares.
//!
//! arkworks inverts with a binary extended Euclid: 6.0 to 6.1 µs for BN254's `Fq` on machine B,
//! about 300 multiplications, which an MSM pays once per batch of a thousand chord additions
//! and once per segment pass of its running sums (about 7 % of a 2^16-point G1 MSM). safegcd's
//! divsteps take 2.2 µs (`field/examples/field_ops.rs`). Variable time leaks no more than
//! arkworks' inversion, which is variable-time too.
//!
//! The value inverted is arkworks' Montgomery form `a R`; safegcd returns `(a R)^-1 = a^-1 R^-1`,
//! and one Montgomery multiplication by `R^3` turns that into `a^-1 R`, arkworks' form of
//! `a^-1`. An `Fp2` element is inverted through its norm, one `Fp` inversion.

use ark_ff::{BigInt, Field, Fp2, Fp2Config, MontConfig};

use crate::Fp4;

/// A field whose inversion is faster here than arkworks' (same results).
pub trait Invert: Field {
    /// `self^-1`, or `None` for zero.
    fn invert(&self) -> Option<Self>;
}

#[cfg(target_pointer_width = "64")]
impl<C: MontConfig<4>> Invert for Fp4<C> {
    fn invert(&self) -> Option<Self> {
        use crypto_bigint::{Inverter, Odd, PrecomputeInverter, U256};
        // A prime modulus is odd; the inverter's constants cost a few nanoseconds.
        let modulus: Option<Odd<U256>> = Odd::new(U256::from_words(C::MODULUS.0)).into();
        let inverter = modulus?.precompute_inverter();
        let inverse: Option<U256> = inverter
            .invert_vartime(&U256::from_words((self.0).0))
            .into();
        // R^2 squared in Montgomery form is R^4 / R = R^3.
        let r_cubed = Self::new_unchecked(C::R2).square();
        Some(Self::new_unchecked(BigInt(inverse?.to_words())) * r_cubed)
    }
}

#[cfg(not(target_pointer_width = "64"))]
impl<C: MontConfig<4>> Invert for Fp4<C> {
    fn invert(&self) -> Option<Self> {
        self.inverse()
    }
}

impl<P: Fp2Config> Invert for Fp2<P>
where
    P::Fp: Invert,
{
    /// `(c0 + c1 u)^-1 = (c0 - c1 u) / (c0^2 - beta c1^2)` with `u^2 = beta`.
    fn invert(&self) -> Option<Self> {
        let norm = self.c0.square() - P::NONRESIDUE * self.c1.square();
        let t = norm.invert()?;
        Some(Fp2::new(self.c0 * t, -(self.c1 * t)))
    }
}

/// Replaces every nonzero value by its inverse with one inversion (Montgomery's trick: prefix
/// products, one inversion of their total, then back through them); zeros stay zero.
pub fn batch_invert<F: Invert>(values: &mut [F]) {
    let mut prefix = vec![F::ONE; values.len()];
    batch_invert_using(values, &mut prefix);
}

/// [`batch_invert`] for a fixed handful of values, without allocating.
pub fn batch_invert_array<F: Invert, const N: usize>(values: &mut [F; N]) {
    let mut prefix = [F::ONE; N];
    batch_invert_using(values, &mut prefix);
}

/// [`batch_invert`] with room for the prefix products (as many as values).
fn batch_invert_using<F: Invert>(values: &mut [F], prefix: &mut [F]) {
    let mut total = F::ONE;
    for (p, v) in prefix.iter_mut().zip(values.iter()) {
        *p = total;
        if !v.is_zero() {
            total *= v;
        }
    }
    // A product of nonzero field elements is nonzero.
    let Some(mut inverse) = total.invert() else {
        return;
    };
    for (v, before) in values.iter_mut().zip(prefix.iter()).rev() {
        if v.is_zero() {
            continue;
        }
        let value = *v;
        *v = inverse * before;
        inverse *= value;
    }
}
