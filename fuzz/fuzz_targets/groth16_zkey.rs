//! Groth16 `.zkey` bytes: the reader with full point checks, then loading and proving with any
//! key it accepts.
#![no_main]

use kiln_host::layout::PointCheck;
use kiln_prover::api::ProvingKey;
use kiln_prover::iden3::groth16_zkey::read_zkey_with;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = read_zkey_with(data, PointCheck::Full) {
        kiln_fuzz::prove_with(ProvingKey::Groth16(key));
    }
});
