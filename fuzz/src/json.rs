//! The multiplier fixture's snarkjs files, parsed once, against which a fuzzed file is verified.

use std::sync::OnceLock;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use kiln_prover::plonk::json as plonk_json;
use kiln_prover::plonk::{verifier, PlonkProof, PlonkVerifyingKey};
use kiln_prover::snarkjs_json as groth16_json;

/// Valid files of both systems for one circuit (circom's `Multiplier2`, from the fixtures).
pub struct Fixture {
    pub groth16_proof: Proof<Bn254>,
    pub groth16_vk: VerifyingKey<Bn254>,
    pub groth16_public: Vec<Fr>,
    pub plonk_proof: PlonkProof,
    pub plonk_vk: PlonkVerifyingKey,
    pub plonk_public: Vec<Fr>,
}

/// A seed file (its selector byte, then the file) parsed by `parse`.
fn seed<T, E: std::fmt::Debug>(
    bytes: &[u8],
    parse: impl Fn(&serde_json::Value) -> Result<T, E>,
) -> T {
    let json = serde_json::from_slice(&bytes[1..]).expect("the seeds are JSON");
    parse(&json).expect("the seeds are valid files")
}

impl Fixture {
    pub fn get() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| Fixture {
            groth16_proof: seed(
                include_bytes!("../seeds/snarkjs_json/groth16_proof"),
                groth16_json::proof_from_json,
            ),
            groth16_vk: seed(
                include_bytes!("../seeds/snarkjs_json/groth16_vk"),
                groth16_json::verifying_key_from_json,
            ),
            groth16_public: seed(
                include_bytes!("../seeds/snarkjs_json/groth16_public"),
                groth16_json::public_from_json,
            ),
            plonk_proof: seed(
                include_bytes!("../seeds/snarkjs_json/plonk_proof"),
                plonk_json::proof_from_json,
            ),
            plonk_vk: seed(
                include_bytes!("../seeds/snarkjs_json/plonk_vk"),
                plonk_json::verifying_key_from_json,
            ),
            plonk_public: seed(
                include_bytes!("../seeds/snarkjs_json/plonk_public"),
                groth16_json::public_from_json,
            ),
        })
    }
}

/// `kiln verify` on a Groth16 proof: an answer or a refusal, never a panic.
pub fn groth16_verify(vk: &VerifyingKey<Bn254>, public: &[Fr], proof: &Proof<Bn254>) {
    let _ = groth16_json::verify(vk, public, proof);
}

/// `kiln verify` on a PLONK proof.
pub fn plonk_verify(vk: &PlonkVerifyingKey, public: &[Fr], proof: &PlonkProof) {
    let _ = verifier::check(vk, public, proof);
}
