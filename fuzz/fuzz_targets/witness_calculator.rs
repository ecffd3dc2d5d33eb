//! A witness calculator uploaded to `kiln serve` (`kiln key calculator`) or given to
//! `kiln prove --wasm`: arbitrary bytes compiled as a circom calculator and, when they compile,
//! run on the multiplier's inputs under tight memory and fuel bounds. A module that loops or
//! grows its memory must stop at the bound with an error, not hang or exhaust the process.
#![no_main]

use kiln_witness::WitnessCalculator;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(calculator) = WitnessCalculator::new(data, kiln_fuzz::witness_limits()) else {
        return;
    };
    let input = serde_json::json!({"a": "3", "b": "11"});
    let _ = calculator.calculate(&input);
});
