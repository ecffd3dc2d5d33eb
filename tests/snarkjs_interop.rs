//! kiln as a snarkjs/rapidsnark drop-in, checked by the tools themselves: circom2-compiled
//! circuits with snarkjs keys, proven by kiln on every compiled-in backend, accepted by
//! `snarkjs groth16 verify`, by `kiln verify`, and by snarkjs's Solidity verifier in revm;
//! tampered proofs and public inputs rejected by all three.
//!
//! Needs the fixtures of `tests/interop/fixtures.sh` (`KILN_FIXTURES`) and the npm tools in
//! `.deps/node` (`make setup`); `make test` provides both. Without them the tests say so and
//! return.

mod support;

use std::path::Path;
use std::process::Command;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use kiln::backends;
use kiln_host::conformance::seeded_rng;
use kiln_prover::conformance::zkey_byte_identity;
use kiln_prover::groth16::SnarkjsProver;
use kiln_prover::iden3::{groth16_zkey::read_zkey_file, wtns::read_wtns_file};
use kiln_prover::snarkjs_json::{proof_to_json, public_to_json};
use kiln_prover::ProverError;
use serde_json::Value;
use support::evm::EvmVerifier;
use support::interop::{kiln, read_json, run, write_json, Env, CIRCUITS};
use support::scratch::scratch;

/// `snarkjs groth16 verify`'s verdict: `Some(true)` for OK!, `Some(false)` for its "Invalid
/// proof", `None` for anything else (an error, a crash).
fn snarkjs_verdict(env: &Env, vk: &Path, public: &Path, proof: &Path) -> Option<bool> {
    let o = run(Command::new(env.node_bin.join("snarkjs"))
        .args(["groth16", "verify"])
        .arg(vk)
        .arg(public)
        .arg(proof));
    let out = String::from_utf8_lossy(&o.stdout);
    if o.status.success() && out.contains("OK!") {
        Some(true)
    } else if out.contains("Invalid proof") {
        Some(false)
    } else {
        None
    }
}

fn snarkjs_verifies(env: &Env, vk: &Path, public: &Path, proof: &Path) -> bool {
    snarkjs_verdict(env, vk, public, proof) == Some(true)
}

/// A proof with pi_a negated: still a valid curve point, no longer a valid proof.
fn tamper_proof(proof: &Value) -> Value {
    let mut t = proof.clone();
    let p = num_bigint::BigUint::parse_bytes(
        b"21888242871839275222246405745257275088696311157297823662689037894645226208583",
        10,
    )
    .unwrap();
    let y: num_bigint::BigUint = t["pi_a"][1].as_str().unwrap().parse().unwrap();
    t["pi_a"][1] = Value::String((p - y).to_string());
    t
}

fn tamper_public(public: &Value) -> Value {
    let mut t = public.clone();
    let x: num_bigint::BigUint = t[0].as_str().unwrap().parse().unwrap();
    t[0] = Value::String((x + 1u32).to_string());
    t
}

#[test]
fn kiln_proofs_of_circom_circuits_are_accepted_by_snarkjs_kiln_and_the_evm() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let mut rng = seeded_rng("snarkjs interop");
    let dir = scratch("accept");
    for circuit in CIRCUITS {
        let fx = env.fixtures.join(circuit);
        let vk = fx.join("verification_key.json");
        let mut evm =
            EvmVerifier::deploy(&fx.join("verifier.sol"), &env.node_bin.join("solcjs")).unwrap();
        // The harness itself: snarkjs's own proof passes on chain.
        assert!(evm
            .verify(
                &read_json(&fx.join("proof.snarkjs.json")),
                &read_json(&fx.join("public.json"))
            )
            .unwrap());

        let witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
        for name in backends::compiled_in() {
            let backend = backends::open(name).unwrap();
            // Load the key once, prove twice with fresh randomness.
            let prover =
                SnarkjsProver::new(&*backend, read_zkey_file(&fx.join("circuit.zkey")).unwrap())
                    .unwrap();
            for round in 0..2 {
                let (proof, public) = prover.prove(&witness, &mut rng).unwrap();
                let (proof_json, public_json) = (proof_to_json(&proof), public_to_json(&public));
                assert_eq!(
                    public_json,
                    read_json(&fx.join("public.json")),
                    "{circuit}: public signals"
                );
                let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
                write_json(&pp, &proof_json);
                write_json(&pu, &public_json);
                assert!(
                    snarkjs_verifies(&env, &vk, &pu, &pp),
                    "{circuit} on {name} (round {round}): snarkjs rejected kiln's proof"
                );
                assert!(
                    evm.verify(&proof_json, &public_json).unwrap(),
                    "{circuit} on {name}: the Solidity verifier rejected kiln's proof"
                );
                assert!(
                    !evm.verify(&tamper_proof(&proof_json), &public_json)
                        .unwrap(),
                    "{circuit}: EVM accepted a tampered proof"
                );
                assert!(
                    !evm.verify(&proof_json, &tamper_public(&public_json))
                        .unwrap(),
                    "{circuit}: EVM accepted a tampered input"
                );
            }
        }
    }
}

#[test]
fn kiln_prove_and_verify_agree_with_snarkjs_on_valid_tampered_and_malformed_files() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let dir = scratch("cli");
    for circuit in ["multiplier", "range", "many_public"] {
        let fx = env.fixtures.join(circuit);
        let vk = fx.join("verification_key.json");
        let (pp, pu) = (
            dir.join(format!("{circuit}.proof.json")),
            dir.join(format!("{circuit}.public.json")),
        );
        let o = kiln(&[
            "prove".as_ref(),
            fx.join("circuit.zkey").as_os_str(),
            fx.join("witness.wtns").as_os_str(),
            pp.as_os_str(),
            pu.as_os_str(),
            "--stages".as_ref(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{circuit}: {stderr}");
        // --stages: every MSM of the proof and its verification, each with a time. The host
        // backends run the five MSMs as one concurrent stage, devices one stage each.
        let msm_stages: &[&str] = if stderr.contains("(concurrent)") {
            &["msms A, B (G1), B (G2), private, H (concurrent)"]
        } else {
            &["msm A (G1)", "msm B (G2)", "msm H (G1)"]
        };
        for stage in msm_stages.iter().chain(&["verify"]) {
            assert!(
                stderr
                    .lines()
                    .any(|l| l.trim_start().starts_with(stage) && l.ends_with(" ms")),
                "{circuit}: no '{stage}' stage line in {stderr}"
            );
        }
        let kiln_verifies = |vk: &Path, pu: &Path, pp: &Path| -> Option<bool> {
            let o = kiln(&[
                "verify".as_ref(),
                vk.as_os_str(),
                pu.as_os_str(),
                pp.as_os_str(),
            ]);
            match o.status.code() {
                Some(0) => Some(true),
                Some(1) => Some(false),
                Some(2) => None,
                other => panic!(
                    "kiln verify ended with {other:?}: {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
            }
        };
        assert!(snarkjs_verifies(&env, &vk, &pu, &pp));
        assert_eq!(kiln_verifies(&vk, &pu, &pp), Some(true));
        // The trusted-key load (no B-query subgroup checks) proves the same statement.
        let (tkp, tku) = (
            dir.join("trusted.proof.json"),
            dir.join("trusted.public.json"),
        );
        let o = kiln(&[
            "prove".as_ref(),
            fx.join("circuit.zkey").as_os_str(),
            fx.join("witness.wtns").as_os_str(),
            tkp.as_os_str(),
            tku.as_os_str(),
            "--trusted-key".as_ref(),
        ]);
        assert!(
            o.status.success(),
            "{circuit}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(snarkjs_verifies(&env, &vk, &tku, &tkp));
        // snarkjs's own proof passes kiln verify too.
        assert_eq!(
            kiln_verifies(&vk, &fx.join("public.json"), &fx.join("proof.snarkjs.json")),
            Some(true)
        );

        let (tp, tu) = (
            dir.join("tampered.proof.json"),
            dir.join("tampered.public.json"),
        );
        write_json(&tp, &tamper_proof(&read_json(&pp)));
        assert!(!snarkjs_verifies(&env, &vk, &pu, &tp));
        assert_eq!(
            kiln_verifies(&vk, &pu, &tp),
            Some(false),
            "{circuit}: tampered proof"
        );
        write_json(&tu, &tamper_public(&read_json(&pu)));
        assert!(!snarkjs_verifies(&env, &vk, &tu, &pp));
        assert_eq!(
            kiln_verifies(&vk, &tu, &pp),
            Some(false),
            "{circuit}: tampered public input"
        );

        // Malformed: a missing field, a coordinate off the curve, too few public signals.
        let mut missing = read_json(&pp);
        missing.as_object_mut().unwrap().remove("pi_c");
        write_json(&tp, &missing);
        assert_eq!(kiln_verifies(&vk, &pu, &tp), None);
        let mut off_curve = read_json(&pp);
        off_curve["pi_c"][0] = Value::String("1".into());
        write_json(&tp, &off_curve);
        assert_eq!(kiln_verifies(&vk, &pu, &tp), None);
        assert_ne!(snarkjs_verdict(&env, &vk, &pu, &tp), Some(true));
        write_json(&tu, &Value::Array(vec![]));
        assert_eq!(kiln_verifies(&vk, &tu, &pp), None);
    }
}

#[test]
fn witnesses_that_do_not_fit_the_key_are_refused_and_nothing_is_written() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let dir = scratch("refuse");
    let fx = env.fixtures.join("range");
    let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
    // A witness for another circuit.
    let o = kiln(&[
        "prove".as_ref(),
        fx.join("circuit.zkey").as_os_str(),
        env.fixtures.join("poseidon/witness.wtns").as_os_str(),
        pp.as_os_str(),
        pu.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not for the same circuit"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!pp.exists() && !pu.exists());

    // A witness of the right length that does not satisfy the circuit: one private value changed.
    let mut witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
    let last = witness.len() - 1;
    witness[last] += Fr::from(1u64);
    let zkey = read_zkey_file(&fx.join("circuit.zkey")).unwrap();
    for name in backends::compiled_in() {
        let backend = backends::open(name).unwrap();
        let prover = SnarkjsProver::new(&*backend, zkey.clone()).unwrap();
        assert!(matches!(
            prover.prove_with_randomness(&witness, Fr::from(3u64), Fr::from(5u64)),
            Err(ProverError::WitnessRejected)
        ));
        // Taken by value, the witness moves to the backend; the diagnosis gets it back.
        assert!(matches!(
            prover.prove_timed_owned(witness.clone(), Fr::from(3u64), Fr::from(5u64)),
            Err(ProverError::WitnessRejected)
        ));
        // And by a prover that frees its QAP coefficients after the witness map.
        assert!(matches!(
            prover.prove_once(witness.clone(), Fr::from(3u64), Fr::from(5u64)),
            Err(ProverError::WitnessRejected)
        ));
    }
    // The same through the CLI: exit 2, no files.
    let bad = dir.join("bad.wtns");
    let mut bytes = std::fs::read(fx.join("witness.wtns")).unwrap();
    let n = bytes.len();
    bytes[n - 32] ^= 1; // low byte of the last value
    std::fs::write(&bad, bytes).unwrap();
    let o = kiln(&[
        "prove".as_ref(),
        fx.join("circuit.zkey").as_os_str(),
        bad.as_os_str(),
        pp.as_os_str(),
        pu.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not satisfy"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!pp.exists() && !pu.exists());
}

/// `kiln prove` checks a key fully once, records its digest, and skips the subgroup checks for
/// the same bytes later; `--no-key-cache` checks again; a cache folder that cannot be written
/// costs a warning, not the proof.
#[test]
fn kiln_prove_records_checked_keys_and_recognises_them() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let dir = scratch("key-cache");
    let fx = env.fixtures.join("mimc_chain");
    let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
    let prove = |cache: &Path, flags: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
        cmd.env("KILN_CACHE_DIR", cache)
            .arg("prove")
            .arg(fx.join("circuit.zkey"))
            .arg(fx.join("witness.wtns"))
            .args([&pp, &pu])
            .args(["--backend", "cpu"])
            .args(flags);
        let o = run(&mut cmd);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{err}");
        assert!(snarkjs_verifies(
            &env,
            &fx.join("verification_key.json"),
            &pu,
            &pp
        ));
        err
    };
    let cache = dir.join("checked-keys");
    let first = prove(&cache, &[]);
    assert!(first.contains("key recorded as checked"), "{first}");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    let second = prove(&cache, &[]);
    assert!(second.contains("checked before"), "{second}");
    let forced = prove(&cache, &["--no-key-cache"]);
    assert!(
        forced.contains("all checks") && !forced.contains("recorded"),
        "{forced}"
    );
    let trusted = prove(&cache, &["--trusted-key"]);
    assert!(trusted.contains("trusted"), "{trusted}");
    // A cache "folder" below a plain file cannot be made, even by root.
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let warned = prove(&file.join("checked-keys"), &[]);
    assert!(warned.contains("warning: cannot record"), "{warned}");
    assert_eq!(warned.matches("warning").count(), 1, "{warned}");
}

#[test]
fn fixed_randomness_gives_byte_identical_proofs_on_every_backend() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let mut rng = seeded_rng("snarkjs byte identity");
    let fx = env.fixtures.join("poseidon");
    let zkey = read_zkey_file(&fx.join("circuit.zkey")).unwrap();
    let witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
    // On the cpu backend too: against itself, the same r, s must give the same proof.
    for name in backends::compiled_in() {
        let backend = backends::open(name).unwrap();
        match zkey_byte_identity(&*backend, &mut rng, "poseidon", &zkey, &witness, 1) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_faulty_device_is_told_apart_from_a_bad_witness() {
    use kiln_host::faulty::{Fault, FaultyBackend};
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let fx = env.fixtures.join("range");
    let zkey = read_zkey_file(&fx.join("circuit.zkey")).unwrap();
    let witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
    let faulty = FaultyBackend::new(&[Fault::MsmG1AddsGenerator]);
    let prover = SnarkjsProver::new(&faulty, zkey.clone()).unwrap();
    // A good witness on a wrong device: the device is blamed, and no proof comes back.
    assert!(matches!(
        prover.prove_with_randomness(&witness, Fr::from(7u64), Fr::from(11u64)),
        Err(ProverError::ProofDidNotVerify { backend: "faulty" })
    ));
    // A bad witness on the same device: the cpu reference rejects it too, so the witness is blamed.
    let mut bad = witness.clone();
    let last = bad.len() - 1;
    bad[last] += Fr::from(1u64);
    assert!(matches!(
        prover.prove_with_randomness(&bad, Fr::from(7u64), Fr::from(11u64)),
        Err(ProverError::WitnessRejected)
    ));
    // The same with the witnesses moved into the prover.
    assert!(matches!(
        prover.prove_timed_owned(witness.clone(), Fr::from(7u64), Fr::from(11u64)),
        Err(ProverError::ProofDidNotVerify { backend: "faulty" })
    ));
    assert!(matches!(
        prover.prove_timed_owned(bad.clone(), Fr::from(7u64), Fr::from(11u64)),
        Err(ProverError::WitnessRejected)
    ));
    // A one-shot prover (`kiln prove`'s) frees its QAP coefficients after the witness map: the
    // diagnosis still re-proves on the reference, from the device prover's host copy.
    let once = |w: Vec<Fr>| {
        SnarkjsProver::new(&faulty, zkey.clone())
            .unwrap()
            .prove_once(w, Fr::from(7u64), Fr::from(11u64))
    };
    assert!(matches!(
        once(witness.clone()),
        Err(ProverError::ProofDidNotVerify { backend: "faulty" })
    ));
    assert!(matches!(once(bad), Err(ProverError::WitnessRejected)));
}

/// A witness moved into the prover (one copy of it, on the backend), and a prover that proves
/// once (`kiln prove`'s way), give the very proof a borrowed witness does, on every backend.
#[test]
fn owned_and_borrowed_witnesses_prove_the_same() {
    let Some(env) = Env::get("snarkjs interop") else {
        return;
    };
    let mut rng = seeded_rng("owned witness");
    let fx = env.fixtures.join("range");
    let zkey = read_zkey_file(&fx.join("circuit.zkey")).unwrap();
    let witness = read_wtns_file(&fx.join("witness.wtns")).unwrap();
    for name in backends::compiled_in() {
        let backend = backends::open(name).unwrap();
        let prover = SnarkjsProver::new(&*backend, zkey.clone()).unwrap();
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let (borrowed, public, _) = prover.prove_timed(&witness, r, s).unwrap();
        let (owned, owned_public, _) = prover.prove_timed_owned(witness.clone(), r, s).unwrap();
        assert_eq!(owned, borrowed, "{name}: proof");
        assert_eq!(owned_public, public, "{name}: public signals");
        let (once, once_public, _) = prover.prove_once(witness.clone(), r, s).unwrap();
        assert_eq!(once, borrowed, "{name}: proof of a one-shot prover");
        assert_eq!(
            once_public, public,
            "{name}: public signals of a one-shot prover"
        );
    }
}
