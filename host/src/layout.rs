//! # The kiln device data layout for BN254
//!
//! This module is the one place where the bytes that cross the device edge are defined. Every
//! backend (CUDA, WGSL, the FPGA card and its Verilator model) reads and writes exactly these
//! bytes, and these functions are the only conversions between them and arkworks types.
//!
//! ## Field elements (Fr, Fq): 32 bytes
//!
//! A field element is a 256-bit integer stored as **32 bytes, little-endian**: byte 0 is the least
//! significant. Read as words, it is eight little-endian `u32` limbs, least significant limb first
//! (equivalently four little-endian `u64` limbs), which is how 32-bit GPU and FPGA datapaths and
//! 64-bit CPU code all consume it without reordering.
//!
//! The integer is always fully reduced (`< p`); decoding rejects anything else. It is in one of two
//! [`Form`]s, chosen per use:
//!
//! | data | form | why |
//! | --- | --- | --- |
//! | resident scalars (Fr): NTT, vector and MSM data | [`Form::Montgomery`] | the kernels multiply; Montgomery form makes that cheap, and an NTT's output feeds an MSM without a conversion pass |
//! | MSM window digits | [`Form::Canonical`] | the bucket method slices the integer itself; each MSM driver converts its scalars first (the CUDA and WGSL digit kernels on the device, the FPGA driver on the host) |
//! | point coordinates (Fq, Fq2) | [`Form::Montgomery`] | curve arithmetic is all multiplications |
//!
//! Montgomery form of `x` is `x * 2^256 mod p` (R = 2^256 for both Fr and Fq), the same
//! representation arkworks keeps in memory.
//!
//! ## Fq2 (G2 coordinates): 64 bytes
//!
//! `c0 || c1`, where the element is `c0 + c1 * u` with `u^2 = -1`: the real part first. Each half is
//! an Fq element as above, in Montgomery form. (Ethereum's precompile calldata orders G2 coordinates
//! the other way, `c1` first; converting to it is the EVM frontend's business, not the device's.)
//!
//! ## Affine points: G1 64 bytes, G2 128 bytes
//!
//! `x || y`, coordinates in Montgomery form. G2 is therefore `x.c0 || x.c1 || y.c0 || y.c1`.
//! **The point at infinity is all zero bytes.** `(0, 0)` is not on either curve (`0 != 0 + 3` on
//! G1, `0 != b'` on the twist), so the encoding is unambiguous, and zero-filled memory is a valid
//! array of infinities, which is what device MSMs want for padding.
//!
//! ## Jacobian points (device results): G1 96 bytes, G2 192 bytes
//!
//! `X || Y || Z` with `x = X / Z^2`, `y = Y / Z^3`, Montgomery form. Any `Z = 0` means infinity;
//! infinity is written as `(1, 1, 0)`, the arkworks zero, and zero-filled memory decodes as
//! infinity. Decoding checks that a finite point lies on the curve and in the subgroup, so a
//! device that returns garbage is caught at the edge.
//!
//! Decoding never panics on user or device bytes: every failure is a [`LayoutError`].

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{
    short_weierstrass::{Affine, Projective, SWCurveConfig},
    AffineRepr,
};
use ark_ff::{BigInt, Fp, MontBackend, MontConfig, PrimeField, Zero};
use thiserror::Error;

/// Bytes in one field element.
pub const FIELD_BYTES: usize = 32;
/// Bytes in one affine G1 point.
pub const G1_AFFINE_BYTES: usize = 2 * FIELD_BYTES;
/// Bytes in one affine G2 point.
pub const G2_AFFINE_BYTES: usize = 4 * FIELD_BYTES;
/// Bytes in one Jacobian G1 point.
pub const G1_JACOBIAN_BYTES: usize = 3 * FIELD_BYTES;
/// Bytes in one Jacobian G2 point.
pub const G2_JACOBIAN_BYTES: usize = 6 * FIELD_BYTES;

/// How a field element's integer is stored (see the module docs for which use takes which).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The element's value itself, `0 <= x < p`.
    Canonical,
    /// `x * 2^256 mod p`.
    Montgomery,
}

/// Bytes that are not a valid encoding.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LayoutError {
    #[error("{what}: integer is not below the field modulus")]
    NotReduced { what: &'static str },
    #[error("{what}: point is not on the curve")]
    NotOnCurve { what: &'static str },
    #[error("{what}: point is not in the prime-order subgroup")]
    NotInSubgroup { what: &'static str },
    #[error("{what}: expected a multiple of {unit} bytes, got {len}")]
    BadLength {
        what: &'static str,
        unit: usize,
        len: usize,
    },
}

type Bn254Fp<C> = Fp<MontBackend<C, 4>, 4>;

fn limbs_from_bytes(bytes: &[u8; FIELD_BYTES]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("chunks_exact(8)"));
    }
    BigInt(limbs)
}

fn limbs_to_bytes(limbs: &BigInt<4>) -> [u8; FIELD_BYTES] {
    let mut out = [0u8; FIELD_BYTES];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(limbs.0.iter()) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
    out
}

/// Encodes a BN254 field element (Fr or Fq) in the given form.
pub fn field_to_bytes<C: MontConfig<4>>(x: &Bn254Fp<C>, form: Form) -> [u8; FIELD_BYTES] {
    match form {
        Form::Canonical => limbs_to_bytes(&x.into_bigint()),
        // `Fp.0` is arkworks' in-memory Montgomery representation, already reduced.
        Form::Montgomery => limbs_to_bytes(&x.0),
    }
}

/// Decodes a BN254 field element (Fr or Fq); rejects integers `>= p`.
pub fn field_from_bytes<C: MontConfig<4>>(
    bytes: &[u8; FIELD_BYTES],
    form: Form,
    what: &'static str,
) -> Result<Bn254Fp<C>, LayoutError> {
    let limbs = limbs_from_bytes(bytes);
    if limbs >= C::MODULUS {
        return Err(LayoutError::NotReduced { what });
    }
    Ok(match form {
        Form::Canonical => {
            Bn254Fp::<C>::from_bigint(limbs).ok_or(LayoutError::NotReduced { what })?
        }
        Form::Montgomery => Bn254Fp::<C>::new_unchecked(limbs),
    })
}

/// The `index`-th `N`-byte chunk; callers pass slices whose length they have checked.
fn chunk<const N: usize>(bytes: &[u8], index: usize) -> &[u8; N] {
    bytes[index * N..(index + 1) * N]
        .try_into()
        .expect("caller checked the length")
}

fn exact<'a, const N: usize>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<&'a [u8; N], LayoutError> {
    bytes.try_into().map_err(|_| LayoutError::BadLength {
        what,
        unit: N,
        len: bytes.len(),
    })
}

/// Encodes an Fr element.
pub fn fr_to_bytes(x: &Fr, form: Form) -> [u8; FIELD_BYTES] {
    field_to_bytes(x, form)
}

/// Decodes an Fr element.
pub fn fr_from_bytes(bytes: &[u8; FIELD_BYTES], form: Form) -> Result<Fr, LayoutError> {
    field_from_bytes(bytes, form, "Fr element")
}

/// Encodes an Fq element.
pub fn fq_to_bytes(x: &Fq, form: Form) -> [u8; FIELD_BYTES] {
    field_to_bytes(x, form)
}

/// Decodes an Fq element.
pub fn fq_from_bytes(bytes: &[u8; FIELD_BYTES], form: Form) -> Result<Fq, LayoutError> {
    field_from_bytes(bytes, form, "Fq element")
}

/// Encodes an Fq2 element as `c0 || c1`, each in the given form.
pub fn fq2_to_bytes(x: &Fq2, form: Form) -> [u8; 2 * FIELD_BYTES] {
    let mut out = [0u8; 2 * FIELD_BYTES];
    out[..FIELD_BYTES].copy_from_slice(&fq_to_bytes(&x.c0, form));
    out[FIELD_BYTES..].copy_from_slice(&fq_to_bytes(&x.c1, form));
    out
}

/// Decodes an Fq2 element from `c0 || c1`.
pub fn fq2_from_bytes(bytes: &[u8; 2 * FIELD_BYTES], form: Form) -> Result<Fq2, LayoutError> {
    Ok(Fq2::new(
        fq_from_bytes(chunk(bytes, 0), form)?,
        fq_from_bytes(chunk(bytes, 1), form)?,
    ))
}

/// A coordinate field as the layout stores it: Fq (G1) or Fq2 (G2), always in Montgomery form.
pub trait Coordinate: Sized + Copy + Zero {
    /// Bytes per coordinate.
    const BYTES: usize;
    /// Writes the coordinate into `out`, which is exactly `BYTES` long.
    fn write(&self, out: &mut [u8]);
    /// Reads a coordinate from `bytes`; any length other than `BYTES` is an error.
    fn read(bytes: &[u8]) -> Result<Self, LayoutError>;
}

impl Coordinate for Fq {
    const BYTES: usize = FIELD_BYTES;
    fn write(&self, out: &mut [u8]) {
        out.copy_from_slice(&fq_to_bytes(self, Form::Montgomery));
    }
    fn read(bytes: &[u8]) -> Result<Self, LayoutError> {
        fq_from_bytes(exact(bytes, "Fq coordinate")?, Form::Montgomery)
    }
}

impl Coordinate for Fq2 {
    const BYTES: usize = 2 * FIELD_BYTES;
    fn write(&self, out: &mut [u8]) {
        out.copy_from_slice(&fq2_to_bytes(self, Form::Montgomery));
    }
    fn read(bytes: &[u8]) -> Result<Self, LayoutError> {
        fq2_from_bytes(exact(bytes, "Fq2 coordinate")?, Form::Montgomery)
    }
}

/// Encodes an affine point (G1 or G2) as `x || y`; infinity is all zero bytes.
pub fn affine_to_bytes<P>(p: &Affine<P>) -> Vec<u8>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let n = P::BaseField::BYTES;
    let mut out = vec![0u8; 2 * n];
    if !p.is_zero() {
        p.x.write(&mut out[..n]);
        p.y.write(&mut out[n..]);
    }
    out
}

/// How much a decoder checks of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointCheck {
    /// On the curve and in the prime-order subgroup (the default).
    Full,
    /// On the curve only. The subgroup check costs a 128-bit scalar multiplication per G2 point,
    /// the dominant cost of loading a large key; callers that skip it must say why it is safe.
    OnCurveOnly,
}

/// Decodes an affine point; all-zero bytes are infinity. Checks the point is on the curve and in
/// the prime-order subgroup (the check matters for G2, whose twist has a cofactor).
pub fn affine_from_bytes<P>(bytes: &[u8], what: &'static str) -> Result<Affine<P>, LayoutError>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    affine_from_bytes_checked(bytes, what, PointCheck::Full)
}

/// [`affine_from_bytes`] with a choice of how much to check.
pub fn affine_from_bytes_checked<P>(
    bytes: &[u8],
    what: &'static str,
    check: PointCheck,
) -> Result<Affine<P>, LayoutError>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let n = P::BaseField::BYTES;
    if bytes.len() != 2 * n {
        return Err(LayoutError::BadLength {
            what,
            unit: 2 * n,
            len: bytes.len(),
        });
    }
    if bytes.iter().all(|&b| b == 0) {
        return Ok(Affine::identity());
    }
    let p = Affine::<P>::new_unchecked(
        P::BaseField::read(&bytes[..n])?,
        P::BaseField::read(&bytes[n..])?,
    );
    if !p.is_on_curve() {
        return Err(LayoutError::NotOnCurve { what });
    }
    if check == PointCheck::Full && !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(LayoutError::NotInSubgroup { what });
    }
    Ok(p)
}

/// Encodes a Jacobian point as `X || Y || Z`; infinity as `(1, 1, 0)`.
pub fn jacobian_to_bytes<P>(p: &Projective<P>) -> Vec<u8>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let n = P::BaseField::BYTES;
    let mut out = vec![0u8; 3 * n];
    let canonical = if p.z.is_zero() {
        Projective::<P>::zero()
    } else {
        *p
    };
    canonical.x.write(&mut out[..n]);
    canonical.y.write(&mut out[n..2 * n]);
    canonical.z.write(&mut out[2 * n..]);
    out
}

/// Decodes a Jacobian point; `Z = 0` is infinity; a finite point must lie on the curve and in
/// the prime-order subgroup.
pub fn jacobian_from_bytes<P>(
    bytes: &[u8],
    what: &'static str,
) -> Result<Projective<P>, LayoutError>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let n = P::BaseField::BYTES;
    if bytes.len() != 3 * n {
        return Err(LayoutError::BadLength {
            what,
            unit: 3 * n,
            len: bytes.len(),
        });
    }
    let x = P::BaseField::read(&bytes[..n])?;
    let y = P::BaseField::read(&bytes[n..2 * n])?;
    let z = P::BaseField::read(&bytes[2 * n..])?;
    if z.is_zero() {
        return Ok(Projective::zero());
    }
    let p = Projective::<P>::new_unchecked(x, y, z);
    // `Affine::from` divides out Z; the on-curve check is then the affine one.
    let affine = Affine::<P>::from(p);
    if !affine.is_on_curve() {
        return Err(LayoutError::NotOnCurve { what });
    }
    if !affine.is_in_correct_subgroup_assuming_on_curve() {
        return Err(LayoutError::NotInSubgroup { what });
    }
    Ok(p)
}

/// Encodes a G1 affine point (64 bytes).
pub fn g1_to_bytes(p: &G1Affine) -> [u8; G1_AFFINE_BYTES] {
    affine_to_bytes(p)
        .try_into()
        .expect("G1 encoding is 64 bytes")
}

/// Decodes a G1 affine point.
pub fn g1_from_bytes(bytes: &[u8; G1_AFFINE_BYTES]) -> Result<G1Affine, LayoutError> {
    affine_from_bytes(bytes, "G1 point")
}

/// Encodes a G2 affine point (128 bytes).
pub fn g2_to_bytes(p: &G2Affine) -> [u8; G2_AFFINE_BYTES] {
    affine_to_bytes(p)
        .try_into()
        .expect("G2 encoding is 128 bytes")
}

/// Decodes a G2 affine point.
pub fn g2_from_bytes(bytes: &[u8; G2_AFFINE_BYTES]) -> Result<G2Affine, LayoutError> {
    affine_from_bytes(bytes, "G2 point")
}

/// Encodes a G1 Jacobian point (96 bytes).
pub fn g1_jacobian_to_bytes(p: &G1Projective) -> [u8; G1_JACOBIAN_BYTES] {
    jacobian_to_bytes(p)
        .try_into()
        .expect("G1 Jacobian encoding is 96 bytes")
}

/// Decodes a G1 Jacobian point.
pub fn g1_jacobian_from_bytes(
    bytes: &[u8; G1_JACOBIAN_BYTES],
) -> Result<G1Projective, LayoutError> {
    jacobian_from_bytes(bytes, "G1 Jacobian point")
}

/// Encodes a G2 Jacobian point (192 bytes).
pub fn g2_jacobian_to_bytes(p: &G2Projective) -> [u8; G2_JACOBIAN_BYTES] {
    jacobian_to_bytes(p)
        .try_into()
        .expect("G2 Jacobian encoding is 192 bytes")
}

/// Decodes a G2 Jacobian point.
pub fn g2_jacobian_from_bytes(
    bytes: &[u8; G2_JACOBIAN_BYTES],
) -> Result<G2Projective, LayoutError> {
    jacobian_from_bytes(bytes, "G2 Jacobian point")
}

/// The device layout's 32-bit words of a buffer image: little-endian, word 0 first. Kernels that
/// compute on 32-bit limbs (CUDA, WGSL) see a buffer as these words; a trailing partial word is
/// a caller bug (images are whole elements), so it is ignored only after a debug assertion.
pub fn bytes_to_words(bytes: &[u8]) -> Vec<u32> {
    debug_assert!(
        bytes.len().is_multiple_of(4),
        "a buffer image is whole words"
    );
    bytes.chunks_exact(4).map(le_word).collect()
}

/// One little-endian word from four bytes.
fn le_word(c: &[u8]) -> u32 {
    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
}

/// The buffer image of device-layout words (the inverse of [`bytes_to_words`]).
pub fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// The device-layout words of a slice of scalars, in one pass ([`scalars_to_bytes`] read as
/// words): what 32-bit kernels upload for every proof, so no intermediate byte image.
pub fn scalars_to_words(values: &[Fr], form: Form) -> Vec<u32> {
    let mut out = Vec::with_capacity(values.len() * FIELD_BYTES / 4);
    for v in values {
        out.extend(fr_to_bytes(v, form).chunks_exact(4).map(le_word));
    }
    out
}

/// Encodes a slice of scalars into one contiguous device buffer image.
pub fn scalars_to_bytes(values: &[Fr], form: Form) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * FIELD_BYTES);
    for v in values {
        out.extend_from_slice(&fr_to_bytes(v, form));
    }
    out
}

/// Decodes a contiguous buffer image of scalars.
pub fn scalars_from_bytes(bytes: &[u8], form: Form) -> Result<Vec<Fr>, LayoutError> {
    if !bytes.len().is_multiple_of(FIELD_BYTES) {
        return Err(LayoutError::BadLength {
            what: "Fr array",
            unit: FIELD_BYTES,
            len: bytes.len(),
        });
    }
    bytes
        .chunks_exact(FIELD_BYTES)
        .map(|c| fr_from_bytes(c.try_into().expect("chunks_exact"), form))
        .collect()
}

/// Encodes a slice of affine points (G1 or G2) into one contiguous device buffer image.
pub fn points_to_bytes<P>(points: &[Affine<P>]) -> Vec<u8>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let mut out = Vec::with_capacity(points.len() * 2 * P::BaseField::BYTES);
    for p in points {
        out.extend_from_slice(&affine_to_bytes(p));
    }
    out
}

/// Decodes a contiguous buffer image of affine points, validating each one.
pub fn points_from_bytes<P>(bytes: &[u8], what: &'static str) -> Result<Vec<Affine<P>>, LayoutError>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate,
{
    let unit = 2 * P::BaseField::BYTES;
    if !bytes.len().is_multiple_of(unit) {
        return Err(LayoutError::BadLength {
            what,
            unit,
            len: bytes.len(),
        });
    }
    bytes
        .chunks_exact(unit)
        .map(|c| affine_from_bytes(c, what))
        .collect()
}
