//! circom `.wtns` bytes: the reader.
#![no_main]

use kiln_prover::iden3::wtns::read_wtns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_wtns(data);
});
