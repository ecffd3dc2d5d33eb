//! Native setups, byte-identical to snarkjs's: a local powers of tau ([`ptau`]), and the
//! circuit-specific Groth16 ([`groth16`]) and PLONK ([`plonk`]) keys made from a circom `.r1cs`
//! and a prepared `.ptau`.
//!
//! Byte identity is the point: a kiln-made key is interchangeable with `snarkjs groth16 setup` /
//! `snarkjs plonk setup` output (same circuit hash, so `snarkjs zkey contribute` and
//! `zkey verify` accept it), and the setups are checked against snarkjs byte for byte in
//! `tests/setup_interop.rs`. Every point a setup computes is determined by the math (an MSM of
//! the circuit's coefficients over the ptau's points), so computing it differently from snarkjs
//! (arkworks MSMs instead of snarkjs's chunked WebAssembly ones) still gives the same affine
//! coordinates; points that snarkjs copies from the ptau are copied byte for byte.

pub mod groth16;
pub mod plonk;
pub mod ptau;

use std::io;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use thiserror::Error;

use crate::iden3::writer::FileWriteError;
use crate::iden3::FormatError;

/// Why a setup did not produce its output.
#[derive(Debug, Error)]
pub enum SetupError {
    /// The powers of tau is malformed, or a point in it is invalid.
    #[error("powers of tau: {0}")]
    Ptau(FormatError),
    /// The `.r1cs` is malformed.
    #[error("circuit: {0}")]
    R1cs(FormatError),
    /// The circuit cannot be set up (for example, it has no constraints at all).
    #[error("circuit: {0}")]
    Circuit(String),
    /// The ptau has no Lagrange sections.
    #[error("the powers of tau is not prepared for phase 2 (it has no Lagrange sections 12 to 15): run `snarkjs powersoftau prepare phase2` on it first")]
    NotPrepared,
    /// The circuit needs a bigger domain than the ptau supports.
    #[error("the circuit needs a domain of 2^{needed} ({rows}), but the powers of tau only goes to 2^{power}: use a powers of tau of power {needed} or more")]
    PowerTooSmall {
        needed: u32,
        power: u32,
        rows: String,
    },
    /// The circuit needs a bigger domain than kiln handles.
    #[error(
        "the circuit needs a domain of 2^{needed}; kiln's setups and provers go up to 2^{max}"
    )]
    DomainTooLarge { needed: u32, max: u32 },
    /// A parameter out of range (a ptau power kiln will not generate).
    #[error("{0}")]
    Parameter(String),
    #[error(transparent)]
    File(#[from] FileWriteError),
    #[error("writing the output: {0}")]
    Io(#[from] io::Error),
}

/// Result alias for the setups.
pub type Result<T, E = SetupError> = std::result::Result<T, E>;

/// Progress reports from a long setup, for a progress bar. Units are points computed or
/// written; a stage's total is known when it starts.
pub trait Progress: Sync {
    /// A stage of `total` units begins.
    fn start(&self, stage: &str, total: u64);
    /// `done` more units of the current stage are finished.
    fn advance(&self, done: u64);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// `floor(log2(v))`, 0 for 0: snarkjs's `misc.log2`, from which both setups size the domain.
pub(crate) fn log2_floor(v: u64) -> u32 {
    if v == 0 {
        0
    } else {
        63 - v.leading_zeros()
    }
}

/// ffjavascript's uncompressed form of a G1 point (what snarkjs hashes): `x || y`, each 32
/// bytes big-endian in canonical form; infinity is 64 zero bytes (its `LEMtoU` maps the
/// all-zero Montgomery encoding to all zeros).
pub(crate) fn g1_uncompressed(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
        out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
    }
    out
}

/// As [`g1_uncompressed`] for G2. ffjavascript reverses the bytes of each whole Fq2
/// coordinate, so within a coordinate the imaginary part `c1` comes first:
/// `x.c1 || x.c0 || y.c1 || y.c0`, each big-endian.
pub(crate) fn g2_uncompressed(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, v) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[32 * i..32 * (i + 1)].copy_from_slice(&v.into_bigint().to_bytes_be());
        }
    }
    out
}

/// `sum scalar_i * bases[index_i]`: a sparse MSM over a few terms, as the setups need per
/// signal. circom's coefficients are mostly small or small negatives (`-1`), so short sums use
/// double-and-add on the smaller of `s` and `-s`; longer ones use the bucket method.
///
/// The setups call this from inside rayon's parallel loops (one signal per task), so the long
/// sums run the sequential bucket method of `kiln-msm` rather than arkworks' parallel MSM:
/// nesting rayon joins under thousands of tasks overflows worker stacks on circuits with a
/// signal in many rows (a batch circuit's constant and its one-hot selectors).
pub(crate) fn sparse_msm<P>(bases: &[Affine<P>], terms: &[(u32, Fr)]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    if terms.len() > 16 {
        let (b, s): (Vec<_>, Vec<_>) = terms.iter().map(|(i, s)| (bases[*i as usize], *s)).unzip();
        return kiln_msm::reference_msm(&b, &s, kiln_msm::MsmPlan::for_len(b.len()));
    }
    let mut acc = Projective::<P>::zero();
    for (i, s) in terms {
        let base = bases[*i as usize];
        let pos = s.into_bigint();
        let neg = (-*s).into_bigint();
        if pos.num_bits() <= neg.num_bits() {
            acc += base.mul_bigint(pos);
        } else {
            acc -= base.mul_bigint(neg);
        }
    }
    acc
}

/// Projective points to affine, in one batch inversion.
pub(crate) fn to_affine<P: SWCurveConfig>(points: &[Projective<P>]) -> Vec<Affine<P>> {
    Projective::<P>::normalize_batch(points)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::PrimeGroup;
    use ark_std::UniformRand;
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn log2_matches_snarkjs() {
        for (v, l) in [
            (0, 0),
            (1, 0),
            (2, 1),
            (3, 1),
            (4, 2),
            (1023, 9),
            (1024, 10),
        ] {
            assert_eq!(log2_floor(v), l, "log2({v})");
        }
    }

    #[test]
    fn sparse_msm_is_the_plain_sum() {
        let mut rng = seeded_rng("sparse msm");
        let bases: Vec<G1Affine> = (0..40)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        for len in [0usize, 1, 3, 17, 40] {
            let terms: Vec<(u32, Fr)> = (0..len)
                .map(|i| {
                    let s = match i % 3 {
                        0 => -Fr::from(i as u64 + 1),
                        1 => Fr::from(7u64),
                        _ => Fr::rand(&mut rng),
                    };
                    ((i * 7 % 40) as u32, s)
                })
                .collect();
            let expected: G1Projective = terms.iter().map(|(i, s)| bases[*i as usize] * s).sum();
            assert_eq!(sparse_msm(&bases, &terms), expected, "{len} terms");
        }
    }

    #[test]
    fn uncompressed_forms_are_big_endian_canonical() {
        let g1 = G1Affine::generator();
        let u = g1_uncompressed(&g1);
        assert_eq!(u[31], 1, "x = 1");
        assert_eq!(u[63], 2, "y = 2");
        assert!(u[..31].iter().all(|&b| b == 0));
        assert_eq!(g1_uncompressed(&G1Affine::zero()), [0u8; 64]);
        let g2 = G2Projective::generator().into_affine();
        let u = g2_uncompressed(&g2);
        assert_eq!(&u[..32], &g2.x.c1.into_bigint().to_bytes_be()[..]);
        assert_eq!(&u[96..], &g2.y.c0.into_bigint().to_bytes_be()[..]);
        assert_eq!(g2_uncompressed(&G2Affine::zero()), [0u8; 128]);
    }
}
