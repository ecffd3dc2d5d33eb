//! The witness calculator against snarkjs's: for every interop fixture circuit, the witness
//! computed here from input.json equals the .wtns that `snarkjs wtns calculate` wrote
//! (`tests/interop/fixtures.sh`, `KILN_FIXTURES`); inputs that do not fit the circuit and a
//! calculator out of fuel are refused with their reason.

use std::path::PathBuf;

use kiln_prover::iden3::wtns::read_wtns_file;
use kiln_witness::{Limits, WitnessCalculator, WitnessError};

fn fixtures() -> Option<PathBuf> {
    if std::env::var("KILN_SKIP_INTEROP").as_deref() == Ok("1") {
        println!("KILN_SKIP_INTEROP=1: skipped");
        return None;
    }
    Some(PathBuf::from(std::env::var_os("KILN_FIXTURES").expect(
        "KILN_FIXTURES is not set: run `make test` (or tests/interop/fixtures.sh DIR and set it), or KILN_SKIP_INTEROP=1",
    )))
}

fn calculator(dir: &std::path::Path, name: &str, limits: Limits) -> WitnessCalculator {
    let wasm = std::fs::read(dir.join(format!("{name}/{name}_js/{name}.wasm"))).unwrap();
    WitnessCalculator::new(&wasm, limits).unwrap()
}

#[test]
fn witnesses_match_snarkjs() {
    let Some(dir) = fixtures() else { return };
    for name in [
        "multiplier",
        "poseidon",
        "range",
        "many_public",
        "mimc_chain",
    ] {
        let input: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{name}/input.json"))).unwrap(),
        )
        .unwrap();
        let ours = calculator(&dir, name, Limits::default())
            .calculate(&input)
            .unwrap();
        let theirs = read_wtns_file(&dir.join(format!("{name}/witness.wtns"))).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{name}");
        assert!(ours == theirs, "{name}: the witness differs from snarkjs's");
        println!("{name}: {} values equal", ours.len());
    }
}

#[test]
fn inputs_that_do_not_fit_are_named() {
    let Some(dir) = fixtures() else { return };
    let calc = calculator(&dir, "multiplier", Limits::default());
    let err = |v: serde_json::Value| calc.calculate(&v).unwrap_err().to_string();
    assert!(err(serde_json::json!({"a": 1, "x": 2})).contains("no input signal `x`"));
    assert!(err(serde_json::json!({"a": 1})).contains("only 1 of the circuit's 2"));
    assert!(err(serde_json::json!({"a": [1, 2], "b": 3})).contains("takes 1 value"));
}

#[test]
fn the_time_bound_stops_a_calculator() {
    let Some(dir) = fixtures() else { return };
    let calc = calculator(
        &dir,
        "poseidon",
        Limits {
            memory_bytes: 1 << 30,
            fuel: 10_000,
        },
    );
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("poseidon/input.json")).unwrap())
            .unwrap();
    let e = calc.calculate(&input).unwrap_err();
    assert!(matches!(e, WitnessError::Limit(_)), "{e}");
}
