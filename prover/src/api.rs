//! One prover API over both proof systems and every backend.
//!
//! A snarkjs `.zkey` says which system it is for (section 1: 1 = Groth16, 2 = PLONK), so
//! [`ProvingKey::read_file`] reads either kind, [`Prover::new`] loads it onto a backend, and
//! [`Prover::prove`] proves a circom witness with it. [`prove`] is the whole path in one call
//! for callers that name the system they expect.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_std::rand::Rng;
use kiln_host::layout::PointCheck;
use kiln_host::Backend;

use crate::error::{ProverError, Result};
use crate::groth16::SnarkjsProver;
use crate::iden3::groth16_zkey::{read_zkey_with, Groth16Zkey};
use crate::iden3::plonk_zkey::{read_plonk_zkey, PlonkZkey};
use crate::iden3::{zkey_sections, FileBytes, FileSource, FormatError};
use crate::key_cache::{CheckedKeys, KeyDigest};
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
        Self::read(&FileBytes::open(path)?, check)
    }

    /// As [`read_file`](Self::read_file), from bytes.
    pub fn read<'a>(
        data: impl Into<FileSource<'a>>,
        check: PointCheck,
    ) -> std::result::Result<Self, FormatError> {
        let data = data.into();
        let (_, protocol) = zkey_sections::open(data.bytes())?;
        Ok(match ProofSystem::from_zkey_protocol(protocol)? {
            ProofSystem::Groth16 => ProvingKey::Groth16(read_zkey_with(data, check)?),
            ProofSystem::Plonk => ProvingKey::Plonk(read_plonk_zkey(data)?),
        })
    }

    /// Reads a `.zkey` of either system with the checks `checks` asks for, and says which ran.
    pub fn load(
        path: &Path,
        checks: &KeyChecks,
    ) -> std::result::Result<(Self, KeyLoad), FormatError> {
        Self::load_bytes(&FileBytes::open(path)?, checks)
    }

    /// As [`load`](Self::load), from bytes.
    pub fn load_bytes<'a>(
        data: impl Into<FileSource<'a>>,
        checks: &KeyChecks,
    ) -> std::result::Result<(Self, KeyLoad), FormatError> {
        let data = data.into();
        let mut load = KeyLoad {
            g2_checks: G2Checks::Ran,
            digest: None,
            recorded: false,
            hashing: Duration::ZERO,
            cache_warning: None,
        };
        let cache = match checks {
            KeyChecks::Full => None,
            KeyChecks::Trusted => {
                load.g2_checks = G2Checks::Trusted;
                return Ok((Self::read(data, PointCheck::OnCurveOnly)?, load));
            }
            KeyChecks::Cached(cache) => Some(cache),
        };
        // Only a Groth16 key has a G2 section worth caching (a PLONK key's G2 points are its
        // header's two), so only a Groth16 key is hashed.
        let (_, protocol) = zkey_sections::open(data.bytes())?;
        let (Some(cache), ProofSystem::Groth16) =
            (cache, ProofSystem::from_zkey_protocol(protocol)?)
        else {
            return Ok((Self::read(data, PointCheck::Full)?, load));
        };
        let start = Instant::now();
        let digest = KeyDigest::of_file(data);
        load.hashing = start.elapsed();
        load.digest = Some(digest);
        if cache.contains(&digest) {
            load.g2_checks = G2Checks::Recognised;
            return Ok((Self::read(data, PointCheck::OnCurveOnly)?, load));
        }
        let key = Self::read(data, PointCheck::Full)?;
        match cache.record(&digest) {
            Ok(()) => load.recorded = true,
            Err(e) => {
                load.cache_warning = Some(match cache.dir() {
                    Some(dir) => format!(
                        "cannot record the checked key in {}: {e}; later runs will check it again",
                        dir.display()
                    ),
                    None => format!("cannot record the checked key: {e}"),
                })
            }
        }
        Ok((key, load))
    }

    pub fn system(&self) -> ProofSystem {
        match self {
            ProvingKey::Groth16(_) => ProofSystem::Groth16,
            ProvingKey::Plonk(_) => ProofSystem::Plonk,
        }
    }

    /// Whether `proof` verifies for `public` under this key's verification key (a proof of
    /// the other system does not).
    pub fn verifies(&self, public: &[Fr], proof: &Proof) -> bool {
        match (self, proof) {
            (ProvingKey::Groth16(k), Proof::Groth16(p)) => {
                crate::snarkjs_json::verify(&k.verifying_key(), public, p).unwrap_or(false)
            }
            (ProvingKey::Plonk(k), Proof::Plonk(p)) => {
                crate::plonk::verifier::verify(&k.vk, public, p)
            }
            _ => false,
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

/// How much [`ProvingKey::load`] checks of a key's Groth16 B-query G2 points (every other
/// check always runs; PLONK keys have no such points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyChecks {
    /// On the twist and in G2, checked every time (batched: [`kiln_msm::subgroup`]).
    Full,
    /// As `Full`, unless the key's SHA-256 is in the cache of keys that passed before; a key
    /// that passes now is recorded there ([`crate::key_cache`]).
    Cached(CheckedKeys),
    /// On the twist only: the caller vouches for the key (`kiln prove --trusted-key`). Each
    /// proof's B point is still checked before the proof is returned.
    Trusted,
}

/// What [`ProvingKey::load`] did about the B query's subgroup checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum G2Checks {
    /// They ran and passed (or there were none: a PLONK key).
    Ran,
    /// Skipped: the key's digest was in the cache.
    Recognised,
    /// Skipped: [`KeyChecks::Trusted`].
    Trusted,
}

/// The report of one [`ProvingKey::load`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLoad {
    pub g2_checks: G2Checks,
    /// The key's SHA-256, when a cache was consulted.
    pub digest: Option<KeyDigest>,
    /// Whether this load recorded the key in the cache.
    pub recorded: bool,
    /// Time spent hashing the key.
    pub hashing: Duration,
    /// Why the key could not be recorded, when a cache was asked for and writing failed. The
    /// load itself succeeded: the key was fully checked.
    pub cache_warning: Option<String>,
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
                groth16_with_fresh_randomness(rng, |r, s| p.prove_timed(witness, r, s))
            }
            Prover::Plonk(p) => {
                let (proof, public, t) = p.prove_timed(witness, &Blinding::random(rng))?;
                Ok((Proof::Plonk(proof), public, t))
            }
        }
    }

    /// As [`prove`](Self::prove), taking the witness, which a Groth16 prover moves to its
    /// backend for the MSMs instead of copying it there (`kiln prove`, which reads a witness to
    /// prove it once, so holds one copy of it). A PLONK prover borrows it.
    pub fn prove_owned(
        &self,
        witness: Vec<Fr>,
        rng: &mut impl Rng,
    ) -> Result<(Proof, Vec<Fr>, StageTimings)> {
        match self {
            Prover::Groth16(p) => {
                groth16_with_fresh_randomness(rng, |r, s| p.prove_timed_owned(witness, r, s))
            }
            Prover::Plonk(_) => self.prove(&witness, rng),
        }
    }

    /// As [`prove_owned`](Self::prove_owned), for a prover made for one proof (`kiln prove`):
    /// what only the first stages need is freed as soon as they are done, for a lower peak.
    pub fn prove_once(
        self,
        witness: Vec<Fr>,
        rng: &mut impl Rng,
    ) -> Result<(Proof, Vec<Fr>, StageTimings)> {
        match self {
            Prover::Groth16(p) => {
                groth16_with_fresh_randomness(rng, |r, s| p.prove_once(witness, r, s))
            }
            Prover::Plonk(_) => self.prove(&witness, rng),
        }
    }
}

/// A Groth16 proof made by `prove` with fresh `r, s` from `rng`.
fn groth16_with_fresh_randomness(
    rng: &mut impl Rng,
    prove: impl FnOnce(Fr, Fr) -> Result<(ark_groth16::Proof<Bn254>, Vec<Fr>, StageTimings)>,
) -> Result<(Proof, Vec<Fr>, StageTimings)> {
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let (proof, public, t) = prove(r, s)?;
    Ok((Proof::Groth16(proof), public, t))
}

/// A proof the backend could not make, made on the arkworks reference instead
/// ([`Prover::prove_or_recover`]).
#[derive(Debug)]
pub struct Recovery {
    /// The backend that failed.
    pub backend: &'static str,
    /// What failed: the device's error, or its proof that did not verify.
    pub cause: ProverError,
}

impl Prover<'_> {
    /// The backend the key is loaded on.
    pub fn backend(&self) -> &dyn Backend {
        match self {
            Prover::Groth16(p) => p.backend(),
            Prover::Plonk(p) => p.backend(),
        }
    }

    /// As [`prove`](Self::prove), but a device fault ([`ProverError::is_device_fault`]: an error
    /// the device reported, or a proof of its that did not verify) does not end the proof: the
    /// same witness is proved again with the same randomness on the arkworks reference, and that
    /// proof (verified like every other) comes back with the [`Recovery`] that says what failed.
    /// An error about the inputs is returned as it is, as is the reference's own error.
    pub fn prove_or_recover(
        &self,
        witness: &[Fr],
        rng: &mut impl Rng,
    ) -> Result<(Proof, Vec<Fr>, Option<Recovery>)> {
        let reference = kiln_host::ArkworksBackend::new();
        let recover = |cause: ProverError| Recovery {
            backend: self.backend().name(),
            cause,
        };
        let recoverable = |e: &ProverError| e.is_device_fault() && !self.backend().on_host();
        match self {
            Prover::Groth16(p) => {
                let (r, s) = (Fr::rand(rng), Fr::rand(rng));
                match p.prove_with_randomness(witness, r, s) {
                    Ok((proof, public)) => Ok((Proof::Groth16(proof), public, None)),
                    Err(e) if recoverable(&e) => {
                        let (proof, public) = p.prove_on(&reference, witness, r, s)?;
                        Ok((Proof::Groth16(proof), public, Some(recover(e))))
                    }
                    Err(e) => Err(e),
                }
            }
            Prover::Plonk(p) => {
                let blinding = Blinding::random(rng);
                match p.prove_timed(witness, &blinding) {
                    Ok((proof, public, _)) => Ok((Proof::Plonk(proof), public, None)),
                    Err(e) if recoverable(&e) => {
                        let (proof, public) = p.prove_on(&reference, witness, &blinding)?;
                        Ok((Proof::Plonk(proof), public, Some(recover(e))))
                    }
                    Err(e) => Err(e),
                }
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

impl ProvingKey {
    /// Public signals (outputs and public inputs) a proof with this key has.
    pub fn n_public(&self) -> usize {
        match self {
            ProvingKey::Groth16(k) => k.n_public,
            ProvingKey::Plonk(k) => k.vk.n_public,
        }
    }

    /// snarkjs's `verification_key.json` for this key (`snarkjs zkey export verificationkey`).
    pub fn verification_key_json(&self) -> serde_json::Value {
        match self {
            ProvingKey::Groth16(k) => {
                crate::snarkjs_json::verifying_key_to_json(&k.verifying_key())
            }
            ProvingKey::Plonk(k) => crate::plonk::json::verifying_key_to_json(&k.vk),
        }
    }
}

impl Proof {
    /// snarkjs's `proof.json` for this proof.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Proof::Groth16(p) => crate::snarkjs_json::proof_to_json(p),
            Proof::Plonk(p) => crate::plonk::json::proof_to_json(p),
        }
    }
}

/// Why [`verify_json`] could not decide: the files do not describe one statement.
#[derive(Debug, thiserror::Error)]
pub enum VerifyJsonError {
    /// The verification key is malformed or of a protocol kiln does not verify.
    #[error("{0}")]
    Key(String),
    /// The proof is malformed.
    #[error("{0}")]
    Proof(String),
    /// The proof is tagged for another protocol than the key.
    #[error("a {proof} proof cannot be checked against a {key} verification key")]
    ProtocolMismatch { proof: String, key: String },
    /// The public signals do not fit the key.
    #[error("{0}")]
    Statement(String),
}

/// Verifies snarkjs's `proof.json` against `verification_key.json` and the public signals, as
/// `snarkjs groth16|plonk verify` do, with the protocol taken from the key: `Ok(true)` for a
/// valid proof, `Ok(false)` for a well-formed one that does not verify.
pub fn verify_json(
    vk: &serde_json::Value,
    public: &[Fr],
    proof: &serde_json::Value,
) -> std::result::Result<bool, VerifyJsonError> {
    use crate::plonk::{json as plonk_json, verifier::Rejection};
    use crate::snarkjs_json;

    let protocol = vk
        .get("protocol")
        .and_then(|p| p.as_str())
        .ok_or_else(|| VerifyJsonError::Key("no \"protocol\" field".into()))?;
    if let Some(theirs) = proof.get("protocol").and_then(|p| p.as_str()) {
        if theirs != protocol {
            return Err(VerifyJsonError::ProtocolMismatch {
                proof: theirs.into(),
                key: protocol.into(),
            });
        }
    }
    match protocol {
        "groth16" => {
            let vk = snarkjs_json::verifying_key_from_json(vk)
                .map_err(|e| VerifyJsonError::Key(e.to_string()))?;
            let proof = snarkjs_json::proof_from_json(proof)
                .map_err(|e| VerifyJsonError::Proof(e.to_string()))?;
            snarkjs_json::verify(&vk, public, &proof)
                .map_err(|e| VerifyJsonError::Statement(e.to_string()))
        }
        "plonk" => {
            let vk = plonk_json::verifying_key_from_json(vk)
                .map_err(|e| VerifyJsonError::Key(e.to_string()))?;
            let proof = plonk_json::proof_from_json(proof)
                .map_err(|e| VerifyJsonError::Proof(e.to_string()))?;
            match crate::plonk::verifier::check(&vk, public, &proof) {
                Ok(()) => Ok(true),
                // Malformed input, as for Groth16: the files do not describe one statement.
                Err(e @ (Rejection::PublicCount { .. } | Rejection::Domain(_))) => {
                    Err(VerifyJsonError::Statement(e.to_string()))
                }
                Err(Rejection::XiInDomain | Rejection::Pairing) => Ok(false),
            }
        }
        "fflonk" => Err(VerifyJsonError::Key(
            "fflonk proofs are not supported (kiln verifies groth16 and plonk)".into(),
        )),
        other => Err(VerifyJsonError::Key(format!(
            "unknown protocol '{other}' (kiln verifies groth16 and plonk)"
        ))),
    }
}
