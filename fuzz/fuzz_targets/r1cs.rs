//! circom `.r1cs` bytes: the reader, then what kiln does next with a system it accepts: a
//! satisfaction check, and both setups over a small powers of tau.
#![no_main]

use ark_bn254::Fr;
use ark_ff::One;
use kiln_prover::iden3::ptau::Ptau;
use kiln_prover::iden3::r1cs::read_r1cs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, r1cs)) = read_r1cs(data) {
        if r1cs.num_variables() <= 1 << 12 {
            let _ = r1cs.check_satisfied(&vec![Fr::one(); r1cs.num_variables()]);
        }
        let ptau = Ptau::parse(kiln_fuzz::small_ptau()).expect("kiln's own ptau parses");
        kiln_fuzz::set_up(&header, &r1cs, &ptau);
    }
});
