//! kiln's PLONK prover against snarkjs's own: with the eleven blinding scalars fixed (snarkjs
//! run through tests/interop/plonk_fixed_blinding.mjs), both provers must write the same proof,
//! digit for digit, on every compiled-in backend. Fresh seeded blinding each run.
//!
//! Needs the fixtures of `tests/interop/fixtures.sh` (`KILN_FIXTURES`) and node with the npm tools
//! in `.deps/node`; `make test` provides both. `KILN_SKIP_INTEROP=1` skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, UniformRand};
use kiln::backends;
use kiln_host::conformance::seeded_rng;
use kiln_prover::iden3::plonk_zkey::read_plonk_zkey_file;
use kiln_prover::iden3::wtns::read_wtns_file;
use kiln_prover::plonk::prover::{Blinding, PlonkProver};
use kiln_prover::plonk::PlonkProof;
use serde_json::Value;

const PLONK_CIRCUITS: [&str; 4] = ["multiplier", "poseidon", "range", "many_public"];

fn fixtures() -> Option<PathBuf> {
    if std::env::var("KILN_SKIP_INTEROP").as_deref() == Ok("1") {
        println!("KILN_SKIP_INTEROP=1: PLONK interop skipped");
        return None;
    }
    Some(std::env::var_os("KILN_FIXTURES").map(PathBuf::from).expect(
        "KILN_FIXTURES is not set: run `make test` (or tests/interop/fixtures.sh DIR and set it), or KILN_SKIP_INTEROP=1",
    ))
}

fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/node/node_modules")
}

/// snarkjs's proof and public signals for this key and witness with blinding `b`.
fn snarkjs_proof(zkey: &Path, wtns: &Path, b: &Blinding) -> Value {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/plonk_fixed_blinding.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(node_modules())
        .arg(zkey)
        .arg(wtns)
        .args(b.0.iter().map(|x| x.into_bigint().to_string()))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "snarkjs prover failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the script")
}

fn point(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => serde_json::json!([x.to_string(), y.to_string(), "1"]),
        None => serde_json::json!(["0", "1", "0"]),
    }
}

fn kiln_json(p: &PlonkProof) -> Value {
    serde_json::json!({
        "A": point(&p.a), "B": point(&p.b), "C": point(&p.c), "Z": point(&p.z),
        "T1": point(&p.t1), "T2": point(&p.t2), "T3": point(&p.t3),
        "Wxi": point(&p.wxi), "Wxiw": point(&p.wxiw),
        "eval_a": p.eval_a.to_string(), "eval_b": p.eval_b.to_string(),
        "eval_c": p.eval_c.to_string(), "eval_s1": p.eval_s1.to_string(),
        "eval_s2": p.eval_s2.to_string(), "eval_zw": p.eval_zw.to_string(),
    })
}

#[test]
fn kiln_plonk_proofs_equal_snarkjs_proofs_for_the_same_blinding() {
    let Some(dir) = fixtures() else { return };
    let mut rng = seeded_rng("plonk vs snarkjs");
    for name in PLONK_CIRCUITS {
        let zkey_path = dir.join(name).join("plonk.zkey");
        let wtns_path = dir.join(name).join("witness.wtns");
        let key = read_plonk_zkey_file(&zkey_path).unwrap();
        let witness = read_wtns_file(&wtns_path).unwrap();
        let blinding = Blinding(std::array::from_fn(|_| Fr::rand(&mut rng)));
        let expected = snarkjs_proof(&zkey_path, &wtns_path, &blinding);
        let mut expected_proof = expected["proof"].clone();
        let obj = expected_proof.as_object_mut().unwrap();
        obj.remove("protocol");
        obj.remove("curve");
        for backend_name in backends::compiled_in() {
            let backend = backends::open(backend_name).unwrap();
            let prover = PlonkProver::new(&*backend, key.clone()).unwrap();
            let (proof, public, _) = prover.prove_timed(&witness, &blinding).unwrap();
            assert_eq!(
                kiln_json(&proof),
                expected_proof,
                "{name} on {backend_name}: kiln's proof differs from snarkjs's"
            );
            let public: Vec<String> = public.iter().map(|p| p.to_string()).collect();
            assert_eq!(
                serde_json::json!(public),
                expected["publicSignals"],
                "{name} on {backend_name}"
            );
        }
    }
}

/// The uniform API: one call takes the proof system and the backend; each system's key proves on
/// every backend, the proof passes that system's verifier, and asking for the other system is
/// refused before any work.
#[test]
fn one_prove_call_takes_the_system_and_the_backend() {
    use kiln_host::layout::PointCheck;
    use kiln_prover::api::{prove, Proof, ProofSystem, ProvingKey};
    use kiln_prover::iden3::groth16_zkey::read_zkey_file;
    use kiln_prover::ProverError;

    let Some(dir) = fixtures() else { return };
    let mut rng = seeded_rng("uniform prove api");
    let fx = dir.join("range");
    let witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
    let groth16_vk = read_zkey_file(&fx.join("circuit.zkey"))
        .unwrap()
        .verifying_key();
    for (file, system) in [
        ("circuit.zkey", ProofSystem::Groth16),
        ("plonk.zkey", ProofSystem::Plonk),
    ] {
        let key = ProvingKey::read_file(&fx.join(file), PointCheck::Full).unwrap();
        assert_eq!(key.system(), system, "{file}");
        assert_eq!(key.witness_len(), witness.len(), "{file}");
        for backend_name in backends::compiled_in() {
            let backend = backends::open(backend_name).unwrap();
            let (proof, public) =
                prove(system, &*backend, key.clone(), &witness, &mut rng).unwrap();
            assert_eq!(proof.system(), system);
            assert_eq!(public, witness[1..=public.len()].to_vec());
            let verified = match &proof {
                Proof::Groth16(p) => {
                    kiln_prover::snarkjs_json::verify(&groth16_vk, &public, p).unwrap()
                }
                Proof::Plonk(p) => {
                    let ProvingKey::Plonk(k) = &key else {
                        unreachable!()
                    };
                    kiln_prover::plonk::verifier::verify(&k.vk, &public, p)
                }
            };
            assert!(
                verified,
                "{system} on {backend_name}: the proof does not verify"
            );
        }
        let other = match system {
            ProofSystem::Groth16 => ProofSystem::Plonk,
            ProofSystem::Plonk => ProofSystem::Groth16,
        };
        let backend = backends::open("cpu").unwrap();
        let err = prove(other, &*backend, key, &witness, &mut rng).unwrap_err();
        assert!(matches!(err, ProverError::KeyMismatch(_)), "{err}");
    }
}
