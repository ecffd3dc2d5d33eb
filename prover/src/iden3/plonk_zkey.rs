//! PLONK `.zkey`: a snarkjs PLONK proving key (version 1, protocol 2).
//!
//! | section | contents |
//! | --- | --- |
//! | 1 | `u32 protocol` (2 = PLONK) |
//! | 2 | `n8q, q, n8r, r, u32 nVars, nPublic, domainSize, nAdditions, nConstraints`, `k1, k2` (Fr), `Qm, Ql, Qr, Qo, Qc, S1, S2, S3` (G1), `X_2` (G2) |
//! | 3 | additions: `nAdditions x (u32 signal a, u32 signal b, Fr factor a, Fr factor b)` |
//! | 4, 5, 6 | wire maps A, B, C: `nConstraints x u32` signal ids |
//! | 7..11 | Qm, Ql, Qr, Qo, Qc: `n` coefficients, then `4n` evaluations on the 4n-domain |
//! | 12 | S1, S2, S3, each laid out as a selector |
//! | 13 | Lagrange polynomials of the public rows (not needed to prove) |
//! | 14 | `domainSize + 6` powers of tau in G1 (the monomial SRS) |
//!
//! Sections 1 and 2's start, and the point format, are read as for every zkey
//! ([`super::zkey_sections`]). Field elements are Montgomery form, little-endian. `nVars`
//! counts the circuit's signals plus one internal signal per addition (`nVars - nAdditions` is
//! the witness length). The 4n evaluations are not read: kiln evaluates on a coset of the 4n
//! domain instead (the proof depends only on the polynomials), except the S evaluations at the
//! n-domain points, which the permutation argument uses.

use std::path::Path;

use ark_bn254::{Fr, G1Affine};
use kiln_host::layout::Form;

use super::zkey_sections::{self, exact_size, g1, g1_section, g2, HeaderStart, PLONK};
use super::{read_fr_array_in, Container, FileBytes, FileSource, FormatError, Reader, Result};
use crate::plonk::PlonkVerifyingKey;

/// The largest PLONK domain kiln proves on: the quotient is evaluated over 4n points, and BN254's
/// Fr has roots of unity up to 2^28.
pub const MAX_PLONK_DOMAIN: usize = 1 << 26;

/// snarkjs's smallest PLONK domain (the quotient has degree up to 3n + 5 and is split in three).
pub const MIN_PLONK_DOMAIN: usize = 8;

/// One addition gate created when a linear combination is too wide for a PLONK row:
/// `w[signal] = factor_a * w[a] + factor_b * w[b]`, where `signal` is the next internal one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addition {
    pub a: u32,
    pub b: u32,
    pub factor_a: Fr,
    pub factor_b: Fr,
}

/// A selector or permutation polynomial: its coefficients.
pub type Coefficients = Vec<Fr>;

/// A decoded PLONK proving key.
#[derive(Clone, Debug)]
pub struct PlonkZkey {
    /// Signals of the circuit plus one internal signal per addition.
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub n_constraints: usize,
    pub additions: Vec<Addition>,
    /// The signal on each row's A, B and C wire (`n_constraints` each).
    pub wire_map: [Vec<u32>; 3],
    /// Qm, Ql, Qr, Qo, Qc coefficients (`domain_size` each).
    pub qm: Coefficients,
    pub ql: Coefficients,
    pub qr: Coefficients,
    pub qo: Coefficients,
    pub qc: Coefficients,
    /// S1, S2, S3 coefficients.
    pub sigma: [Coefficients; 3],
    /// S1, S2, S3 at the points of the n-domain.
    pub sigma_values: [Vec<Fr>; 3],
    /// `[tau^i]_1` for `i < domain_size + 6`.
    pub srs: Vec<G1Affine>,
    pub vk: PlonkVerifyingKey,
}

impl PlonkZkey {
    /// The witness length the key expects (the circuit's signals, without the additions).
    pub fn witness_len(&self) -> usize {
        self.n_vars - self.additions.len()
    }
}

/// Reads a PLONK `.zkey` file (memory-mapped).
pub fn read_plonk_zkey_file(path: &Path) -> Result<PlonkZkey> {
    read_plonk_zkey(&FileBytes::open(path)?)
}

fn inconsistent(m: String) -> FormatError {
    FormatError::Inconsistent(format!("PLONK zkey: {m}"))
}

/// Parses PLONK `.zkey` bytes. A memory-mapped file's pages are handed back section by section
/// as they are decoded ([`FileBytes::release`]): the selector sections hold five times the
/// values decoded from them.
pub fn read_plonk_zkey<'a>(data: impl Into<FileSource<'a>>) -> Result<PlonkZkey> {
    let (c, mut h, start) = zkey_sections::open_as(data, PLONK, |protocol| {
        inconsistent(format!("protocol is {protocol}, not PLONK (2)"))
    })?;
    let HeaderStart {
        n_vars,
        n_public,
        domain_size,
    } = start;
    let n_additions = h.u32()? as usize;
    let n_constraints = h.u32()? as usize;
    if !domain_size.is_power_of_two()
        || !(MIN_PLONK_DOMAIN..=MAX_PLONK_DOMAIN).contains(&domain_size)
    {
        return Err(inconsistent(format!(
            "domain size {domain_size} is not a power of two from 8 to 2^26"
        )));
    }
    if n_constraints > domain_size || n_public > n_constraints || n_additions >= n_vars {
        return Err(inconsistent(format!(
            "{n_constraints} rows, {n_public} public signals, {n_additions} additions and \
             {n_vars} signals do not fit a domain of {domain_size}"
        )));
    }
    let mut k = read_fr_array_in(&mut h, 2, "k1, k2", Form::Montgomery)?.into_iter();
    let (k1, k2) = (k.next().expect("two"), k.next().expect("two"));
    let mut commitments = [G1Affine::default(); 8];
    for (point, what) in commitments
        .iter_mut()
        .zip(["Qm", "Ql", "Qr", "Qo", "Qc", "S1", "S2", "S3"])
    {
        *point = g1(&mut h, what)?;
    }
    let x_2 = g2(&mut h, "X_2")?;
    h.finish()?;
    let [qm_c, ql_c, qr_c, qo_c, qc_c, s1_c, s2_c, s3_c] = commitments;
    let vk = PlonkVerifyingKey {
        n_public,
        power: domain_size.trailing_zeros(),
        k1,
        k2,
        qm: qm_c,
        ql: ql_c,
        qr: qr_c,
        qo: qo_c,
        qc: qc_c,
        s1: s1_c,
        s2: s2_c,
        s3: s3_c,
        x_2,
    };

    let additions = read_additions(&mut c.section(3, "additions")?, n_additions, n_vars)?;
    c.release(3);
    let witness_len = n_vars - n_additions;
    let map = |id, what| read_wire_map(&c, id, what, n_constraints, n_vars);
    let wire_map = [map(4, "A map")?, map(5, "B map")?, map(6, "C map")?];
    // The witness map gives each public row's A wire; the transcript and the public inputs rely
    // on row i < nPublic carrying signal i + 1.
    if let Some(i) = (0..n_public).find(|&i| wire_map[0][i] as usize != i + 1) {
        return Err(inconsistent(format!(
            "row {i} should carry public signal {} on its A wire",
            i + 1
        )));
    }
    if n_public >= witness_len {
        return Err(inconsistent(format!(
            "{n_public} public signals but a witness of {witness_len}"
        )));
    }

    let n = domain_size as u64;
    let selector = |id, what| -> Result<Coefficients> {
        let mut r = c.section(id, what)?;
        exact_size(&r, 5 * n * 32, what)?;
        let coefficients = read_fr_array_in(&mut r, n, what, Form::Montgomery)?;
        c.release(id);
        Ok(coefficients)
    };
    let (qm, ql, qr, qo, qc) = (
        selector(7, "Qm")?,
        selector(8, "Ql")?,
        selector(9, "Qr")?,
        selector(10, "Qo")?,
        selector(11, "Qc")?,
    );
    let (sigma, sigma_values) = read_sigmas(&mut c.section(12, "sigma")?, n)?;
    c.release(12);
    let srs = g1_section(&c, 14, domain_size + 6, "powers of tau")?;

    Ok(PlonkZkey {
        n_vars,
        n_public,
        domain_size,
        n_constraints,
        additions,
        wire_map,
        qm,
        ql,
        qr,
        qo,
        qc,
        sigma,
        sigma_values,
        srs,
        vk,
    })
}

fn read_additions(r: &mut Reader<'_>, count: usize, n_vars: usize) -> Result<Vec<Addition>> {
    const RECORD: u64 = 8 + 64;
    r.expect_records(count as u64, RECORD)?;
    exact_size(r, count as u64 * RECORD, "additions")?;
    let first_internal = n_vars - count;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let a = r.u32()?;
        let b = r.u32()?;
        // An addition may read the witness and earlier additions only: that is the order the
        // prover computes them in.
        let limit = first_internal + i;
        if a as usize >= limit || b as usize >= limit {
            return Err(inconsistent(format!(
                "addition {i} reads signals {a} and {b}; only signals below {limit} exist yet"
            )));
        }
        let mut f = read_fr_array_in(r, 2, "addition factors", Form::Montgomery)?.into_iter();
        out.push(Addition {
            a,
            b,
            factor_a: f.next().expect("two"),
            factor_b: f.next().expect("two"),
        });
    }
    Ok(out)
}

fn read_wire_map(
    c: &Container<'_>,
    id: u32,
    what: &'static str,
    rows: usize,
    n_vars: usize,
) -> Result<Vec<u32>> {
    let mut r = c.section(id, what)?;
    exact_size(&r, rows as u64 * 4, what)?;
    let map = (0..rows)
        .map(|row| {
            let s = r.u32()?;
            if s as usize >= n_vars {
                return Err(inconsistent(format!(
                    "{what}: row {row} names signal {s} of {n_vars}"
                )));
            }
            Ok(s)
        })
        .collect();
    c.release(id);
    map
}

/// S1, S2, S3: coefficients, and the values at the n-domain (every fourth 4n evaluation).
fn read_sigmas(r: &mut Reader<'_>, n: u64) -> Result<([Coefficients; 3], [Vec<Fr>; 3])> {
    exact_size(r, 15 * n * 32, "sigma")?;
    let mut coefficients: [Coefficients; 3] = Default::default();
    let mut values: [Vec<Fr>; 3] = Default::default();
    for (coef, vals) in coefficients.iter_mut().zip(values.iter_mut()) {
        *coef = read_fr_array_in(r, n, "sigma coefficients", Form::Montgomery)?;
        let evaluations = read_fr_array_in(r, 4 * n, "sigma evaluations", Form::Montgomery)?;
        *vals = evaluations.into_iter().step_by(4).collect();
    }
    Ok((coefficients, values))
}
