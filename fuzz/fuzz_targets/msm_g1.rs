//! kiln's CPU MSM in G1 against arkworks and the discrete-log answer, on fuzzer-chosen
//! points, scalars and forced shapes (kiln_fuzz::msm says which edge cases the choices reach).
#![no_main]

use kiln_fuzz::msm::{check, MsmInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: MsmInput| {
    check::<ark_bn254::g1::Config>(&input);
});
