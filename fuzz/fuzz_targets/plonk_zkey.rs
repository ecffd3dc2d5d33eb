//! PLONK `.zkey` bytes: the reader, then loading and proving with any key it accepts.
#![no_main]

use kiln_prover::api::ProvingKey;
use kiln_prover::iden3::plonk_zkey::read_plonk_zkey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = read_plonk_zkey(data) {
        kiln_fuzz::prove_with(ProvingKey::Plonk(key));
    }
});
