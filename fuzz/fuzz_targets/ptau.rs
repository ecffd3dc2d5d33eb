//! `.ptau` bytes: the reader, then both setups of a small circuit over any file it accepts
//! (which read the monomial and Lagrange sections, levels and points).
#![no_main]

use kiln_prover::iden3::ptau::Ptau;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ptau) = Ptau::parse(data) {
        if ptau.power() <= 8 {
            let (header, r1cs) = kiln_fuzz::multiplier_r1cs();
            kiln_fuzz::set_up(&header, &r1cs, &ptau);
        }
    }
});
