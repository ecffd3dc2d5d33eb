//! snarkjs JSON, both systems: the first byte picks the file (`% 6`: Groth16 proof, Groth16
//! verification key, Groth16 public signals, the same three for PLONK), the rest is its text.
//! What parses is verified against the other two files of the multiplier fixture, as
//! `kiln verify` does with a user's files: refusals are fine, panics are not.
#![no_main]

use kiln_fuzz::json::{groth16_verify, plonk_verify, Fixture};
use kiln_prover::plonk::json as plonk_json;
use kiln_prover::snarkjs_json as groth16_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) else {
        return;
    };
    let f = Fixture::get();
    match which % 6 {
        0 => {
            if let Ok(proof) = groth16_json::proof_from_json(&value) {
                groth16_verify(&f.groth16_vk, &f.groth16_public, &proof);
            }
        }
        1 => {
            if let Ok(vk) = groth16_json::verifying_key_from_json(&value) {
                groth16_verify(&vk, &f.groth16_public, &f.groth16_proof);
            }
        }
        2 => {
            if let Ok(public) = groth16_json::public_from_json(&value) {
                groth16_verify(&f.groth16_vk, &public, &f.groth16_proof);
            }
        }
        3 => {
            if let Ok(proof) = plonk_json::proof_from_json(&value) {
                plonk_verify(&f.plonk_vk, &f.plonk_public, &proof);
            }
        }
        4 => {
            if let Ok(vk) = plonk_json::verifying_key_from_json(&value) {
                plonk_verify(&vk, &f.plonk_public, &f.plonk_proof);
            }
        }
        _ => {
            if let Ok(public) = groth16_json::public_from_json(&value) {
                plonk_verify(&f.plonk_vk, &public, &f.plonk_proof);
            }
        }
    }
});
