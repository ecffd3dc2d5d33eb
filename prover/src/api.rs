//! One prover API over both proof systems and every backend.
//!
//! A snarkjs `.zkey` says which system it is for (section 1: 1 = Groth16, 2 = PLONK), so
//! [`ProvingKey::read_file`] reads either kind, [`Prover::new`] loads it onto a backend, and
//! [`Prover::prove`] proves a circom witness with it. [`prove`] is the whole path in one call
//! for callers that name the system they expect.

use std::fmt;
use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_std::rand::Rng;
use kiln_host::layout::PointCheck;
use kiln_host::Backend;

use crate::error::{ProverError, Result};
use crate::groth16::SnarkjsProver;
use crate::iden3::groth16_zkey::{read_zkey_with, Groth16Zkey};
use crate::iden3::plonk_zkey::{read_plonk_zkey, PlonkZkey};
use crate::iden3::{zkey_sections, FileBytes, FormatError};
use crate::plonk::prover::{Blinding, PlonkProver};
use crate::plonk::PlonkProof;
use crate::timings::StageTimings;

/// A proof system kiln proves with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProofSystem {
    Groth16,
    Plonk,
}

impl ProofSystem {
    /// The name snarkjs uses in JSON files ("protocol").
    pub fn name(self) -> &'static str {
        match self {
            ProofSystem::Groth16 => "groth16",
            ProofSystem::Plonk => "plonk",
        }
    }

    /// The system a zkey's protocol number stands for.
    pub fn from_zkey_protocol(protocol: u32) -> std::result::Result<Self, FormatError> {
        match protocol {
            zkey_sections::GROTH16 => Ok(ProofSystem::Groth16),
            zkey_sections::PLONK => Ok(ProofSystem::Plonk),
            zkey_sections::FFLONK => Err(FormatError::Inconsistent(
                "zkey protocol 10 is fflonk, which kiln does not prove".into(),
            )),
            other => Err(FormatError::Inconsistent(format!(
                "zkey protocol {other} is unknown (1 = Groth16, 2 = PLONK)"
            ))),
        }
    }
}

impl fmt::Display for ProofSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A snarkjs proving key of either system.
#[derive(Clone, Debug)]
// Made once per key or proof and moved, not stored in bulk: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum ProvingKey {
    Groth16(Groth16Zkey),
    Plonk(PlonkZkey),
}

impl ProvingKey {
    /// Reads a `.zkey` of either system. `check` applies to Groth16's B-query G2 points (see
    /// [`read_zkey_with`]); PLONK keys have no G2 points beyond their header, always checked.
    pub fn read_file(path: &Path, check: PointCheck) -> std::result::Result<Self, FormatError> {
        Self::read(FileBytes::open(path)?.bytes(), check)
    }

    /// As [`read_file`](Self::read_file), from bytes.
    pub fn read(data: &[u8], check: PointCheck) -> std::result::Result<Self, FormatError> {
        let (_, protocol) = zkey_sections::open(data)?;
        Ok(match ProofSystem::from_zkey_protocol(protocol)? {
            ProofSystem::Groth16 => ProvingKey::Groth16(read_zkey_with(data, check)?),
            ProofSystem::Plonk => ProvingKey::Plonk(read_plonk_zkey(data)?),
        })
    }

    pub fn system(&self) -> ProofSystem {
        match self {
            ProvingKey::Groth16(_) => ProofSystem::Groth16,
            ProvingKey::Plonk(_) => ProofSystem::Plonk,
        }
    }

    /// The number of values a witness for this key has.
    pub fn witness_len(&self) -> usize {
        match self {
            ProvingKey::Groth16(k) => k.n_vars,
            ProvingKey::Plonk(k) => k.witness_len(),
        }
    }
}

/// A proof of either system.
#[derive(Clone, Debug, PartialEq)]
// Made once per key or proof and moved, not stored in bulk: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum Proof {
    Groth16(ark_groth16::Proof<Bn254>),
    Plonk(PlonkProof),
}

impl Proof {
    pub fn system(&self) -> ProofSystem {
        match self {
            Proof::Groth16(_) => ProofSystem::Groth16,
            Proof::Plonk(_) => ProofSystem::Plonk,
        }
    }
}

/// A proving key loaded onto a backend (its bases resident): load once, prove many witnesses.
pub enum Prover<'b> {
    Groth16(SnarkjsProver<'b>),
    Plonk(PlonkProver<'b>),
}

impl<'b> Prover<'b> {
    pub fn new(backend: &'b dyn Backend, key: ProvingKey) -> Result<Self> {
        Ok(match key {
            ProvingKey::Groth16(k) => Prover::Groth16(SnarkjsProver::new(backend, k)?),
            ProvingKey::Plonk(k) => Prover::Plonk(PlonkProver::new(backend, k)?),
        })
    }

    pub fn system(&self) -> ProofSystem {
        match self {
            Prover::Groth16(_) => ProofSystem::Groth16,
            Prover::Plonk(_) => ProofSystem::Plonk,
        }
    }

    /// Proves `witness` with fresh randomness from `rng`; the proof has passed the verifier.
    /// Returns it with its public signals and per-stage timings.
    pub fn prove(
        &self,
        witness: &[Fr],
        rng: &mut impl Rng,
    ) -> Result<(Proof, Vec<Fr>, StageTimings)> {
        match self {
            Prover::Groth16(p) => {
                let (r, s) = (Fr::rand(rng), Fr::rand(rng));
                let (proof, public, t) = p.prove_timed(witness, r, s)?;
                Ok((Proof::Groth16(proof), public, t))
            }
            Prover::Plonk(p) => {
                let (proof, public, t) = p.prove_timed(witness, &Blinding::random(rng))?;
                Ok((Proof::Plonk(proof), public, t))
            }
        }
    }
}

/// The whole path in one call: load `key` onto `backend` and prove `witness` with `system`,
/// which must be the system the key was made for.
pub fn prove(
    system: ProofSystem,
    backend: &dyn Backend,
    key: ProvingKey,
    witness: &[Fr],
    rng: &mut impl Rng,
) -> Result<(Proof, Vec<Fr>)> {
    if key.system() != system {
        return Err(ProverError::KeyMismatch(format!(
            "a {} proof was asked for, but the key is a {} key",
            system,
            key.system()
        )));
    }
    let (proof, public, _) = Prover::new(backend, key)?.prove(witness, rng)?;
    Ok((proof, public))
}
