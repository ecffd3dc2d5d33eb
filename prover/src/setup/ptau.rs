//! `kiln ptau new`: a local powers of tau, prepared for phase 2, in snarkjs's `.ptau` format.
//!
//! **INSECURE.** This process draws tau, alpha and beta itself, so whoever runs it knows the
//! toxic waste and can forge proofs for every key made from the file. It exists for development
//! and tests; keys that must be sound come from a multi-party ceremony.
//!
//! The file is what `snarkjs powersoftau new` followed by `snarkjs powersoftau prepare phase2`
//! would contain if snarkjs's single contribution had used these secrets: sections 1 to 7 (with
//! no contributions recorded in section 7) and the Lagrange sections 12 to 15, in that order.
//! snarkjs computes the Lagrange sections by inverse FFTs over group elements; knowing tau,
//! kiln computes `L_i(tau)` as scalars (an inverse FFT of the powers of tau in Fr) and
//! multiplies the generators by them with fixed-base tables. The points are the same, so the
//! bytes are too (checked against `snarkjs powersoftau prepare phase2` in the interop tests).

use std::io::Write;
use std::path::Path;

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ec::PrimeGroup;
use ark_ff::{One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{CryptoRng, RngCore};
use ark_std::UniformRand;
use kiln_host::layout::{self, Coordinate};
use kiln_ntt::powers;

use super::{Progress, Result, SetupError};
use crate::iden3::fq_modulus;
use crate::iden3::ptau::PtauSection;
use crate::iden3::writer::{write_file_atomically, ContainerWriter};

/// The largest power kiln generates: level `power + 1` of section 12 needs `2^(power+1)`-th
/// roots of unity, and BN254's Fr has them up to `2^28`.
pub const PTAU_NEW_MAX_POWER: u32 = 27;

/// Scalars per batch: bounds the memory of a batch of points.
const CHUNK: usize = 1 << 16;

/// The secrets of a powers of tau. Anyone who knows them can forge proofs.
pub struct ToxicWaste {
    pub tau: Fr,
    pub alpha: Fr,
    pub beta: Fr,
}

impl ToxicWaste {
    /// Draws the secrets from `rng` (kiln's CLI uses the operating system's generator). None of
    /// them is zero.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut nonzero = || loop {
            let x = Fr::rand(rng);
            if !x.is_zero() {
                break x;
            }
        };
        ToxicWaste {
            tau: nonzero(),
            alpha: nonzero(),
            beta: nonzero(),
        }
    }
}

impl std::fmt::Debug for ToxicWaste {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ToxicWaste { .. }")
    }
}

/// The size in bytes of a prepared ptau of `power`, for telling the user before writing it.
pub fn ptau_file_size(power: u32) -> u64 {
    let header = 12 + 12 + 44 + 12 + 4;
    header
        + PtauSection::ALL
            .iter()
            .map(|s| 12 + s.point_count(power) * s.point_bytes())
            .sum::<u64>()
}

/// Writes a new, prepared powers of tau of `power` (`2^power` constraints) made from
/// `secrets` to `out`.
pub fn write_new_ptau<W: Write>(
    out: W,
    power: u32,
    secrets: &ToxicWaste,
    progress: &dyn Progress,
) -> Result<()> {
    if power > PTAU_NEW_MAX_POWER {
        return Err(SetupError::Parameter(format!(
            "power {power} is too large: kiln makes powers of tau up to {PTAU_NEW_MAX_POWER}"
        )));
    }
    let ToxicWaste { tau, alpha, beta } = *secrets;
    let n = 1usize << power;
    let g1_total = (12 * n - 4) as u64;
    let g2_total = (3 * n) as u64;
    // A table for every point of the file would be large at big powers; the window size it
    // buys stops mattering long before.
    let g1 =
        BatchMulPreprocessing::new(G1Projective::generator(), (g1_total as usize).min(1 << 20));
    let g2 =
        BatchMulPreprocessing::new(G2Projective::generator(), (g2_total as usize).min(1 << 20));

    let mut w = ContainerWriter::new(out, b"ptau", 1, 11)?;
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fq_modulus());
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes()); // ceremonyPower
    w.section(1, &header)?;

    let monomial = |s: PtauSection, factor: Fr, w: &mut ContainerWriter<W>| -> Result<()> {
        let count = s.point_count(power) as usize;
        progress.start(s.name(), count as u64);
        let mut sw = w.begin(s.id(), count as u64 * s.point_bytes())?;
        let mut first = factor;
        let mut done = 0;
        while done < count {
            let len = CHUNK.min(count - done);
            let scalars = powers(first, tau, len);
            first = scalars[len - 1] * tau;
            if s.is_g2() {
                write_points(&mut sw, &g2, &scalars)?;
            } else {
                write_points(&mut sw, &g1, &scalars)?;
            }
            done += len;
            progress.advance(len as u64);
        }
        sw.end()?;
        Ok(())
    };
    monomial(PtauSection::TauG1, Fr::one(), &mut w)?;
    monomial(PtauSection::TauG2, Fr::one(), &mut w)?;
    monomial(PtauSection::AlphaTauG1, alpha, &mut w)?;
    monomial(PtauSection::BetaTauG1, beta, &mut w)?;
    monomial(PtauSection::BetaG2, beta, &mut w)?;
    w.section(7, &0u32.to_le_bytes())?;

    for (s, factor) in [
        (PtauSection::LagrangeTauG1, Fr::one()),
        (PtauSection::LagrangeTauG2, Fr::one()),
        (PtauSection::LagrangeAlphaTauG1, alpha),
        (PtauSection::LagrangeBetaTauG1, beta),
    ] {
        let count = s.point_count(power);
        progress.start(s.name(), count);
        let mut sw = w.begin(s.id(), count * s.point_bytes())?;
        let max = s.max_level(power).expect("a Lagrange section");
        for p in 0..=max {
            let mut scalars = lagrange_at_tau(tau, p, p == power + 1);
            if !factor.is_one() {
                scalars.iter_mut().for_each(|x| *x *= factor);
            }
            for chunk in scalars.chunks(CHUNK) {
                if s.is_g2() {
                    write_points(&mut sw, &g2, chunk)?;
                } else {
                    write_points(&mut sw, &g1, chunk)?;
                }
                progress.advance(chunk.len() as u64);
            }
        }
        sw.end()?;
    }
    w.finish()?;
    Ok(())
}

/// Makes a new powers of tau at `path` with secrets from the operating system's generator,
/// which are dropped when this returns. Writes through a temporary file.
pub fn new_ptau_file(path: &Path, power: u32, progress: &dyn Progress) -> Result<()> {
    let secrets = ToxicWaste::random(&mut ark_std::rand::rngs::OsRng);
    write_file_atomically(path, |out| write_new_ptau(out, power, &secrets, progress))
}

/// Level `p` of the Lagrange sections as scalars: the inverse FFT over the `2^p`-th roots of
/// unity of `tau^0, ..., tau^(2^p - 1)`, which is `L_i(tau)` for `i < 2^p`. With `drop_last`
/// the last power is replaced by zero, as snarkjs's `prepare phase2` does for the level above
/// the ptau's power (its tauG1 section has one point fewer than that level).
pub(crate) fn lagrange_at_tau(tau: Fr, p: u32, drop_last: bool) -> Vec<Fr> {
    let n = 1usize << p;
    let mut v = powers(Fr::one(), tau, n);
    if drop_last {
        v[n - 1] = Fr::zero();
    }
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("2^p <= 2^28 has a domain");
    domain.ifft_in_place(&mut v);
    v
}

/// Multiplies the table's base by each scalar and writes the affine points in kiln's layout.
fn write_points<P>(
    out: &mut impl Write,
    table: &BatchMulPreprocessing<Projective<P>>,
    scalars: &[Fr],
) -> std::io::Result<()>
where
    P: SWCurveConfig<ScalarField = Fr>,
    P::BaseField: Coordinate,
{
    let points = table.batch_mul(scalars);
    let mut bytes = Vec::with_capacity(points.len() * 2 * P::BaseField::BYTES);
    for p in &points {
        bytes.extend_from_slice(&layout::affine_to_bytes(p));
    }
    out.write_all(&bytes)
}

/// `L_i(x)` for the `2^p`-point domain, straight from the definition
/// `L_i(x) = w^i (x^n - 1) / (n (x - w^i))`: an independent check of [`lagrange_at_tau`].
#[cfg(test)]
pub(crate) fn lagrange_by_definition(x: Fr, p: u32, i: usize) -> Fr {
    use ark_ff::Field;
    let n = 1u64 << p;
    let domain = Radix2EvaluationDomain::<Fr>::new(n as usize).unwrap();
    let wi = domain.group_gen.pow([i as u64]);
    wi * (x.pow([n]) - Fr::one()) / (Fr::from(n) * (x - wi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iden3::ptau::Ptau;
    use crate::setup::NoProgress;
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::CurveGroup;
    use ark_ff::Field;
    use kiln_host::conformance::seeded_rng;
    use kiln_host::layout::PointCheck;

    fn small_ptau(power: u32) -> (ToxicWaste, Vec<u8>) {
        let secrets = ToxicWaste::random(&mut seeded_rng("ptau new"));
        let mut out = Vec::new();
        write_new_ptau(&mut out, power, &secrets, &NoProgress).unwrap();
        (secrets, out)
    }

    #[test]
    fn a_new_ptau_holds_the_powers_of_its_secrets() {
        let power = 3;
        let (s, bytes) = small_ptau(power);
        assert_eq!(bytes.len() as u64, ptau_file_size(power));
        let ptau = Ptau::parse(&bytes).unwrap();
        assert_eq!((ptau.power(), ptau.ceremony_power()), (power, power));
        assert!(ptau.is_prepared());
        let n = 1u64 << power;
        let g1 = G1Projective::generator();
        let g2 = G2Projective::generator();
        let tau_g1 = ptau.g1(PtauSection::TauG1, 0..2 * n - 1).unwrap();
        for (i, p) in tau_g1.iter().enumerate() {
            assert_eq!(*p, (g1 * s.tau.pow([i as u64])).into_affine(), "tauG1[{i}]");
        }
        let tau_g2 = ptau.g2(PtauSection::TauG2, 0..n, PointCheck::Full).unwrap();
        let alpha = ptau.g1(PtauSection::AlphaTauG1, 0..n).unwrap();
        let beta = ptau.g1(PtauSection::BetaTauG1, 0..n).unwrap();
        for i in 0..n as usize {
            let t = s.tau.pow([i as u64]);
            assert_eq!(tau_g2[i], (g2 * t).into_affine(), "tauG2[{i}]");
            assert_eq!(
                alpha[i],
                (g1 * (s.alpha * t)).into_affine(),
                "alphaTauG1[{i}]"
            );
            assert_eq!(beta[i], (g1 * (s.beta * t)).into_affine(), "betaTauG1[{i}]");
        }
        let beta_g2 = ptau
            .g2(PtauSection::BetaG2, 0..1, PointCheck::Full)
            .unwrap();
        assert_eq!(beta_g2[0], (g2 * s.beta).into_affine());
        // No contributions recorded.
        let c = crate::iden3::Container::parse(&bytes, b"ptau", "ptau", 1).unwrap();
        assert_eq!(c.section(7, "contributions").unwrap().u32().unwrap(), 0);
    }

    #[test]
    fn the_lagrange_sections_are_the_lagrange_polynomials_at_tau() {
        let power = 3;
        let (s, bytes) = small_ptau(power);
        let ptau = Ptau::parse(&bytes).unwrap();
        let g1 = G1Projective::generator();
        let g2 = G2Projective::generator();
        for p in 0..=power + 1 {
            let n = 1usize << p;
            let points = ptau
                .g1(
                    PtauSection::LagrangeTauG1,
                    ptau.level(PtauSection::LagrangeTauG1, p).unwrap(),
                )
                .unwrap();
            for (i, point) in points.iter().enumerate() {
                let mut l = lagrange_by_definition(s.tau, p, i);
                if p == power + 1 {
                    // The top level sums the powers below tau^(2n-1) only: subtract the dropped
                    // term's share, w^(-i(n-1)) tau^(n-1) / n = w^i tau^(n-1) / n.
                    let w = Radix2EvaluationDomain::<Fr>::new(n).unwrap().group_gen;
                    l -= w.pow([i as u64]) * s.tau.pow([n as u64 - 1]) / Fr::from(n as u64);
                }
                assert_eq!(*point, (g1 * l).into_affine(), "level {p}, L_{i}");
            }
            if p > power {
                assert!(ptau.level(PtauSection::LagrangeTauG2, p).is_err());
                continue;
            }
            let range = ptau.level(PtauSection::LagrangeTauG2, p).unwrap();
            let tau_g2: Vec<G2Affine> = ptau
                .g2(PtauSection::LagrangeTauG2, range.clone(), PointCheck::Full)
                .unwrap();
            let alpha: Vec<G1Affine> = ptau
                .g1(PtauSection::LagrangeAlphaTauG1, range.clone())
                .unwrap();
            let beta: Vec<G1Affine> = ptau.g1(PtauSection::LagrangeBetaTauG1, range).unwrap();
            for i in 0..n {
                let l = lagrange_by_definition(s.tau, p, i);
                assert_eq!(tau_g2[i], (g2 * l).into_affine(), "G2 level {p}, L_{i}");
                assert_eq!(
                    alpha[i],
                    (g1 * (s.alpha * l)).into_affine(),
                    "alpha level {p}"
                );
                assert_eq!(beta[i], (g1 * (s.beta * l)).into_affine(), "beta level {p}");
            }
        }
    }

    #[test]
    fn powers_beyond_the_limit_are_refused() {
        let s = ToxicWaste::random(&mut seeded_rng("ptau limit"));
        let err = write_new_ptau(std::io::sink(), PTAU_NEW_MAX_POWER + 1, &s, &NoProgress);
        assert!(matches!(err, Err(SetupError::Parameter(_))), "{err:?}");
        assert_eq!(
            format!("{s:?}"),
            "ToxicWaste { .. }",
            "secrets never printed"
        );
    }
}
