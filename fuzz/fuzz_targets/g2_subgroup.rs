//! The batched G2 subgroup check (what loading a Groth16 key runs on its B query) against
//! per-point checks, on fuzzer-chosen sets of good and bad twist points.
#![no_main]

use kiln_fuzz::subgroup::{check, SubgroupInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: SubgroupInput| {
    check(&input);
});
