//! `kiln batch prove`'s input JSON (`{"state": ..., "batch": ...}`) for the test shape: the
//! reader, then the engine on whatever it accepts, as the CLI runs it before any proving.
//! Either may refuse (naming the field or the rule broken); neither may panic.
#![no_main]

use kiln_circuits::engine;
use kiln_circuits::json::read_input;
use kiln_circuits::model::Shape;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok((state, batch)) = read_input(&value, &Shape::TEST) {
        let _ = engine::apply(&Shape::TEST, &state, &batch);
    }
});
