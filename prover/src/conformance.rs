//! The Groth16 check every backend must pass: for the same key, inputs and `r, s`, its proof is
//! the reference's to the byte. Written once, run by each backend's tests (`tests/backends.rs`
//! for every compiled-in backend, `host/cuda/tests/gpu.rs`, `host/wgpu/tests/lavapipe_backend.rs`,
//! `host/fpga/tests/sim_backend.rs`, the snarkjs interop tests, and `prover/tests/groth16.rs` for
//! the cpu backend across shapes).
//!
//! * [`groth16_byte_identity`]: seeded random circuits of the sizes asked for, each set up with
//!   ark-groth16; [`Groth16Prover`] on the backend against ark-groth16's own prover
//!   ([`reference_proof`]).
//! * [`zkey_byte_identity`]: a snarkjs key and witness; [`SnarkjsProver`] on the backend against
//!   the same prover on the arkworks reference (snarkjs's QAP is not arkworks', so ark-groth16 cannot
//!   be the reference there; on the cpu backend itself this checks that proving is a function of
//!   its inputs).
//!
//! Each key is loaded once and proves `random_pairs` random `(r, s)`, then `r = s = 0` (no
//! blinding at all: the bare MSMs), so the bases also stay resident across proofs. Compressed and
//! uncompressed encodings are both compared. The kiln provers verify every proof before
//! returning it, so a backend that computes a wrong MSM fails here with the prover's error; one
//! whose proof verifies but differs in its bytes (another valid proof) fails on the comparison.

use std::fmt;

use ark_bn254::{Bn254, Fr};
use ark_ff::{UniformRand, Zero};
use ark_groth16::Proof;
use ark_serialize::{CanonicalSerialize, Compress};
use ark_std::rand::{CryptoRng, Rng, RngCore};
use kiln_host::{ArkworksBackend, Backend};

use crate::examples::{CubicChain, DenseRows, SumOfSquares};
use crate::groth16::{domain_size, reference_proof, Groth16Prover, SnarkjsProver};
use crate::iden3::groth16_zkey::Groth16Zkey;
use crate::{groth16_setup, synthesize, Result};

/// A circuit shape for [`groth16_byte_identity`]; its values are drawn from the check's rng.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Groth16Circuit {
    /// [`CubicChain`] with this many rounds (`2 * rounds + 1` constraints, one public input).
    CubicChain { rounds: usize },
    /// The largest [`CubicChain`] whose domain is `2^log_size` points.
    CubicChainForDomain { log_size: u32 },
    /// [`SumOfSquares`] of this many public inputs.
    SumOfSquares { inputs: usize },
    /// [`DenseRows`] with this many dense rows (`rows + 1` constraints; `2^k - 2` rows fill a
    /// domain of `2^k` exactly).
    DenseRows { rows: usize },
}

impl fmt::Display for Groth16Circuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Groth16Circuit::CubicChain { rounds } => write!(f, "cubic chain, {rounds} rounds"),
            Groth16Circuit::CubicChainForDomain { log_size } => {
                write!(f, "cubic chain filling 2^{log_size}")
            }
            Groth16Circuit::SumOfSquares { inputs } => {
                write!(f, "sum of squares, {inputs} public inputs")
            }
            Groth16Circuit::DenseRows { rows } => write!(f, "dense rows, {rows} rows"),
        }
    }
}

/// What one key proved, byte-identically to the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The circuit or key.
    pub name: String,
    /// Its evaluation domain (a power of two).
    pub domain_size: usize,
    /// How many `(r, s)` it proved with, `r = s = 0` included.
    pub proofs: usize,
}

/// A passed byte-identity check: what the backend proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The backend checked.
    pub backend: &'static str,
    /// One entry per key.
    pub keys: Vec<Checked>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}: {} (domain 2^{}): {} proofs byte-identical",
                self.backend,
                k.name,
                k.domain_size.trailing_zeros(),
                k.proofs
            )?;
        }
        Ok(())
    }
}

/// Proves each of `circuits` (values from `rng`, key set up with ark-groth16 from `rng`) on
/// `backend` with `random_pairs` random `(r, s)` and then `r = s = 0`, and compares every proof's
/// bytes with ark-groth16's for the same `r, s`. The error names the backend, the circuit and
/// the `r, s` of the first proof that failed or differed.
pub fn groth16_byte_identity(
    backend: &dyn Backend,
    rng: &mut (impl RngCore + CryptoRng),
    circuits: &[Groth16Circuit],
    random_pairs: usize,
) -> std::result::Result<Report, String> {
    let mut keys = Vec::with_capacity(circuits.len());
    for &circuit in circuits {
        let name = circuit.to_string();
        let fail =
            |what: &str, e: crate::ProverError| format!("{}: {name}: {what}: {e}", backend.name());
        let (pk, r1cs, assignment) = match circuit {
            Groth16Circuit::CubicChain { rounds } => set_up(
                CubicChain {
                    x: Fr::rand(rng),
                    rounds,
                },
                rng,
            ),
            Groth16Circuit::CubicChainForDomain { log_size } => {
                set_up(CubicChain::for_domain(Fr::rand(rng), log_size), rng)
            }
            Groth16Circuit::SumOfSquares { inputs } => set_up(
                SumOfSquares {
                    values: (0..inputs).map(|_| Fr::rand(rng)).collect(),
                },
                rng,
            ),
            Groth16Circuit::DenseRows { rows } => set_up(
                DenseRows {
                    xs: (0..rows).map(|_| Fr::rand(rng)).collect(),
                },
                rng,
            ),
        }
        .map_err(|e| fail("setup", e))?;
        let domain_size = domain_size(&r1cs).map_err(|e| fail("setup", e))?;
        let prover = Groth16Prover::new(backend, pk).map_err(|e| fail("loading the key", e))?;
        let proofs = compare(
            backend.name(),
            &name,
            &randomness(rng, random_pairs),
            |r, s| prover.prove_with_randomness(&r1cs, &assignment, r, s),
            |r, s| reference_proof(prover.proving_key(), &r1cs, &assignment, r, s),
            "ark-groth16",
        )?;
        keys.push(Checked {
            name,
            domain_size,
            proofs,
        });
    }
    Ok(Report {
        backend: backend.name(),
        keys,
    })
}

/// Proves `witness` with the snarkjs `key` (named `name` in the report) on `backend` with
/// `random_pairs` random `(r, s)` and then `r = s = 0`, and compares every proof's bytes with the
/// cpu reference's for the same `r, s`.
pub fn zkey_byte_identity(
    backend: &dyn Backend,
    rng: &mut impl Rng,
    name: &str,
    key: &Groth16Zkey,
    witness: &[Fr],
    random_pairs: usize,
) -> std::result::Result<Report, String> {
    let load = |b| {
        SnarkjsProver::new(b, key.clone())
            .map_err(|e| format!("{}: {name}: loading the key: {e}", backend.name()))
    };
    let cpu = ArkworksBackend::new();
    let (ours, reference) = (load(backend)?, load(&cpu)?);
    let proofs = compare(
        backend.name(),
        name,
        &randomness(rng, random_pairs),
        |r, s| ours.prove_with_randomness(witness, r, s).map(|(p, _)| p),
        |r, s| {
            reference
                .prove_with_randomness(witness, r, s)
                .map(|(p, _)| p)
        },
        "the arkworks reference",
    )?;
    Ok(Report {
        backend: backend.name(),
        keys: vec![Checked {
            name: name.to_string(),
            domain_size: key.domain_size,
            proofs,
        }],
    })
}

fn set_up<C>(
    circuit: C,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ark_groth16::ProvingKey<Bn254>, crate::R1cs, Vec<Fr>)>
where
    C: ark_relations::gr1cs::ConstraintSynthesizer<Fr> + Clone,
{
    let pk = groth16_setup(circuit.clone(), rng)?;
    let (r1cs, assignment) = synthesize(circuit)?;
    Ok((pk, r1cs, assignment))
}

/// `count` random `(r, s)`, then `(0, 0)`.
fn randomness(rng: &mut impl Rng, count: usize) -> Vec<(Fr, Fr)> {
    let mut pairs: Vec<(Fr, Fr)> = (0..count).map(|_| (Fr::rand(rng), Fr::rand(rng))).collect();
    pairs.push((Fr::zero(), Fr::zero()));
    pairs
}

/// The heart of the check: for each `(r, s)`, the proof from `ours` and the one from `reference`
/// must have the same compressed and uncompressed bytes. Returns how many proofs were compared.
fn compare(
    backend: &str,
    name: &str,
    pairs: &[(Fr, Fr)],
    ours: impl Fn(Fr, Fr) -> Result<Proof<Bn254>>,
    reference: impl Fn(Fr, Fr) -> Result<Proof<Bn254>>,
    reference_name: &str,
) -> std::result::Result<usize, String> {
    for &(r, s) in pairs {
        let at = format!("{backend}: {name}, r = {r}, s = {s}");
        let ours = ours(r, s).map_err(|e| format!("{at}: the backend's proof failed: {e}"))?;
        let theirs =
            reference(r, s).map_err(|e| format!("{at}: {reference_name}'s proof failed: {e}"))?;
        for (encoding, compress) in [
            ("compressed", Compress::Yes),
            ("uncompressed", Compress::No),
        ] {
            let (ours, theirs) = (encode(&ours, compress), encode(&theirs, compress));
            if ours != theirs {
                let first = ours.iter().zip(&theirs).position(|(a, b)| a != b);
                return Err(format!(
                    "{at}: the {encoding} proof differs from {reference_name}'s (first at byte {})",
                    first.unwrap_or(ours.len().min(theirs.len()))
                ));
            }
        }
    }
    Ok(pairs.len())
}

fn encode(proof: &Proof<Bn254>, compress: Compress) -> Vec<u8> {
    let mut out = Vec::new();
    proof
        .serialize_with_mode(&mut out, compress)
        .expect("writing to a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use kiln_host::conformance::seeded_rng;
    use kiln_host::faulty::{Fault, FaultyBackend};

    use super::*;

    #[test]
    fn the_check_passes_the_cpu_backend_and_fails_a_faulty_one() {
        let mut rng = seeded_rng("groth16 byte identity catches a fault");
        let circuits = [Groth16Circuit::CubicChain { rounds: 3 }];
        let report =
            groth16_byte_identity(&ArkworksBackend::new(), &mut rng, &circuits, 1).unwrap();
        assert_eq!(report.keys[0].proofs, 2);
        for fault in [
            Fault::MsmG1AddsGenerator,
            Fault::MsmG1DropsLastTerm,
            Fault::CosetIgnoresShift,
        ] {
            let faulty = FaultyBackend::new(&[fault]);
            let e = groth16_byte_identity(&faulty, &mut rng, &circuits, 1).unwrap_err();
            assert!(e.contains("faulty") && e.contains("r = "), "{fault:?}: {e}");
        }
    }

    #[test]
    fn a_valid_proof_with_other_bytes_fails_the_comparison() {
        let mut rng = seeded_rng("groth16 byte identity compares bytes");
        let (pk, r1cs, assignment) = set_up(
            CubicChain {
                x: Fr::rand(&mut rng),
                rounds: 3,
            },
            &mut rng,
        )
        .unwrap();
        let cpu = ArkworksBackend::new();
        let prover = Groth16Prover::new(&cpu, pk).unwrap();
        let prove = |r, s| prover.prove_with_randomness(&r1cs, &assignment, r, s);
        // The reference blinds with r + 1: a proof that verifies, but not the same one.
        let e = compare(
            "cpu",
            "cubic chain",
            &randomness(&mut rng, 1),
            prove,
            |r, s| prove(r + Fr::from(1u64), s),
            "a shifted reference",
        )
        .unwrap_err();
        assert!(e.contains("compressed proof differs"), "{e}");
    }
}
