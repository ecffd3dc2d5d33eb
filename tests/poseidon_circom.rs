//! The frontend's Poseidon is circomlib's: the hash circom computed in the fixtures' `poseidon`
//! circuit (`Poseidon(2)` of its two inputs, the circuit's public output) is the one kiln's
//! engine and circuit compute, so state roots match circomlib's.

mod support;

use ark_bn254::Fr;
use kiln_circuits::native::Native;
use kiln_circuits::poseidon;
use kiln_prover::iden3::wtns::read_wtns_file;
use support::interop::{read_json, Env};

#[test]
fn poseidon_matches_circomlib_compiled_by_circom() {
    let Some(env) = Env::get("Poseidon against circom") else {
        return;
    };
    let dir = env.fixtures.join("poseidon");
    let input = read_json(&dir.join("input.json"));
    let x: Fr = input["x"].as_str().unwrap().parse().unwrap();
    let y: Fr = input["y"].as_str().unwrap().parse().unwrap();
    let witness = read_wtns_file(&dir.join("witness.wtns")).unwrap();
    // Wire 1 is the circuit's one public output, the hash.
    assert_eq!(poseidon::hash(&mut Native, &[x, y]), witness[1]);
}
