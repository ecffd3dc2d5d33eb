//! The body of a `kiln serve` job submitted as circom inputs (`POST /v1/jobs` with
//! `application/json`), and `kiln prove --input`: the JSON decoded, flattened into input
//! signals and run through a real calculator (the multiplier fixture's, committed in
//! fuzz/seeds/witness_calculator) under tight bounds. Any answer is fine; a panic, an
//! allocation past libFuzzer's limit or a hang is not.
#![no_main]

use std::sync::OnceLock;

use kiln_witness::WitnessCalculator;
use libfuzzer_sys::fuzz_target;

fn calculator() -> &'static WitnessCalculator {
    static CALCULATOR: OnceLock<WitnessCalculator> = OnceLock::new();
    CALCULATOR.get_or_init(|| {
        let calculator = WitnessCalculator::new(
            include_bytes!("../seeds/witness_calculator/multiplier.wasm"),
            kiln_fuzz::witness_limits(),
        )
        .expect("the committed multiplier calculator compiles");
        // Within the fuzzing bounds the real inputs must still compute, or every input would
        // stop at the bound and the calculator's code would go untested.
        let witness = calculator
            .calculate(&serde_json::json!({"a": "3", "b": "11"}))
            .expect("the multiplier computes its witness within the fuzzing bounds");
        assert_eq!(witness[1], 33u64.into(), "the multiplier's output signal");
        calculator
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if kiln_witness::flatten_inputs(&value).is_ok() {
        let _ = calculator().calculate(&value);
    }
});
