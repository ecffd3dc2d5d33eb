//! A fault campaign: many Groth16 and PLONK proofs on a backend that fails as devices fail in
//! the field ([`kiln_host::faulty::FaultyBackend`] with [`FaultRates`]: bit flips in MSM and NTT
//! outputs, the device lost in the middle of a proof, out of memory on an upload).
//!
//! Each proof runs on a fresh faulty wrapper (its own seed) around a fresh backend, loads the key
//! and proves with [`Prover::prove_or_recover`]. The campaign sorts every outcome:
//!
//! - **clean**: nothing was injected and the device's proof came back;
//! - **absorbed**: a fault was injected where it changes nothing (a flipped coefficient that
//!   meets the H query's padding point at infinity) and the device's proof, verified, came back;
//! - **recovered**: the device failed and the reference's proof came back, with the cause;
//! - **reported**: no proof, and an error naming a device fault (a key upload refused, the
//!   device lost while loading);
//!
//! and counts what must never happen: a returned proof that does not verify ([`CampaignReport::invalid`],
//! checked here with the verifier, independently of the prover's own check), or a failure that
//! is not a device fault although the witness is valid ([`CampaignReport::unexplained`]).
//! `make fault-campaign` runs 1,000 proofs of each system on the arkworks and cpu backends; the
//! tests run a smaller campaign.

use std::collections::BTreeMap;
use std::fmt;

use ark_bn254::Fr;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_host::faulty::{FaultRates, FaultyBackend, InjectedFaults};
use kiln_host::Backend;

use crate::api::{ProofSystem, Prover, ProvingKey};
use crate::error::ProverError;
use crate::examples::CubicChain;
use crate::iden3::r1cs::{read_r1cs, write_r1cs};
use crate::iden3::FormatError;
use crate::setup::{self, NoProgress};
use crate::synthesize;

/// Rates that put some fault into about half the proofs of the campaign circuit: per MSM, per
/// NTT, per call (device lost) and per upload (out of memory).
pub const DEFAULT_RATES: FaultRates = FaultRates {
    msm_bit_flip: 0.04,
    ntt_bit_flip: 0.02,
    device_lost: 0.003,
    upload_out_of_memory: 0.01,
};

/// Keys of both systems for one small circuit ([`CubicChain`]), made in process with kiln's
/// snarkjs-identical setups over a local powers of tau, and the circuit's witnesses.
pub struct CampaignCircuit {
    rounds: usize,
    pub groth16: ProvingKey,
    pub plonk: ProvingKey,
}

impl CampaignCircuit {
    /// The cubic chain of `rounds` rounds (`2 * rounds + 1` constraints).
    pub fn new(rounds: usize) -> Result<Self, String> {
        let fail = |e: &dyn fmt::Display| e.to_string();
        let (r1cs, _) = synthesize(CubicChain {
            x: Fr::from(3u64),
            rounds,
        })
        .map_err(|e| fail(&e))?;
        let bytes = write_r1cs(&r1cs, 1, Vec::new()).map_err(|e| fail(&e))?;
        let (header, system) = read_r1cs(&bytes).map_err(|e| fail(&e))?;
        let power = setup::groth16::groth16_domain_power(header.n_constraints, header.n_public())
            .max(setup::plonk::PlonkCircuit::from_r1cs(&header, &system).domain_power());
        let mut ptau = Vec::new();
        let secrets = setup::ptau::ToxicWaste {
            tau: Fr::from(17u64),
            alpha: Fr::from(19u64),
            beta: Fr::from(23u64),
        };
        setup::ptau::write_new_ptau(&mut ptau, power, &secrets, &NoProgress)
            .map_err(|e| fail(&e))?;
        let ptau = crate::iden3::ptau::Ptau::parse(&ptau).map_err(|e| fail(&e))?;
        let mut groth16 = Vec::new();
        setup::groth16::groth16_setup(&header, &system, &ptau, &mut groth16, &NoProgress)
            .map_err(|e| fail(&e))?;
        let mut plonk = Vec::new();
        setup::plonk::plonk_setup(&header, &system, &ptau, &mut plonk, &NoProgress)
            .map_err(|e| fail(&e))?;
        let read = |b: &[u8]| -> Result<ProvingKey, FormatError> {
            ProvingKey::read(b, kiln_host::layout::PointCheck::Full)
        };
        Ok(CampaignCircuit {
            rounds,
            groth16: read(&groth16).map_err(|e| fail(&e))?,
            plonk: read(&plonk).map_err(|e| fail(&e))?,
        })
    }

    /// The full witness `[1, output, x, ...]` for input `x`.
    pub fn witness(&self, x: Fr) -> Vec<Fr> {
        let (_, witness) = synthesize(CubicChain {
            x,
            rounds: self.rounds,
        })
        .expect("the chain synthesizes for every x");
        witness
    }

    fn key(&self, system: ProofSystem) -> &ProvingKey {
        match system {
            ProofSystem::Groth16 => &self.groth16,
            ProofSystem::Plonk => &self.plonk,
        }
    }
}

/// What a campaign saw, for one proof system.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CampaignReport {
    pub proofs: usize,
    pub clean: usize,
    pub absorbed: usize,
    pub recovered: usize,
    pub reported: usize,
    /// Returned proofs that do not verify: must be 0.
    pub invalid: usize,
    /// Failures that are not device faults, although every witness is valid: must be 0.
    pub unexplained: usize,
    /// Recoveries and reports by cause.
    pub causes: BTreeMap<String, usize>,
    /// Faults injected in all.
    pub injected: InjectedFaults,
}

impl CampaignReport {
    /// Whether the campaign met its bar: no invalid proof, no unexplained failure, and every
    /// proof accounted for.
    pub fn passed(&self) -> bool {
        self.invalid == 0
            && self.unexplained == 0
            && self.clean + self.absorbed + self.recovered + self.reported == self.proofs
    }

    fn add_injected(&mut self, i: InjectedFaults) {
        let t = &mut self.injected;
        t.msm_bit_flips += i.msm_bit_flips;
        t.ntt_bit_flips += i.ntt_bit_flips;
        t.device_lost += i.device_lost;
        t.out_of_memory += i.out_of_memory;
    }

    fn cause(&mut self, e: &ProverError) {
        if !e.is_device_fault() {
            self.unexplained += 1;
        }
        *self.causes.entry(cause_kind(e)).or_default() += 1;
    }
}

impl fmt::Display for CampaignReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.injected;
        writeln!(
            f,
            "{} proofs: {} clean, {} absorbed, {} recovered on the reference, {} reported; {} invalid, {} unexplained",
            self.proofs, self.clean, self.absorbed, self.recovered, self.reported, self.invalid, self.unexplained
        )?;
        writeln!(
            f,
            "injected: {} MSM bit flips, {} NTT bit flips, {} devices lost, {} out-of-memory uploads",
            i.msm_bit_flips, i.ntt_bit_flips, i.device_lost, i.out_of_memory
        )?;
        for (cause, n) in &self.causes {
            writeln!(f, "  {n:>5}  {cause}")?;
        }
        Ok(())
    }
}

/// The kind of a failure, for the report (the device's own message for a device error).
fn cause_kind(e: &ProverError) -> String {
    use kiln_host::Error as Device;
    match e {
        ProverError::ProofDidNotVerify { .. } => {
            "the device's proof did not verify (the reference's did)".into()
        }
        ProverError::DeviceComputedWrongValues { .. } => {
            "the device computed wrong values (the reference proved the same inputs)".into()
        }
        ProverError::Backend(Device::Device { message, .. }) => format!("device error: {message}"),
        ProverError::Backend(Device::OutOfMemory { .. }) => "device out of memory".into(),
        other => format!("not a device fault: {other}"),
    }
}

/// Runs `proofs` proofs of `system` for `circuit`, each on a fresh [`FaultyBackend`] around
/// `make_backend()` with `rates` and its own seed drawn from `seed`.
pub fn run<B: Backend>(
    circuit: &CampaignCircuit,
    system: ProofSystem,
    make_backend: &dyn Fn() -> B,
    rates: FaultRates,
    proofs: usize,
    seed: u64,
) -> CampaignReport {
    let key = circuit.key(system);
    let mut report = CampaignReport {
        proofs,
        ..CampaignReport::default()
    };
    for i in 0..proofs as u64 {
        let proof_seed = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(i);
        let witness = circuit.witness(Fr::from(proof_seed));
        let backend = FaultyBackend::wrapping(make_backend(), &[], rates, proof_seed);
        let outcome = Prover::new(&backend, key.clone()).and_then(|prover| {
            prover.prove_or_recover(&witness, &mut StdRng::seed_from_u64(proof_seed))
        });
        report.add_injected(backend.injected());
        match outcome {
            Ok((proof, public, recovery)) => {
                // The chain's one public signal is its output, witness[1].
                if !key.verifies(&public, &proof) || public != witness[1..=1] {
                    report.invalid += 1;
                }
                match recovery {
                    Some(r) => {
                        report.recovered += 1;
                        report.cause(&r.cause);
                    }
                    None if backend.injected().total() == 0 => report.clean += 1,
                    None => report.absorbed += 1,
                }
            }
            Err(e) => {
                report.reported += 1;
                report.cause(&e);
            }
        }
    }
    report
}
