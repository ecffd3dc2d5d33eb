//! A worker: one thread per device, proving one job at a time. It leases a job, renews the
//! lease while it works (a task on the runtime), and goes through the stages key, witness,
//! proof, verification, store; a cancellation or a lost lease is noticed between stages. A
//! proof is stored only after it has passed the verifier, by a write fenced by the lease token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_host::Backend;
use kiln_prover::iden3::wtns::read_wtns;
use kiln_prover::snarkjs_json::public_to_json;
use kiln_prover::ProverError;
use kiln_witness::WitnessCalculator;
use tokio::runtime::Handle;

use crate::db::jobs::{Failure, Fenced, InputKind, JobResult, JobState, Lease, Renewal};
use crate::db::now_ms;
use crate::resident::ResidentKeys;
use crate::Shared;

/// What the lease renewal task has seen.
const HELD: u8 = 0;
const CANCEL: u8 = 1;
const LOST: u8 = 2;

/// Why an attempt stopped early without a result of its own.
enum Stop {
    /// A client cancelled the job.
    Cancelled,
    /// The lease was taken over: this worker must write nothing.
    Lost,
    Failed(Failure),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Stop::Failed(f)
    }
}

fn permanent(reason: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        reason,
        message: message.into(),
        retryable: false,
    }
}

fn retryable(reason: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        reason,
        message: message.into(),
        retryable: true,
    }
}

/// A witness-side error is the submitter's and a device fault is retried (on this or another
/// device, [`ProverError::is_device_fault`]); anything else (a key that does not match its
/// circuit, a domain too large, an argument the backend refuses) would fail the same way on
/// every device, so it fails the job at once.
fn classify(e: &ProverError) -> Failure {
    match e {
        ProverError::Unsatisfied { .. }
        | ProverError::PlonkRowUnsatisfied { .. }
        | ProverError::WitnessRejected
        | ProverError::AssignmentLength { .. }
        | ProverError::FirstNotOne => permanent("witness", e.to_string()),
        e if e.is_device_fault() => retryable("device", e.to_string()),
        _ => permanent("prover", e.to_string()),
    }
}

/// Runs a worker until `shared.shutdown` is set. `backend` is the device this worker owns.
pub fn run(shared: Arc<Shared>, rt: Handle, backend: Box<dyn Backend>, device: String) {
    let owner = format!("{}/{device}", shared.config.node);
    let mut keys = ResidentKeys::new(&*backend, shared.config.key_memory_bytes);
    let mut calculators: HashMap<String, Arc<WitnessCalculator>> = HashMap::new();
    while !shared.shutdown.load(Ordering::SeqCst) {
        let lease = rt.block_on(async {
            let failed = shared.db.reap_expired(now_ms()).await?;
            shared.metrics.failures_by("lease_expired", failed);
            for _ in 0..failed {
                shared.metrics.job_finished("failed");
            }
            shared
                .db
                .lease(&owner, &keys.held(), shared.config.lease.as_millis() as i64)
                .await
        });
        let lease = match lease {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                std::thread::park_timeout(shared.config.poll);
                continue;
            }
            Err(e) => {
                eprintln!("kiln serve: worker {owner}: database: {e}");
                std::thread::sleep(shared.config.poll * 5);
                continue;
            }
        };
        shared.metrics.observe_queue_wait(
            &lease.key_id,
            backend.name(),
            (now_ms() - lease.queued_at).max(0) as f64 / 1000.0,
        );
        let mut attempt = Attempt {
            shared: &shared,
            rt: &rt,
            lease: &lease,
            status: Arc::new(AtomicU8::new(HELD)),
            backend_name: backend.name(),
            owner: &owner,
        };
        let stop_renewing = attempt.renew_in_background();
        let started = Instant::now();
        let outcome = attempt.prove(&mut keys, &mut calculators);
        stop_renewing.store(true, Ordering::SeqCst);
        attempt.finish(outcome, started.elapsed());
        shared
            .metrics
            .set_resident_bytes(&device, keys.resident_bytes());
    }
}

struct Attempt<'a> {
    shared: &'a Shared,
    rt: &'a Handle,
    lease: &'a Lease,
    status: Arc<AtomicU8>,
    backend_name: &'static str,
    owner: &'a str,
}

impl Attempt<'_> {
    /// Renews the lease every third of its length until the returned flag is set; records a
    /// cancellation request or the loss of the lease in `status`.
    fn renew_in_background(&self) -> Arc<AtomicBool> {
        let stop = Arc::new(AtomicBool::new(false));
        let (db, lease, status, stop2) = (
            self.shared.db.clone(),
            self.lease.clone(),
            self.status.clone(),
            stop.clone(),
        );
        let length = self.shared.config.lease;
        self.rt.spawn(async move {
            while !stop2.load(Ordering::SeqCst) {
                tokio::time::sleep(length / 3).await;
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                match db.renew(&lease, length.as_millis() as i64).await {
                    Ok(Ok(Renewal::Held)) => {}
                    Ok(Ok(Renewal::CancelRequested)) => status.store(CANCEL, Ordering::SeqCst),
                    Ok(Err(Fenced { .. })) => {
                        status.store(LOST, Ordering::SeqCst);
                        break;
                    }
                    // Keep trying: the lease lasts three renewal periods.
                    Err(e) => eprintln!(
                        "kiln serve: renewing the lease on job {}: {e}",
                        lease.job_id
                    ),
                }
            }
        });
        stop
    }

    /// What the renewal task has seen so far (no database round trip).
    fn seen(&self) -> Result<(), Stop> {
        match self.status.load(Ordering::SeqCst) {
            CANCEL => Err(Stop::Cancelled),
            LOST => Err(Stop::Lost),
            _ => Ok(()),
        }
    }

    /// The stage boundary: renews the lease, which also reads whether a client asked to cancel
    /// the job or the lease was taken over, and stops here if so. Asking the database at each
    /// stage, not only at the renewal period, is what makes a cancellation take effect at the
    /// next stage.
    fn checkpoint(&self) -> Result<(), Stop> {
        self.seen()?;
        let renewed = self.rt.block_on(
            self.shared
                .db
                .renew(self.lease, self.shared.config.lease.as_millis() as i64),
        );
        match renewed {
            Ok(Ok(Renewal::Held)) => Ok(()),
            Ok(Ok(Renewal::CancelRequested)) => {
                self.status.store(CANCEL, Ordering::SeqCst);
                Err(Stop::Cancelled)
            }
            Ok(Err(Fenced { .. })) => {
                self.status.store(LOST, Ordering::SeqCst);
                Err(Stop::Lost)
            }
            // The database did not answer: carry on; the fenced write at the end decides.
            Err(_) => Ok(()),
        }
    }

    fn prove(
        &mut self,
        keys: &mut ResidentKeys<'_>,
        calculators: &mut HashMap<String, Arc<WitnessCalculator>>,
    ) -> Result<JobResult, Stop> {
        let shared = self.shared;
        let path = self
            .rt
            .block_on(shared.keys.ensure_local(&shared.db, &self.lease.key_id))
            .map_err(|e| permanent("key", format!("fetching key {}: {e:#}", self.lease.key_id)))?;
        let loaded = keys.get(&self.lease.key_id, &path).map_err(|e| {
            retryable(
                "key",
                format!(
                    "loading key {} onto {}: {e:#}",
                    self.lease.key_id, self.backend_name
                ),
            )
        })?;
        self.checkpoint()?;
        let witness = self.witness(calculators)?;
        if witness.len() != loaded.witness_len {
            return Err(permanent(
                "witness",
                format!(
                    "the witness has {} values but the key's circuit has {} signals",
                    witness.len(),
                    loaded.witness_len
                ),
            )
            .into());
        }
        self.checkpoint()?;
        self.test_delay()?;
        // A panic in a backend is a device fault like any other: the job is retried elsewhere.
        let proved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            loaded.prover.prove(&witness, &mut StdRng::from_entropy())
        }))
        .map_err(|_| {
            retryable(
                "device",
                format!("the {} backend panicked while proving", self.backend_name),
            )
        })?;
        let (proof, public, _) = proved.map_err(|e| classify(&e))?;
        self.checkpoint()?;
        // Verified again from the JSON that is stored, against the key's verification key.
        let (proof, public_json) = (proof.to_json(), public_to_json(&public));
        match kiln_prover::verify_json(&loaded.verification_key, &public, &proof) {
            Ok(true) => Ok(JobResult {
                proof: proof.to_string(),
                public: public_json.to_string(),
            }),
            Ok(false) => {
                Err(retryable("device", "the proof did not verify; it was discarded").into())
            }
            Err(e) => {
                Err(retryable("device", format!("the proof could not be checked: {e}")).into())
            }
        }
    }

    fn witness(
        &self,
        calculators: &mut HashMap<String, Arc<WitnessCalculator>>,
    ) -> Result<Vec<Fr>, Stop> {
        match self.lease.input_kind {
            InputKind::Wtns => read_wtns(&self.lease.input)
                .map_err(|e| permanent("witness", format!("the .wtns: {e}")).into()),
            InputKind::Inputs => {
                let input: serde_json::Value = serde_json::from_slice(&self.lease.input)
                    .map_err(|e| permanent("witness", format!("the inputs are not JSON: {e}")))?;
                let (sha, wasm) = self
                    .rt
                    .block_on(self.shared.db.calculator(&self.lease.key_id))
                    .map_err(|e| {
                        retryable("calculator", format!("reading the witness calculator: {e}"))
                    })?
                    .ok_or_else(|| permanent("calculator", "the key has no witness calculator"))?;
                let calculator = match calculators.get(&sha) {
                    Some(c) => c.clone(),
                    None => {
                        let c = Arc::new(
                            WitnessCalculator::new(&wasm, self.shared.config.witness_limits)
                                .map_err(|e| permanent("calculator", e.to_string()))?,
                        );
                        if calculators.len() >= 8 {
                            calculators.clear();
                        }
                        calculators.insert(sha, c.clone());
                        c
                    }
                };
                calculator
                    .calculate(&input)
                    .map_err(|e| permanent("witness", format!("witness calculator: {e}")).into())
            }
        }
    }

    /// `--test-prove-delay-ms`: holds the job in its proving stage, so tests can stop the node
    /// mid-proof. The lease is renewed meanwhile, as during a long proof.
    fn test_delay(&self) -> Result<(), Stop> {
        let delay = self.shared.config.test_prove_delay;
        let until = Instant::now() + delay;
        let mut asked = Instant::now();
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20).min(delay));
            if asked.elapsed() >= Duration::from_millis(200) {
                self.checkpoint()?;
                asked = Instant::now();
            } else {
                self.seen()?;
            }
        }
        Ok(())
    }

    /// Writes the attempt's outcome, fenced by the lease token.
    fn finish(&self, outcome: Result<JobResult, Stop>, took: Duration) {
        let (shared, lease) = (self.shared, self.lease);
        let node = &shared.config.node;
        let written: sqlx::Result<Result<(), Fenced>> = self.rt.block_on(async {
            match outcome {
                Ok(result) => {
                    let w = shared
                        .db
                        .succeed(
                            lease,
                            &result,
                            self.backend_name,
                            self.owner,
                            took.as_millis() as i64,
                        )
                        .await?;
                    if w.is_ok() {
                        shared.metrics.observe_proving(
                            &lease.key_id,
                            self.backend_name,
                            took.as_secs_f64(),
                        );
                        shared.metrics.job_finished("succeeded");
                    }
                    Ok(w)
                }
                Err(Stop::Cancelled) => {
                    let w = shared.db.acknowledge_cancel(lease).await?;
                    if w.is_ok() {
                        shared.metrics.job_finished("cancelled");
                    }
                    Ok(w)
                }
                Err(Stop::Lost) => Ok(Err(Fenced {
                    job_id: lease.job_id.clone(),
                    token: lease.token,
                })),
                Err(Stop::Failed(failure)) => {
                    shared.metrics.failure(failure.reason);
                    let w = shared.db.fail(lease, &failure, node).await?;
                    if let Ok(JobState::Failed) = w {
                        shared.metrics.job_finished("failed");
                    }
                    eprintln!(
                        "kiln serve: job {} attempt {}: {} ({})",
                        lease.job_id, lease.attempt, failure.message, failure.reason
                    );
                    Ok(w.map(drop))
                }
            }
        });
        match written {
            Ok(Ok(())) => {}
            Ok(Err(fenced)) => {
                shared.metrics.fenced_write();
                eprintln!("kiln serve: {fenced}");
            }
            // The lease runs out and another worker takes the job: nothing is lost.
            Err(e) => eprintln!(
                "kiln serve: storing the outcome of job {}: {e}",
                lease.job_id
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(e: ProverError) -> (&'static str, bool) {
        let f = classify(&e);
        (f.reason, f.retryable)
    }

    #[test]
    fn witness_errors_fail_at_once_and_device_faults_are_retried() {
        assert_eq!(sorted(ProverError::WitnessRejected), ("witness", false));
        assert_eq!(
            sorted(ProverError::PlonkRowUnsatisfied { row: 3 }),
            ("witness", false)
        );
        assert_eq!(
            sorted(ProverError::ProofDidNotVerify { backend: "cpu" }),
            ("device", true)
        );
        assert_eq!(
            sorted(ProverError::Backend(kiln_host::Error::OutOfMemory {
                what: "bases".into(),
                needed_bytes: 1 << 30,
            })),
            ("device", true)
        );
    }

    #[test]
    fn errors_no_device_would_avoid_fail_at_once() {
        assert_eq!(
            sorted(ProverError::KeyMismatch("2 wires".into())),
            ("prover", false)
        );
        assert_eq!(
            sorted(ProverError::DomainTooLarge { needed: 1 << 29 }),
            ("prover", false)
        );
        assert_eq!(
            sorted(ProverError::Backend(kiln_host::Error::ZeroCosetShift)),
            ("prover", false)
        );
    }
}
