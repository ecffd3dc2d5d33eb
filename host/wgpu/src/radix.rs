//! Between the device layout (Montgomery radix `R = 2^256`) and the kernels' radix `R' = 2^T`
//! (`T` = limbs x limb bits; equal to 256 for 16-bit limbs).
//!
//! Constants a kernel multiplies by (twiddles, coset powers, scale factors) are handed over in the
//! kernel radix, so that `mont_mul(data in R, c in R') = data * c in R` and data never needs
//! converting. Points the kernels return (XYZZ, radix R') are decoded here.

use ark_bn254::{Fq, Fq2, Fr};
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ff::{BigInt, BigInteger, Field, PrimeField, Zero};

use kiln_host::error::{Error, Result};
use kiln_host::layout::{self, FIELD_BYTES};

use super::shader::LimbShape;

/// `x * 2^T mod p` as eight little-endian words: a constant in the kernel radix.
pub fn kernel_words<F: PrimeField<BigInt = BigInt<4>>>(x: &F, shape: LimbShape) -> [u32; 8] {
    words_of(*x * F::from(2u64).pow([u64::from(shape.radix_bits())]))
}

/// The device-layout words of `x`'s canonical integer.
fn words_of<F: PrimeField<BigInt = BigInt<4>>>(x: F) -> [u32; 8] {
    let words = layout::bytes_to_words(&x.into_bigint().to_bytes_le());
    words.try_into().expect("a 256-bit integer is eight words")
}

/// Words of many Fr constants in the kernel radix, concatenated (a table for the kernels).
pub fn fr_table_bytes(values: &[Fr], shape: LimbShape) -> Vec<u8> {
    let radix = Fr::from(2u64).pow([u64::from(shape.radix_bits())]);
    let mut out = Vec::with_capacity(values.len() * FIELD_BYTES);
    for v in values {
        for w in words_of(*v * radix) {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    out
}

/// A coordinate field as the kernels return it.
pub trait KernelCoordinate: Field {
    /// Bytes of one coordinate.
    const BYTES: usize;
    /// Decodes a coordinate in the kernel radix (the integer `x * 2^T mod p`); `unscale` is
    /// `2^-T` in Fq. Rejects integers that are not reduced.
    fn read_kernel(bytes: &[u8], unscale: Fq) -> Result<Self>;
}

fn fq_from_kernel(bytes: &[u8], unscale: Fq) -> Result<Fq> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("chunks_exact(8)"));
    }
    let v = Fq::from_bigint(BigInt(limbs)).ok_or_else(|| Error::Device {
        op: "msm",
        message: "the device returned a coordinate that is not reduced".into(),
    })?;
    Ok(v * unscale)
}

impl KernelCoordinate for Fq {
    const BYTES: usize = FIELD_BYTES;
    fn read_kernel(bytes: &[u8], unscale: Fq) -> Result<Self> {
        fq_from_kernel(bytes, unscale)
    }
}

impl KernelCoordinate for Fq2 {
    const BYTES: usize = 2 * FIELD_BYTES;
    fn read_kernel(bytes: &[u8], unscale: Fq) -> Result<Self> {
        Ok(Fq2::new(
            fq_from_kernel(&bytes[..FIELD_BYTES], unscale)?,
            fq_from_kernel(&bytes[FIELD_BYTES..], unscale)?,
        ))
    }
}

/// `2^-T` in Fq: multiplies a kernel-radix integer back to the value it stands for.
pub fn fq_unscale(shape: LimbShape) -> Fq {
    Fq::from(2u64)
        .pow([u64::from(shape.radix_bits())])
        .inverse()
        .expect("2^T is invertible")
}

/// Decodes consecutive XYZZ points (`X || Y || ZZ || ZZZ`, kernel radix) into Jacobian points,
/// without inversions: `(X ZZ ZZZ^2, Y ZZ^3 ZZZ^2, ZZ ZZZ)` has `x = X/ZZ`, `y = Y/ZZZ`.
/// The points are not checked here; callers check what they finally return.
pub fn xyzz_to_jacobian<P>(bytes: &[u8], shape: LimbShape) -> Result<Vec<Projective<P>>>
where
    P: SWCurveConfig,
    P::BaseField: KernelCoordinate,
{
    let n = P::BaseField::BYTES;
    if !bytes.len().is_multiple_of(4 * n) {
        return Err(Error::Device {
            op: "msm",
            message: format!("{} bytes is not a whole number of XYZZ points", bytes.len()),
        });
    }
    let unscale = fq_unscale(shape);
    bytes
        .chunks_exact(4 * n)
        .map(|c| {
            let read = |j: usize| P::BaseField::read_kernel(&c[j * n..(j + 1) * n], unscale);
            let (x, y, zz, zzz) = (read(0)?, read(1)?, read(2)?, read(3)?);
            if zz.is_zero() {
                return Ok(Projective::<P>::zero());
            }
            let zzz2 = zzz.square();
            Ok(Projective::<P>::new_unchecked(
                x * zz * zzz2,
                y * zz.square() * zz * zzz2,
                zz * zzz,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn kernel_words_round_trip_through_unscale() {
        let mut rng = kiln_host::conformance::seeded_rng("kernel radix");
        for bits in 12..=16 {
            let shape = LimbShape::new(bits, false).unwrap();
            let x = Fq::rand(&mut rng);
            let words = kernel_words(&x, shape);
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(
                fq_from_kernel(&bytes, fq_unscale(shape)).unwrap(),
                x,
                "{bits}"
            );
        }
    }
}
