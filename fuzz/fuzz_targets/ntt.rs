//! kiln's NTT variants (the textbook plan, the device pass structure, the round trip) against
//! ark-poly through the arkworks backend, on fuzzer-chosen sizes, transforms, shifts and values.
#![no_main]

use kiln_fuzz::ntt::{check, NttInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: NttInput| {
    check(&input);
});
