//! `kiln setup groth16`: a Groth16 `.zkey` from a circom `.r1cs` and a prepared `.ptau`,
//! byte-identical to `snarkjs groth16 setup` (snarkjs's `zkey_new.js`).
//!
//! Like snarkjs, this is the key *before* any phase-2 contribution: gamma and delta are the
//! generators, so the key is only as secure as the contributions made to it afterwards
//! (`snarkjs zkey contribute`). The file holds, in this section order:
//!
//! | section | contents |
//! | --- | --- |
//! | 1 | protocol 1 |
//! | 2 | primes, nVars, nPublic, domainSize, alpha1, beta1, beta2 (copied from the ptau), gamma2 = delta2 = G2, delta1 = G1 |
//! | 4 | coefficients of A and B per constraint, then one A entry per public row; values `v * R^2` |
//! | 3 | IC: `sum beta A_s(tau) + alpha B_s(tau) + C_s(tau)` for the public signals |
//! | 9 | H: the odd points of the `2 * domainSize` Lagrange level (the odd coset basis snarkjs proves with) |
//! | 8 | C: as IC, for the private signals |
//! | 5, 6, 7 | A, B in G1, B in G2 per signal: MSMs of the coefficients over the Lagrange points |
//! | 10 | the circuit hash (Blake2b-512), then 0 contributions |
//!
//! Row `nConstraints + s` of A carries the public signal `s` (`s = 0..=nPublic`), which binds
//! the public inputs, as in snarkjs.
//!
//! The circuit hash covers the header points and every point section in uncompressed
//! big-endian form, each list preceded by its length as a big-endian u32. For H it covers not
//! the H points but `tauG1[j + n] - tauG1[j]`: `n - 1` of them, except that snarkjs reads in
//! chunks of `2^14` points and sizes every chunk as `min(n - 1, 2^14)`, so from `n = 2^15` on
//! it hashes `n` of them. When moreover `n` is the ptau's whole `2^power`, the last of those
//! reads 64 bytes past the end of the tauG1 section (the next section's header and the start
//! of the first tauG2 point). snarkjs's WebAssembly then adds that off-curve "point" to
//! `-tauG1[n-1]`; kiln reproduces the chord-rule sum over the bytes read as Montgomery
//! coordinates mod q (see `past_the_end_difference`).

use std::io::Write;
use std::path::Path;

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{Field, One, PrimeField};
use blake2::{Blake2b512, Digest};
use kiln_host::layout::{self, Form, PointCheck, G1_AFFINE_BYTES};
use rayon::prelude::*;

use super::{
    g1_uncompressed, g2_uncompressed, log2_floor, sparse_msm, to_affine, Progress, Result,
    SetupError,
};
use crate::iden3::groth16_zkey::MAX_ZKEY_DOMAIN;
use crate::iden3::ptau::{Ptau, PtauSection};
use crate::iden3::r1cs::{read_r1cs_file, R1csHeader};
use crate::iden3::writer::{write_file_atomically, ContainerWriter};
use crate::iden3::{zkey_sections, FileBytes};
use crate::r1cs::R1cs;

/// snarkjs hashes the H differences in chunks of this many points.
const H_HASH_CHUNK: u64 = 1 << 14;

/// The domain snarkjs's Groth16 setup uses: `2^(floor(log2(nConstraints + nPublic)) + 1)`,
/// room for the constraints and the `nPublic + 1` public rows. Returns log2 of it.
pub fn groth16_domain_power(n_constraints: u32, n_public: u32) -> u32 {
    log2_floor(u64::from(n_constraints) + u64::from(n_public)) + 1
}

/// How many `tauG1[j + n] - tauG1[j]` differences snarkjs hashes for a domain of `n`
/// (`n - 1`, rounded up to whole chunks from `n = 2^15` on).
pub fn h_hash_points(domain: u64) -> u64 {
    let wanted = domain - 1;
    let chunk = wanted.min(H_HASH_CHUNK);
    if chunk == 0 {
        return 0;
    }
    wanted.div_ceil(H_HASH_CHUNK) * chunk
}

/// Sparse terms `(Lagrange index, coefficient)` per signal.
type Terms = Vec<Vec<(u32, Fr)>>;

/// One coefficient record of section 4.
struct Coefficient {
    matrix: u32,
    row: u32,
    signal: u32,
    value: Fr,
}

/// The per-signal linear combinations, and the coefficient list, in snarkjs's order.
struct Combinations {
    coefficients: Vec<Coefficient>,
    /// Over tauG1 Lagrange: A, B (G1 and G2 share these terms).
    a: Terms,
    b: Terms,
    /// Over betaTau, alphaTau and tau Lagrange: the A, B and C parts of IC / C.
    k: [Terms; 3],
}

impl Combinations {
    /// A term of matrix A (`matrix` 0) or B (1): it feeds the signal's A or B query, its part
    /// of IC / C, and the coefficient section.
    fn add_ab(&mut self, matrix: u32, row: u32, signal: u32, value: Fr) {
        let s = signal as usize;
        let query = if matrix == 0 {
            &mut self.a
        } else {
            &mut self.b
        };
        query[s].push((row, value));
        self.k[matrix as usize][s].push((row, value));
        self.coefficients.push(Coefficient {
            matrix,
            row,
            signal,
            value,
        });
    }
}

fn combinations(header: &R1csHeader, r1cs: &R1cs) -> Combinations {
    let n_vars = header.n_wires as usize;
    let n_public = header.n_public();
    let empty = || vec![Vec::new(); n_vars];
    let mut c = Combinations {
        coefficients: Vec::new(),
        a: empty(),
        b: empty(),
        k: [empty(), empty(), empty()],
    };
    let [ma, mb, mc] = &r1cs.matrices;
    for (row, ((ra, rb), rc)) in ma.iter().zip(mb).zip(mc).enumerate() {
        let row = row as u32;
        for &(v, s) in ra {
            c.add_ab(0, row, s as u32, v);
        }
        for &(v, s) in rb {
            c.add_ab(1, row, s as u32, v);
        }
        for &(v, s) in rc {
            c.k[2][s].push((row, v));
        }
    }
    // snarkjs's extra rows: `1 * signal` in A for the constant and each public signal, which
    // makes the public inputs linearly independent.
    for s in 0..=n_public {
        c.add_ab(0, header.n_constraints + s, s, Fr::one());
    }
    c
}

/// Writes the Groth16 key of `r1cs` over `ptau` to `out`, and returns its circuit hash.
pub fn groth16_setup<W: Write>(
    header: &R1csHeader,
    r1cs: &R1cs,
    ptau: &Ptau<'_>,
    out: W,
    progress: &dyn Progress,
) -> Result<[u8; 64]> {
    let n_vars = header.n_wires as usize;
    let n_public = header.n_public() as usize;
    if r1cs.num_constraints() != header.n_constraints as usize || n_public >= n_vars {
        return Err(SetupError::Circuit(format!(
            "{} constraints and {n_public} public signals of {n_vars} do not match the header",
            r1cs.num_constraints()
        )));
    }
    let power = groth16_domain_power(header.n_constraints, header.n_public());
    if power > ptau.power() {
        return Err(SetupError::PowerTooSmall {
            needed: power,
            power: ptau.power(),
            rows: format!(
                "{} constraints + {} public rows",
                header.n_constraints,
                n_public + 1
            ),
        });
    }
    if !ptau.is_prepared() {
        return Err(SetupError::NotPrepared);
    }
    let max = MAX_ZKEY_DOMAIN.trailing_zeros();
    if power > max {
        return Err(SetupError::DomainTooLarge { needed: power, max });
    }
    let domain = 1u64 << power;
    let pt = SetupError::Ptau;

    progress.start("reading the powers of tau", 4 * domain);
    let alpha1_raw = ptau.raw(PtauSection::AlphaTauG1, 0..1).map_err(pt)?;
    let beta1_raw = ptau.raw(PtauSection::BetaTauG1, 0..1).map_err(pt)?;
    let beta2_raw = ptau.raw(PtauSection::BetaG2, 0..1).map_err(pt)?;
    let alpha1 = ptau.g1(PtauSection::AlphaTauG1, 0..1).map_err(pt)?[0];
    let beta1 = ptau.g1(PtauSection::BetaTauG1, 0..1).map_err(pt)?[0];
    let beta2 = ptau
        .g2(PtauSection::BetaG2, 0..1, PointCheck::Full)
        .map_err(pt)?[0];
    let level = |s| ptau.level(s, power).map_err(pt);
    let tau_l = ptau
        .g1(
            PtauSection::LagrangeTauG1,
            level(PtauSection::LagrangeTauG1)?,
        )
        .map_err(pt)?;
    let alpha_l = ptau
        .g1(
            PtauSection::LagrangeAlphaTauG1,
            level(PtauSection::LagrangeAlphaTauG1)?,
        )
        .map_err(pt)?;
    let beta_l = ptau
        .g1(
            PtauSection::LagrangeBetaTauG1,
            level(PtauSection::LagrangeBetaTauG1)?,
        )
        .map_err(pt)?;
    progress.advance(3 * domain);
    let tau_l2 = ptau
        .g2(
            PtauSection::LagrangeTauG2,
            level(PtauSection::LagrangeTauG2)?,
            PointCheck::Full,
        )
        .map_err(pt)?;
    progress.advance(domain);
    // H: the odd points of the 2n-point level, copied.
    let h_level = ptau
        .level(PtauSection::LagrangeTauG1, power + 1)
        .map_err(pt)?;
    let h_raw = ptau.raw(PtauSection::LagrangeTauG1, h_level).map_err(pt)?;
    let h_hash = h_differences(ptau, domain)?;

    let comb = combinations(header, r1cs);
    let msm_g1 = |stage: &str, terms: &[Vec<(u32, Fr)>], bases: &[G1Affine]| {
        progress.start(stage, terms.len() as u64);
        let points: Vec<G1Projective> = terms
            .par_iter()
            .map(|t| {
                progress.advance(1);
                sparse_msm(bases, t)
            })
            .collect();
        to_affine(&points)
    };
    let k_points = |range: std::ops::Range<usize>, stage: &str| {
        progress.start(stage, range.len() as u64);
        let points: Vec<G1Projective> = range
            .into_par_iter()
            .map(|s| {
                progress.advance(1);
                sparse_msm(&beta_l, &comb.k[0][s])
                    + sparse_msm(&alpha_l, &comb.k[1][s])
                    + sparse_msm(&tau_l, &comb.k[2][s])
            })
            .collect();
        to_affine(&points)
    };
    let ic = k_points(0..n_public + 1, "IC");
    let c = k_points(n_public + 1..n_vars, "C");
    let a = msm_g1("A", &comb.a, &tau_l);
    let b1 = msm_g1("B (G1)", &comb.b, &tau_l);
    progress.start("B (G2)", n_vars as u64);
    let b2: Vec<G2Affine> = to_affine(
        &comb
            .b
            .par_iter()
            .map(|t| {
                progress.advance(1);
                sparse_msm(&tau_l2, t)
            })
            .collect::<Vec<G2Projective>>(),
    );

    progress.start("writing the key", 1);
    let mut hash = Blake2b512::new();
    let mut w = ContainerWriter::new(out, b"zkey", 1, 10)?;
    w.section(1, &zkey_sections::GROTH16.to_le_bytes())?;

    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let mut h2 =
        zkey_sections::header_start_bytes(header.n_wires, header.n_public(), domain as u32);
    h2.extend_from_slice(alpha1_raw);
    h2.extend_from_slice(beta1_raw);
    h2.extend_from_slice(beta2_raw);
    h2.extend_from_slice(&layout::g2_to_bytes(&g2)); // gamma2
    h2.extend_from_slice(&layout::g1_to_bytes(&g1)); // delta1
    h2.extend_from_slice(&layout::g2_to_bytes(&g2)); // delta2
    w.section(2, &h2)?;
    hash.update(g1_uncompressed(&alpha1));
    hash.update(g1_uncompressed(&beta1));
    hash.update(g2_uncompressed(&beta2));
    hash.update(g2_uncompressed(&g2));
    hash.update(g1_uncompressed(&g1));
    hash.update(g2_uncompressed(&g2));

    // Stored as v * R^2: one Montgomery multiplication by a plain witness value then yields the
    // product in Montgomery form (see `iden3::zkey`).
    let r2 = Fr::from(2u64).pow([512]);
    let mut s4 = Vec::with_capacity(4 + 44 * comb.coefficients.len());
    s4.extend_from_slice(&(comb.coefficients.len() as u32).to_le_bytes());
    for k in &comb.coefficients {
        s4.extend_from_slice(&k.matrix.to_le_bytes());
        s4.extend_from_slice(&k.row.to_le_bytes());
        s4.extend_from_slice(&k.signal.to_le_bytes());
        s4.extend_from_slice(&layout::fr_to_bytes(&(k.value * r2), Form::Canonical));
    }
    w.section(4, &s4)?;

    write_g1_section(&mut w, &mut hash, 3, &ic)?;
    // H is copied as it is in the ptau; the hash covers the differences instead.
    {
        let mut s = w.begin(9, domain * G1_AFFINE_BYTES as u64)?;
        for odd in h_raw.chunks_exact(G1_AFFINE_BYTES).skip(1).step_by(2) {
            s.write_all(odd)?;
        }
        s.end()?;
    }
    hash.update(((domain - 1) as u32).to_be_bytes());
    hash.update(&h_hash);
    write_g1_section(&mut w, &mut hash, 8, &c)?;
    write_g1_section(&mut w, &mut hash, 5, &a)?;
    write_g1_section(&mut w, &mut hash, 6, &b1)?;
    hash.update((b2.len() as u32).to_be_bytes());
    let mut s7 = Vec::with_capacity(b2.len() * 128);
    for p in &b2 {
        s7.extend_from_slice(&layout::g2_to_bytes(p));
        hash.update(g2_uncompressed(p));
    }
    w.section(7, &s7)?;

    let cs_hash: [u8; 64] = hash.finalize().into();
    let mut s10 = cs_hash.to_vec();
    s10.extend_from_slice(&0u32.to_le_bytes());
    w.section(10, &s10)?;
    w.finish()?;
    progress.advance(1);
    Ok(cs_hash)
}

fn write_g1_section<W: Write>(
    w: &mut ContainerWriter<W>,
    hash: &mut Blake2b512,
    id: u32,
    points: &[G1Affine],
) -> Result<()> {
    hash.update((points.len() as u32).to_be_bytes());
    let mut body = Vec::with_capacity(points.len() * G1_AFFINE_BYTES);
    for p in points {
        body.extend_from_slice(&layout::g1_to_bytes(p));
        hash.update(g1_uncompressed(p));
    }
    w.section(id, &body)?;
    Ok(())
}

/// The uncompressed `tauG1[j + n] - tauG1[j]` that snarkjs hashes in place of H.
fn h_differences(ptau: &Ptau<'_>, domain: u64) -> Result<Vec<u8>> {
    let count = h_hash_points(domain);
    let available = PtauSection::TauG1.point_count(ptau.power());
    // Points of the upper half that lie inside the tauG1 section.
    let inside = count.min(available.saturating_sub(domain));
    let low = ptau
        .g1(PtauSection::TauG1, 0..count)
        .map_err(SetupError::Ptau)?;
    let high = ptau
        .g1(PtauSection::TauG1, domain..domain + inside)
        .map_err(SetupError::Ptau)?;
    let diffs: Vec<G1Projective> = high
        .par_iter()
        .zip(&low)
        .map(|(h, l)| h.into_group() - l)
        .collect();
    let mut out = Vec::with_capacity(count as usize * 64);
    for p in to_affine(&diffs) {
        out.extend_from_slice(&g1_uncompressed(&p));
    }
    for j in inside..count {
        // Past the end of tauG1: what snarkjs reads there, as it reads it.
        let past = (j + domain - available) as usize * G1_AFFINE_BYTES;
        let after = ptau
            .bytes_after(PtauSection::TauG1)
            .map_err(SetupError::Ptau)?;
        let bytes = after.get(past..past + G1_AFFINE_BYTES).ok_or_else(|| {
            SetupError::Circuit(format!(
                "snarkjs's setup for a domain of {domain} reads past the end of this powers of tau; use one of a higher power"
            ))
        })?;
        out.extend_from_slice(&past_the_end_difference(bytes, &low[j as usize]));
    }
    Ok(out)
}

/// snarkjs's `g1m_subAffine(p, l)` then `batchToAffine` and `batchLEMtoU`, where `p` is 64
/// arbitrary bytes read as Montgomery coordinates: the chord rule `p + (-l)`, which its
/// addition formulas compute whether or not `p` is on the curve, over the coordinates reduced
/// mod q.
pub(crate) fn past_the_end_difference(bytes: &[u8], l: &G1Affine) -> [u8; 64] {
    let r_inv = Fq::from(2u64)
        .pow([256])
        .inverse()
        .expect("R is invertible");
    let x1 = Fq::from_le_bytes_mod_order(&bytes[..32]) * r_inv;
    let y1 = Fq::from_le_bytes_mod_order(&bytes[32..64]) * r_inv;
    let Some((x2, y2)) = l.xy() else {
        return encode_xy(x1, y1);
    };
    let y2 = -y2;
    if x1 == x2 {
        // Not reached by real files: the bytes would have to equal a tau power's x.
        return [0u8; 64];
    }
    let lambda = (y2 - y1) / (x2 - x1);
    let x3 = lambda.square() - x1 - x2;
    let y3 = lambda * (x1 - x3) - y1;
    encode_xy(x3, y3)
}

fn encode_xy(x: Fq, y: Fq) -> [u8; 64] {
    use ark_ff::BigInteger;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
    out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
    out
}

/// `kiln setup groth16`: reads `r1cs` and `ptau`, writes the key to `out` through a temporary
/// file, and returns the circuit hash.
pub fn groth16_setup_files(
    r1cs: &Path,
    ptau: &Path,
    out: &Path,
    progress: &dyn Progress,
) -> Result<[u8; 64]> {
    let (header, system) = read_r1cs_file(r1cs).map_err(SetupError::R1cs)?;
    let map = FileBytes::open(ptau).map_err(SetupError::Ptau)?;
    let ptau = Ptau::parse(map.bytes()).map_err(SetupError::Ptau)?;
    write_file_atomically(out, |w| groth16_setup(&header, &system, &ptau, w, progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iden3::groth16_zkey::read_zkey;
    use crate::setup::ptau::{write_new_ptau, ToxicWaste};
    use crate::setup::NoProgress;
    use ark_ec::{CurveGroup, PrimeGroup};
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn domain_and_hash_counts_follow_snarkjs() {
        assert_eq!(groth16_domain_power(1, 1), 2); // 3 rows in 4
        assert_eq!(groth16_domain_power(3, 0), 2);
        assert_eq!(groth16_domain_power(3, 1), 3); // 4 + 1 rows
        assert_eq!(groth16_domain_power(0, 0), 1);
        assert_eq!(h_hash_points(4), 3);
        assert_eq!(h_hash_points(1 << 14), (1 << 14) - 1);
        assert_eq!(h_hash_points(1 << 15), 1 << 15, "whole chunks from 2^15");
        assert_eq!(h_hash_points(1 << 16), 1 << 16);
    }

    /// `x * x = y`, `y * x = z` with public `z` (wire 1), private x, y.
    fn cubic() -> (R1csHeader, R1cs) {
        let one = Fr::one();
        let header = R1csHeader {
            n_wires: 4,
            n_pub_out: 1,
            n_pub_in: 0,
            n_prv_in: 1,
            n_labels: 4,
            n_constraints: 2,
        };
        let r1cs = R1cs {
            matrices: [
                vec![vec![(one, 2)], vec![(one, 3)]],
                vec![vec![(one, 2)], vec![(one, 2)]],
                vec![vec![(one, 3)], vec![(one, 1)]],
            ],
            num_instance_variables: 2,
            num_witness_variables: 2,
        };
        (header, r1cs)
    }

    #[test]
    fn a_kiln_key_has_the_defined_points_and_proves_its_circuit() {
        let mut rng = seeded_rng("groth16 setup");
        let secrets = ToxicWaste::random(&mut rng);
        let mut ptau_bytes = Vec::new();
        write_new_ptau(&mut ptau_bytes, 3, &secrets, &NoProgress).unwrap();
        let ptau = Ptau::parse(&ptau_bytes).unwrap();
        let (header, r1cs) = cubic();
        let mut key_bytes = Vec::new();
        groth16_setup(&header, &r1cs, &ptau, &mut key_bytes, &NoProgress).unwrap();
        let key = read_zkey(&key_bytes).unwrap();
        assert_eq!((key.n_vars, key.n_public, key.domain_size), (4, 1, 4));
        // The points against their definitions at the known tau: A of wire 2 is L_0(tau)
        // (constraint 0), A of wire 3 is L_1(tau), A of wire 1 is its public row L_{2+1}(tau).
        let g1 = G1Projective::generator();
        let l = |i| crate::setup::ptau::lagrange_by_definition(secrets.tau, 2, i);
        assert_eq!(key.a_query[2], (g1 * l(0)).into_affine());
        assert_eq!(key.a_query[3], (g1 * l(1)).into_affine());
        assert_eq!(key.a_query[1], (g1 * l(3)).into_affine());
        assert_eq!(key.b_g1_query[2], (g1 * (l(0) + l(1))).into_affine());
        // IC[1] = beta A_1 + alpha B_1 + C_1: A in row 3, C in constraint 1.
        assert_eq!(key.ic[1], (g1 * (secrets.beta * l(3) + l(1))).into_affine());
        assert_eq!(key.alpha_g1, (g1 * secrets.alpha).into_affine());
        assert_eq!(key.delta_g2, G2Affine::generator());

        // And the key works: kiln's snarkjs prover verifies every proof before returning it.
        let cpu = kiln_host::ArkworksBackend::new();
        let prover = crate::groth16::SnarkjsProver::new(&cpu, key).unwrap();
        let w = [Fr::one(), Fr::from(27u64), Fr::from(3u64), Fr::from(9u64)];
        let (_, public) = prover.prove(&w, &mut rng).unwrap();
        assert_eq!(public, vec![Fr::from(27u64)]);
        let bad = [Fr::one(), Fr::from(28u64), Fr::from(3u64), Fr::from(9u64)];
        assert!(prover.prove(&bad, &mut rng).is_err());
    }

    #[test]
    fn a_power_too_small_or_an_unprepared_ptau_is_refused() {
        let secrets = ToxicWaste::random(&mut seeded_rng("groth16 refusals"));
        let mut ptau_bytes = Vec::new();
        write_new_ptau(&mut ptau_bytes, 1, &secrets, &NoProgress).unwrap();
        let ptau = Ptau::parse(&ptau_bytes).unwrap();
        let (header, r1cs) = cubic();
        let err = groth16_setup(&header, &r1cs, &ptau, Vec::new(), &NoProgress).unwrap_err();
        assert!(
            matches!(
                err,
                SetupError::PowerTooSmall {
                    needed: 2,
                    power: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("power 2 or more"), "{err}");

        // A big enough file without sections 12..15.
        let mut big = Vec::new();
        write_new_ptau(&mut big, 2, &secrets, &NoProgress).unwrap();
        let big = crate::iden3::ptau::tests::strip_lagrange(&big);
        let ptau = Ptau::parse(&big).unwrap();
        assert!(!ptau.is_prepared());
        let err = groth16_setup(&header, &r1cs, &ptau, Vec::new(), &NoProgress).unwrap_err();
        assert!(matches!(err, SetupError::NotPrepared), "{err}");
        assert!(err.to_string().contains("prepare phase2"));
    }

    #[test]
    fn an_inconsistent_circuit_is_refused() {
        let secrets = ToxicWaste::random(&mut seeded_rng("groth16 bad circuit"));
        let mut ptau_bytes = Vec::new();
        write_new_ptau(&mut ptau_bytes, 3, &secrets, &NoProgress).unwrap();
        let ptau = Ptau::parse(&ptau_bytes).unwrap();
        let (mut header, r1cs) = cubic();
        header.n_constraints = 3;
        assert!(matches!(
            groth16_setup(&header, &r1cs, &ptau, Vec::new(), &NoProgress),
            Err(SetupError::Circuit(_))
        ));
    }

    #[test]
    fn the_read_past_the_end_is_the_chord_rule() {
        // With bytes that are a real point's Montgomery encoding, the emulation is a plain
        // subtraction.
        let g = G1Projective::generator();
        let p = (g * Fr::from(5u64)).into_affine();
        let l = (g * Fr::from(3u64)).into_affine();
        let bytes = layout::g1_to_bytes(&p);
        let expected = g1_uncompressed(&(p.into_group() - l).into_affine());
        assert_eq!(past_the_end_difference(&bytes, &l), expected);
    }
}
