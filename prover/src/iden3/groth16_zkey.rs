//! Groth16 `.zkey`: a snarkjs proving key (version 1, protocol 1).
//!
//! | section | contents |
//! | --- | --- |
//! | 1 | `u32 protocol` (1 = Groth16) |
//! | 2 | `n8q, q, n8r, r, u32 nVars, u32 nPublic, u32 domainSize`, then alpha1, beta1, beta2, gamma2, delta1, delta2 |
//! | 3 | IC: `nPublic + 1` G1 points |
//! | 4 | `u32 count`, then `count` x `(u32 matrix, u32 constraint, u32 signal, 32-byte value)`, matrix 0 = A, 1 = B |
//! | 5, 6, 7 | A (G1), B (G1), B (G2): `nVars` points each |
//! | 8 | C: `nVars - nPublic - 1` G1 points (the private signals) |
//! | 9 | H: `domainSize` G1 points |
//! | 10 | contributions (not needed to prove) |
//!
//! Sections 1 and 2's start, and the point format, are read as for every zkey
//! ([`super::zkey_sections`]). Coefficient values are stored as `v * R^2 mod r` (R = 2^256) so
//! that one Montgomery multiplication by a plain witness value yields Montgomery form; they are
//! converted back to `v` when read ([`super::qap_matrices`]).

use std::path::Path;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_groth16::VerifyingKey;
use kiln_host::layout::{PointCheck, G2_AFFINE_BYTES};
use kiln_host::MAX_LOG_NTT;

pub use super::qap_matrices::{Coefficient, Matrix, QapMatrices};
use super::zkey_sections::{self, exact_size, g1, g1_section, g2, HeaderStart, GROTH16};
use super::{read_g2_points, FileBytes, FileSource, FormatError, Result};

/// The largest domain kiln proves on: the odd coset of the 2n-domain needs a 2n-th root of unity,
/// and BN254's Fr has roots up to 2^28, so n is at most 2^27. (snarkjs handles 2^28 with a
/// different coset; no circuit of that size is in reach of this prover yet.)
pub const MAX_ZKEY_DOMAIN: usize = 1 << (MAX_LOG_NTT - 1);

/// A decoded Groth16 proving key.
#[derive(Clone, Debug)]
pub struct Groth16Zkey {
    /// Every signal including the constant one: the witness length.
    pub n_vars: usize,
    /// Public signals (outputs and inputs), without the constant one.
    pub n_public: usize,
    /// The evaluation domain, a power of two.
    pub domain_size: usize,
    pub alpha_g1: G1Affine,
    pub beta_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub gamma_g2: G2Affine,
    pub delta_g1: G1Affine,
    pub delta_g2: G2Affine,
    pub ic: Vec<G1Affine>,
    /// The A and B matrices (section 4), multiplied by the witness to prove.
    pub coefficients: QapMatrices,
    pub a_query: Vec<G1Affine>,
    pub b_g1_query: Vec<G1Affine>,
    pub b_g2_query: Vec<G2Affine>,
    pub c_query: Vec<G1Affine>,
    pub h_query: Vec<G1Affine>,
}

impl Groth16Zkey {
    /// Checks the invariants the reader establishes, for keys built or modified in code: query
    /// lengths, coefficient positions, and the domain size.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(FormatError::Inconsistent(format!("zkey: {m}")));
        if self.n_public >= self.n_vars {
            return bad(format!(
                "{} public signals of {} in all",
                self.n_public, self.n_vars
            ));
        }
        if !self.domain_size.is_power_of_two() || self.domain_size > MAX_ZKEY_DOMAIN {
            return bad(format!(
                "domain size {} is not a power of two up to 2^27",
                self.domain_size
            ));
        }
        let lengths = [
            ("IC", self.ic.len(), self.n_public + 1),
            ("A query", self.a_query.len(), self.n_vars),
            ("B query (G1)", self.b_g1_query.len(), self.n_vars),
            ("B query (G2)", self.b_g2_query.len(), self.n_vars),
            (
                "C query",
                self.c_query.len(),
                self.n_vars - self.n_public - 1,
            ),
            ("H query", self.h_query.len(), self.domain_size),
        ];
        for (what, got, want) in lengths {
            if got != want {
                return bad(format!("{what} has {got} points, expected {want}"));
            }
        }
        if let Some(c) = self
            .coefficients
            .iter()
            .find(|c| c.constraint as usize >= self.domain_size || c.signal as usize >= self.n_vars)
        {
            return bad(format!(
                "a coefficient at row {}, signal {} is out of range",
                c.constraint, c.signal
            ));
        }
        Ok(())
    }

    /// The verifying key it contains, in arkworks' form.
    pub fn verifying_key(&self) -> VerifyingKey<Bn254> {
        VerifyingKey {
            alpha_g1: self.alpha_g1,
            beta_g2: self.beta_g2,
            gamma_g2: self.gamma_g2,
            delta_g2: self.delta_g2,
            gamma_abc_g1: self.ic.clone(),
        }
    }
}

/// Reads a Groth16 `.zkey` file (memory-mapped).
pub fn read_zkey_file(path: &Path) -> Result<Groth16Zkey> {
    read_zkey(&FileBytes::open(path)?)
}

/// Parses Groth16 `.zkey` bytes.
pub fn read_zkey<'a>(data: impl Into<FileSource<'a>>) -> Result<Groth16Zkey> {
    read_zkey_with(data, PointCheck::Full)
}

/// Parses Groth16 `.zkey` bytes, checking the B-query G2 points as `b_g2_check` says. With
/// [`PointCheck::OnCurveOnly`] their subgroup checks (most of the load time of a large key) are
/// skipped; the header's points are always fully checked, and provers check every proof's B
/// point before returning it. For keys that have been loaded with full checks before (a file:
/// [`crate::api::ProvingKey::read_file`]).
///
/// A memory-mapped file's pages are handed back section by section as they are decoded, so
/// that the raw key and the decoded key are not resident together ([`FileBytes::release`]).
pub fn read_zkey_with<'a>(
    data: impl Into<FileSource<'a>>,
    b_g2_check: PointCheck,
) -> Result<Groth16Zkey> {
    let (c, mut h, start) = zkey_sections::open_as(data, GROTH16, FormatError::NotGroth16)?;
    let HeaderStart {
        n_vars,
        n_public,
        domain_size,
    } = start;
    if n_public >= n_vars {
        return Err(FormatError::Inconsistent(format!(
            "zkey: {n_public} public signals but only {n_vars} signals in all"
        )));
    }
    if !domain_size.is_power_of_two() || domain_size > MAX_ZKEY_DOMAIN {
        return Err(FormatError::Inconsistent(format!(
            "zkey: domain size {domain_size} is not a power of two up to 2^27"
        )));
    }
    let alpha_g1 = g1(&mut h, "alpha1")?;
    let beta_g1 = g1(&mut h, "beta1")?;
    let beta_g2 = g2(&mut h, "beta2")?;
    let gamma_g2 = g2(&mut h, "gamma2")?;
    let delta_g1 = g1(&mut h, "delta1")?;
    let delta_g2 = g2(&mut h, "delta2")?;
    h.finish()?;

    let ic = g1_section(&c, 3, n_public + 1, "IC")?;
    let coefficients = QapMatrices::read(&mut c.section(4, "coefficients")?, n_vars, domain_size)?;
    c.release(4);
    let a_query = g1_section(&c, 5, n_vars, "A query")?;
    let b_g1_query = g1_section(&c, 6, n_vars, "B query (G1)")?;
    let b_g2_query = {
        let mut r = c.section(7, "B query (G2)")?;
        exact_size(&r, n_vars as u64 * G2_AFFINE_BYTES as u64, "B query (G2)")?;
        let points = read_g2_points(&mut r, n_vars as u64, "B query (G2)", b_g2_check)?;
        c.release(7);
        points
    };
    let c_query = g1_section(&c, 8, n_vars - n_public - 1, "C query")?;
    let h_query = g1_section(&c, 9, domain_size, "H query")?;

    Ok(Groth16Zkey {
        n_vars,
        n_public,
        domain_size,
        alpha_g1,
        beta_g1,
        beta_g2,
        gamma_g2,
        delta_g1,
        delta_g2,
        ic,
        coefficients,
        a_query,
        b_g1_query,
        b_g2_query,
        c_query,
        h_query,
    })
}
