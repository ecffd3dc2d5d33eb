//! Why a proof was not produced.

use kiln_host::{ArkworksBackend, Backend};
use thiserror::Error;

/// A refusal to prove. No partial or unverified proof ever accompanies one of these.
#[derive(Debug, Error)]
pub enum ProverError {
    /// The assignment does not satisfy the constraint system.
    #[error(
        "constraint {index} is not satisfied: <A_{index}, w> * <B_{index}, w> != <C_{index}, w>"
    )]
    Unsatisfied { index: usize },
    /// The assignment does not have one value per variable.
    #[error("the assignment has {got} values but the constraint system has {expected} variables (1 + public inputs + witnesses)")]
    AssignmentLength { expected: usize, got: usize },
    /// The first variable is the constant one; anything else cannot be a valid assignment.
    #[error("assignment[0] must be 1 (the constant variable), got something else")]
    FirstNotOne,
    /// A PLONK gate does not hold for the witness: the row is named so the circuit's author can
    /// find it (rows below nPublic are the public inputs; then one or more per R1CS constraint).
    #[error("PLONK row {row} is not satisfied: qm*a*b + ql*a + qr*b + qo*c + qc != public input (the witness does not satisfy the circuit this key was made for)")]
    PlonkRowUnsatisfied { row: usize },
    /// The proving key was made for a different constraint system.
    #[error("the proving key does not match the constraint system: {0}")]
    KeyMismatch(String),
    /// The constraint system itself is malformed (a row naming a variable that does not exist...).
    #[error("malformed constraint system: {0}")]
    MalformedSystem(String),
    /// The circuit needs a larger evaluation domain than BN254's Fr has.
    #[error("the circuit needs an evaluation domain of {needed} points; BN254's Fr supports at most 2^28")]
    DomainTooLarge { needed: usize },
    /// The backend failed.
    #[error("backend: {0}")]
    Backend(#[from] kiln_host::Error),
    /// Constraint synthesis failed.
    #[error("synthesis: {0}")]
    Synthesis(String),
    /// A circom witness that does not satisfy the circuit the snarkjs key was made for (or a key
    /// made for another circuit): the proof computed from it does not verify.
    #[error("the witness does not satisfy the circuit this key was made for (wrong or stale witness, or a key for another circuit); no proof was produced")]
    WitnessRejected,
    /// The backend's proof did not verify while the arkworks reference's proof for the same inputs
    /// did: the device (or its backend code) computed something wrong.
    #[error("backend '{backend}' produced a proof that does not verify (the arkworks reference's proof for the same inputs does): faulty device or backend; the proof was discarded")]
    ProofDidNotVerify { backend: &'static str },
    /// A check of the backend's intermediate results failed (`symptom`) while the arkworks
    /// reference proves the same inputs: the device computed something wrong.
    #[error("backend '{backend}' computed wrong values ({symptom}), while the arkworks reference proves the same inputs: faulty device or backend; no proof was produced")]
    DeviceComputedWrongValues {
        backend: &'static str,
        symptom: String,
    },
}

impl ProverError {
    /// Whether the device failed (it reported an error, or its proof did not verify while the
    /// reference's did) rather than the inputs: the same inputs can then be proved elsewhere.
    pub fn is_device_fault(&self) -> bool {
        use kiln_host::Error as Device;
        matches!(
            self,
            ProverError::ProofDidNotVerify { .. }
                | ProverError::DeviceComputedWrongValues { .. }
                | ProverError::Backend(
                    Device::Device { .. } | Device::OutOfMemory { .. } | Device::Layout(_)
                )
        )
    }
}

/// Result alias for the prover.
pub type Result<T, E = ProverError> = std::result::Result<T, E>;

/// Why a proof made on `backend` failed verification, for every prover: [`blame`] with
/// [`ProverError::ProofDidNotVerify`] for the device's fault.
pub(crate) fn unverified_proof(
    backend: &dyn Backend,
    reprove: impl FnOnce(&ArkworksBackend) -> Result<()>,
    on_host: ProverError,
) -> ProverError {
    let device = ProverError::ProofDidNotVerify {
        backend: backend.name(),
    };
    blame(backend, reprove, on_host, device)
}

/// Who is at fault for a failure seen on `backend`. On a host backend ([`Backend::on_host`]:
/// the reference, and kiln's `cpu`, which is checked bit for bit against it) the inputs are, and
/// `on_host` says how. On a device, the arkworks reference proves the same inputs again
/// (`reprove`, paid for only on this failure path): if that proof verifies, the device is at
/// fault (`device_fault`); if not, the reference prover's own error says what is wrong with the
/// inputs.
pub(crate) fn blame(
    backend: &dyn Backend,
    reprove: impl FnOnce(&ArkworksBackend) -> Result<()>,
    on_host: ProverError,
    device_fault: ProverError,
) -> ProverError {
    if backend.on_host() {
        return on_host;
    }
    match reprove(&ArkworksBackend::new()) {
        Ok(()) => device_fault,
        Err(e) => e,
    }
}
