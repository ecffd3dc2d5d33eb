//! Proving batches: the engine, the circuit, the keys and both provers, end to end.
//!
//! A batch is proven through circom-format files, so kiln's snarkjs-compatible setups and
//! provers (and snarkjs itself, for anyone who wants to check) apply unchanged:
//!
//! 1. the engine applies the batch (or names the rule it breaks: nothing else runs);
//! 2. the circuit is synthesised with the engine's computation as its witness;
//! 3. keys for the batch shape come from a key folder: `circuit.r1cs`, a powers of tau,
//!    `groth16.zkey` and `plonk.zkey`, made on first use ([`BatchKeys::prepare`]);
//! 4. each proof system proves on the chosen backend; each proof is verified, its public input
//!    must be the engine's, and with both systems the two must agree: the batch is final only
//!    when both bind the same new state root.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_std::rand::Rng;
use kiln_host::layout::PointCheck;
use kiln_host::Backend;
use kiln_prover::api::{Proof, ProofSystem, Prover, ProvingKey};
use kiln_prover::iden3::r1cs::{read_r1cs_file, write_r1cs};
use kiln_prover::iden3::writer::write_file_atomically;
use kiln_prover::iden3::wtns::write_wtns;
use kiln_prover::r1cs::synthesize;
use kiln_prover::setup::{self, groth16::groth16_setup_files, plonk::plonk_setup_files, ptau};

use crate::arith::Rejection;
use crate::batch_circuit::BatchCircuit;
use crate::engine::{self, Outcome};
use crate::model::{Batch, Shape, State};

/// Why a batch was not proven.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The engine refuses the batch; no witness exists, so nothing is proven.
    #[error("the batch is rejected: {0}")]
    Rejected(#[from] Rejection),
    #[error("synthesising the batch circuit: {0}")]
    Synthesis(String),
    #[error("keys: {0}")]
    Keys(String),
    #[error("{system}: {source}")]
    Prover {
        system: ProofSystem,
        source: kiln_prover::ProverError,
    },
    /// A proof whose public input is not the engine's, or proofs that disagree. Never expected:
    /// it would mean the circuit and the engine differ.
    #[error("{0}")]
    Disagreement(String),
}

/// Which systems to prove with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Systems {
    Groth16,
    Plonk,
    Both,
}

impl Systems {
    pub fn list(self) -> &'static [ProofSystem] {
        match self {
            Systems::Groth16 => &[ProofSystem::Groth16],
            Systems::Plonk => &[ProofSystem::Plonk],
            Systems::Both => &[ProofSystem::Groth16, ProofSystem::Plonk],
        }
    }
}

/// The key folder of one batch shape.
pub struct BatchKeys {
    pub dir: PathBuf,
    pub shape: Shape,
    /// Constraints of the circuit (R1CS rows).
    pub constraints: usize,
}

/// What [`BatchKeys::prepare`] reports as it goes.
pub trait Report {
    /// A stage begins (a line for the user).
    fn stage(&self, what: &str);
    /// The setup progress sink for long stages.
    fn progress(&self) -> &dyn setup::Progress;
}

/// Reports nothing.
pub struct Quiet;

impl Report for Quiet {
    fn stage(&self, _: &str) {}
    fn progress(&self) -> &dyn setup::Progress {
        &setup::NoProgress
    }
}

/// A batch that can stand for every batch of its shape when making keys: the circuit's matrices
/// do not depend on the values, only on the shape (`tests/batch_flow.rs` checks it).
pub fn template(shape: &Shape) -> (State, Batch) {
    crate::sample::quiet_batch(shape)
}

impl BatchKeys {
    /// The key folder for `shape` under `root` (`root/a16-s3-t64-o4`).
    pub fn folder(root: &Path, shape: &Shape) -> PathBuf {
        root.join(format!(
            "a{}-s{}-t{}-o{}",
            shape.accounts, shape.slots, shape.trades, shape.series
        ))
    }

    /// Opens or makes the keys of `shape` in `folder`. With `ptau` given, keys are made from it
    /// (a ceremony's file, for production); otherwise a local powers of tau is made with
    /// `kiln ptau new`'s generator, which is INSECURE and only fit for development. The Groth16
    /// key gets no phase-2 contribution here: add one with `snarkjs zkey contribute` before
    /// production use (kiln uses whatever `groth16.zkey` the folder holds).
    pub fn prepare(
        folder: &Path,
        shape: &Shape,
        ptau_file: Option<&Path>,
        report: &dyn Report,
    ) -> Result<Self, BatchError> {
        let keys = |e: &dyn std::fmt::Display| BatchError::Keys(e.to_string());
        shape.validate().map_err(|e| keys(&e))?;
        std::fs::create_dir_all(folder).map_err(|e| keys(&format!("{}: {e}", folder.display())))?;
        let r1cs_path = folder.join("circuit.r1cs");
        // The circuit file is always rewritten from the code, so keys made for an older circuit
        // are noticed (their circuit hash or shape no longer matches) rather than used.
        report.stage("synthesising the circuit");
        let (state, batch) = template(shape);
        let (r1cs, _) = synthesize(BatchCircuit {
            shape: *shape,
            state,
            batch,
        })
        .map_err(|e| BatchError::Synthesis(e.to_string()))?;
        let constraints = r1cs.num_constraints();
        let bytes = write_r1cs(&r1cs, 1, Vec::new()).map_err(|e| keys(&e))?;
        let stale = std::fs::read(&r1cs_path).map_or(true, |old| old != bytes);
        if stale {
            for f in ["groth16.zkey", "plonk.zkey"] {
                let _ = std::fs::remove_file(folder.join(f));
            }
            write_file_atomically::<_, setup::SetupError>(&r1cs_path, |w| {
                use std::io::Write;
                Ok(w.write_all(&bytes)?)
            })
            .map_err(|e| keys(&e))?;
        }
        let (header, system) = read_r1cs_file(&r1cs_path).map_err(|e| keys(&e))?;
        let groth16_power =
            setup::groth16::groth16_domain_power(header.n_constraints, header.n_public());
        let plonk_power = setup::plonk::PlonkCircuit::from_r1cs(&header, &system).domain_power();
        let power = groth16_power.max(plonk_power);
        let ptau_path = match ptau_file {
            Some(p) => p.to_path_buf(),
            None => {
                let p = folder.join(format!("insecure_pot_{power}.ptau"));
                if !p.exists() {
                    report.stage(&format!(
                        "making a local powers of tau of power {power} (INSECURE: development only)"
                    ));
                    ptau::new_ptau_file(&p, power, report.progress()).map_err(|e| keys(&e))?;
                }
                p
            }
        };
        let groth16 = folder.join("groth16.zkey");
        if !groth16.exists() {
            report.stage(&format!("Groth16 setup (domain 2^{groth16_power})"));
            groth16_setup_files(&r1cs_path, &ptau_path, &groth16, report.progress())
                .map_err(|e| keys(&e))?;
        }
        let plonk = folder.join("plonk.zkey");
        if !plonk.exists() {
            report.stage(&format!("PLONK setup (domain 2^{plonk_power})"));
            plonk_setup_files(&r1cs_path, &ptau_path, &plonk, report.progress())
                .map_err(|e| keys(&e))?;
        }
        Ok(BatchKeys {
            dir: folder.to_path_buf(),
            shape: *shape,
            constraints,
        })
    }

    /// The verification key of `system`'s proving key in this folder.
    pub fn verifying_key(&self, system: ProofSystem) -> Result<VerifyingKey, BatchError> {
        let path = self.zkey(system);
        let key = ProvingKey::read_file(&path, PointCheck::Full)
            .map_err(|e| BatchError::Keys(format!("{}: {e}", path.display())))?;
        Ok(VerifyingKey::of(&key))
    }

    pub fn zkey(&self, system: ProofSystem) -> PathBuf {
        self.dir.join(match system {
            ProofSystem::Groth16 => "groth16.zkey",
            ProofSystem::Plonk => "plonk.zkey",
        })
    }
}

/// A verification key of either system.
#[derive(Clone, Debug)]
// Made once per key or proof and moved, not stored in bulk: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum VerifyingKey {
    Groth16(ark_groth16::VerifyingKey<ark_bn254::Bn254>),
    Plonk(kiln_prover::plonk::PlonkVerifyingKey),
}

impl VerifyingKey {
    fn of(key: &ProvingKey) -> Self {
        match key {
            ProvingKey::Groth16(k) => VerifyingKey::Groth16(k.verifying_key()),
            ProvingKey::Plonk(k) => VerifyingKey::Plonk(k.vk.clone()),
        }
    }

    /// Whether `proof` verifies for `public` (false for a proof of the other system).
    pub fn verify(&self, public: &[Fr], proof: &Proof) -> bool {
        match (self, proof) {
            (VerifyingKey::Groth16(vk), Proof::Groth16(p)) => {
                kiln_prover::snarkjs_json::verify(vk, public, p).unwrap_or(false)
            }
            (VerifyingKey::Plonk(vk), Proof::Plonk(p)) => {
                kiln_prover::plonk::verifier::verify(vk, public, p)
            }
            _ => false,
        }
    }

    /// snarkjs's `verification_key.json` for this key.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            VerifyingKey::Groth16(vk) => kiln_prover::snarkjs_json::verifying_key_to_json(vk),
            VerifyingKey::Plonk(vk) => kiln_prover::plonk::json::verifying_key_to_json(vk),
        }
    }
}

/// A proof of one batch in one system.
pub struct SystemProof {
    pub system: ProofSystem,
    pub proof: Proof,
    /// The key's verification key; the proof has been checked against it.
    pub verifying_key: VerifyingKey,
    /// The public signals the proof binds (one: the batch's public input).
    pub public: Vec<Fr>,
    pub load: Duration,
    pub prove: Duration,
}

/// A proven batch.
pub struct BatchProof {
    pub outcome: Outcome,
    pub proofs: Vec<SystemProof>,
    /// Wall time of the engine, and of synthesising the circuit and its witness.
    pub engine: Duration,
    pub synthesis: Duration,
    /// Circuit size.
    pub constraints: usize,
    pub witness_len: usize,
}

/// Applies and proves `batch` on `state` with `systems` on `backend`, using `keys`. Writes the
/// witness (`witness.wtns`) beside the keys' circuit for anyone who wants to re-prove it.
pub fn prove_batch(
    backend: &dyn Backend,
    keys: &BatchKeys,
    state: &State,
    batch: &Batch,
    systems: Systems,
    rng: &mut impl Rng,
) -> Result<BatchProof, BatchError> {
    let t0 = Instant::now();
    let outcome = engine::apply(&keys.shape, state, batch)?;
    let engine_time = t0.elapsed();

    let t1 = Instant::now();
    let (r1cs, witness) = synthesize(BatchCircuit {
        shape: keys.shape,
        state: state.clone(),
        batch: batch.clone(),
    })
    .map_err(|e| BatchError::Synthesis(e.to_string()))?;
    // The engine accepted the batch, so its computation satisfies the circuit; a failure here
    // is a bug in one of the two, never a property of the batch.
    r1cs.check_satisfied(&witness).map_err(|e| {
        BatchError::Disagreement(format!(
            "the engine accepted the batch but its witness does not satisfy the circuit ({e})"
        ))
    })?;
    if witness.get(1) != Some(&outcome.public) {
        return Err(BatchError::Disagreement(
            "the circuit's public input is not the engine's".into(),
        ));
    }
    let synthesis = t1.elapsed();
    let wtns = keys.dir.join("witness.wtns");
    write_file_atomically::<_, setup::SetupError>(&wtns, |w| {
        Ok(write_wtns(&witness, w).map(|_| ())?)
    })
    .map_err(|e| BatchError::Keys(format!("{}: {e}", wtns.display())))?;

    let mut proofs = Vec::new();
    for &system in systems.list() {
        let prover_error = |source| BatchError::Prover { system, source };
        let t = Instant::now();
        let key = ProvingKey::read_file(&keys.zkey(system), PointCheck::Full)
            .map_err(|e| BatchError::Keys(format!("{}: {e}", keys.zkey(system).display())))?;
        if key.witness_len() != witness.len() {
            return Err(BatchError::Keys(format!(
                "{} was made for another circuit ({} signals, the batch circuit has {}): delete it to remake it",
                keys.zkey(system).display(),
                key.witness_len(),
                witness.len()
            )));
        }
        let verifying_key = VerifyingKey::of(&key);
        let prover = Prover::new(backend, key).map_err(prover_error)?;
        let load = t.elapsed();
        let t = Instant::now();
        let (proof, public, _) = prover.prove(&witness, rng).map_err(prover_error)?;
        let prove = t.elapsed();
        if public != [outcome.public] {
            return Err(BatchError::Disagreement(format!(
                "the {system} proof's public input is not the engine's"
            )));
        }
        // The prover verified it already; this is the verifier a third party would run.
        if !verifying_key.verify(&public, &proof) {
            return Err(BatchError::Disagreement(format!(
                "the {system} proof does not verify against its key's verification key"
            )));
        }
        proofs.push(SystemProof {
            system,
            proof,
            verifying_key,
            public,
            load,
            prove,
        });
    }
    if let [first, rest @ ..] = proofs.as_slice() {
        if rest.iter().any(|p| p.public != first.public) {
            return Err(BatchError::Disagreement(
                "the proofs bind different public inputs: the batch is not final".into(),
            ));
        }
    }
    Ok(BatchProof {
        outcome,
        proofs,
        engine: engine_time,
        synthesis,
        constraints: r1cs.num_constraints(),
        witness_len: witness.len(),
    })
}
