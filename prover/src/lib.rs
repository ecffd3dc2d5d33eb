//! kiln's provers, generic over the backend seam.
//!
//! * [`groth16`]: Groth16 for arkworks proving keys, byte-identical to ark-groth16, and for
//!   snarkjs keys and circom witnesses, read by [`iden3`], with the JSON formats of
//!   [`snarkjs_json`].
//! * [`r1cs`]: constraint systems as matrices, synthesis from arkworks circuits, satisfaction.
//! * [`examples`]: small circuits for tests, benchmarks and the demo.
//! * [`plonk`]: PLONK for snarkjs keys, identical to snarkjs's prover for the same blinding.
//! * [`api`]: one prover over both systems ([`Prover`], [`prove`]), the system read from the key.
//! * [`setup`]: snarkjs-identical setups: a local powers of tau, Groth16 and PLONK keys.
//! * [`conformance`]: the Groth16 byte-identity check every backend's tests run;
//!   [`fault_campaign`]: many proofs on a backend with injected device faults.
//! * [`iden3`]: the circom/snarkjs files: `.r1cs`, `.wtns`, `.ptau`, Groth16 and PLONK `.zkey`;
//!   [`key_cache`]: digests of keys kiln has fully checked, so later loads can skip the checks.
//! * [`timings`] and [`error`]: what every prover reports: per-stage times, and why no proof.
//!
//! Every prover takes a `&dyn Backend`, so the same code proves on any device, and checks each
//! proof with the verifier before returning it.

pub mod api;
pub mod conformance;
pub mod error;
pub mod examples;
pub mod fault_campaign;
pub mod groth16;
pub mod iden3;
pub mod key_cache;
mod memory;
pub mod plonk;
pub mod r1cs;
mod schedule;
pub mod setup;
pub mod snarkjs_json;
pub mod timings;

/// The former name of [`groth16::zkey_prover`], kept so that existing callers (and the README's
/// examples of earlier releases) still build.
#[doc(hidden)]
pub use groth16::zkey_prover as snarkjs;

pub use api::{prove, verify_json, Proof, ProofSystem, Prover, VerifyJsonError};
pub use error::{ProverError, Result};
pub use groth16::{reference_proof, Groth16Prover};
pub use r1cs::{synthesize, R1cs};
pub use timings::StageTimings;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_std::rand::{CryptoRng, RngCore};

/// A circuit-specific Groth16 setup with ark-groth16 (trusted: the toxic waste comes from `rng`).
/// For development and tests; production keys come from a ceremony.
pub fn groth16_setup<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ProvingKey<Bn254>> {
    Groth16::<Bn254>::generate_random_parameters_with_reduction(circuit, rng)
        .map_err(|e| ProverError::Synthesis(e.to_string()))
}
