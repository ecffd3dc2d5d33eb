//! kiln's PLONK verifier and JSON against snarkjs's: snarkjs's own PLONK proofs of the circom
//! fixture circuits are accepted by kiln's native verifier, by `kiln verify` and by snarkjs's
//! Solidity `PlonkVerifier` in revm; tampered proofs and statements are rejected by all of them
//! and by `snarkjs plonk verify`; malformed files are errors (exit 2); the JSON round trip
//! reproduces snarkjs's files byte for byte.
//!
//! Needs the fixtures of `tests/interop/fixtures.sh` (`KILN_FIXTURES`) and the npm tools in
//! `.deps/node` (`make setup`); `make test` provides both. `KILN_SKIP_INTEROP=1` skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use ark_bn254::Fr;
use ark_ff::PrimeField;
use kiln_prover::plonk::json::{
    proof_from_json, proof_to_json, proof_to_text, verifying_key_from_json, verifying_key_to_text,
};
use kiln_prover::plonk::verifier::{check, Rejection};
use kiln_prover::plonk::{PlonkProof, PlonkVerifyingKey};
use kiln_prover::snarkjs_json::{public_from_json, public_to_json};
use num_bigint::BigUint;
use serde_json::{json, Value};
use support::evm::{plonk_calldata, plonk_proof_words, tampered_proofs, PlonkEvmVerifier};
use support::interop::{kiln, read_json, read_text, run, text, write_json, Env, PLONK_CIRCUITS};
use support::scratch::scratch;

/// One circuit's snarkjs PLONK files, read.
struct Fixture {
    dir: PathBuf,
    vk: PlonkVerifyingKey,
    public: Vec<Fr>,
    proof: PlonkProof,
}

impl Fixture {
    fn load(env: &Env, circuit: &str) -> Self {
        let dir = env.fixtures.join(circuit);
        let vk = verifying_key_from_json(&read_json(&dir.join("plonk_verification_key.json")))
            .unwrap_or_else(|e| panic!("{circuit}: {e}"));
        let public = public_from_json(&read_json(&dir.join("plonk_public.json")))
            .unwrap_or_else(|e| panic!("{circuit}: {e}"));
        let proof = proof_from_json(&read_json(&dir.join("plonk_proof.snarkjs.json")))
            .unwrap_or_else(|e| panic!("{circuit}: {e}"));
        Self {
            dir,
            vk,
            public,
            proof,
        }
    }

    fn vk_path(&self) -> PathBuf {
        self.dir.join("plonk_verification_key.json")
    }
}

/// The statement with each public signal changed in turn, and with one signal too many and
/// (where there is one) one too few.
fn tampered_publics(public: &[Fr]) -> Vec<(String, Vec<Fr>)> {
    let mut out = Vec::new();
    for i in 0..public.len() {
        let mut t = public.to_vec();
        t[i] += Fr::from(1u64);
        out.push((format!("public signal {i} changed"), t));
    }
    let mut more = public.to_vec();
    more.push(Fr::from(1u64));
    out.push(("one public signal too many".into(), more));
    if !public.is_empty() {
        out.push((
            "one public signal too few".into(),
            public[..public.len() - 1].to_vec(),
        ));
    }
    out
}

/// `snarkjs plonk verify`'s verdict: `Some(true)` for OK!, `Some(false)` for one of its own
/// rejections (a failed check or a refused input), `None` for anything else (a crash).
fn snarkjs_verdict(env: &Env, vk: &Path, public: &Path, proof: &Path) -> Option<bool> {
    let o = run(Command::new(env.node_bin.join("snarkjs"))
        .args(["plonk", "verify"])
        .arg(vk)
        .arg(public)
        .arg(proof));
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    let rejections = [
        "Invalid Proof",
        "Invalid number of public inputs",
        "Proof commitments are not valid",
        "Proof evaluations are not valid",
        "Public inputs are not valid",
    ];
    if o.status.success() && out.contains("OK!") {
        Some(true)
    } else if rejections.iter().any(|r| out.contains(r)) {
        Some(false)
    } else {
        None
    }
}

/// `kiln verify`'s verdict: `Some(true)` exit 0 with OK!, `Some(false)` exit 1 with "Invalid
/// proof", `None` exit 2 (malformed), with stderr for the message.
fn kiln_verdict(vk: &Path, public: &Path, proof: &Path) -> (Option<bool>, String) {
    let o = run(Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("verify")
        .arg(vk)
        .arg(public)
        .arg(proof));
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    let verdict = match o.status.code() {
        Some(0) if out.contains("OK!") => Some(true),
        Some(1) if out.contains("Invalid proof") => Some(false),
        Some(2) => None,
        other => panic!("kiln verify ended with {other:?}: {out}{err}"),
    };
    (verdict, err)
}

/// Removes all whitespace outside strings (there is none inside snarkjs's strings).
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn snarkjs_plonk_proofs_verify_natively_round_trip_and_tampering_is_caught() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    for circuit in PLONK_CIRCUITS {
        let fx = Fixture::load(&env, circuit);
        assert_eq!(
            check(&fx.vk, &fx.public, &fx.proof),
            Ok(()),
            "{circuit}: kiln rejected snarkjs's PLONK proof"
        );

        // The JSON round trip reproduces snarkjs's files: the proof and the key byte for byte
        // (so `w`, which kiln writes and never reads, is snarkjs's Fr.w[power]).
        let proof_file = read_text(&fx.dir.join("plonk_proof.snarkjs.json"));
        assert_eq!(squeeze(&proof_to_text(&fx.proof)), squeeze(&proof_file));
        assert_eq!(
            proof_to_text(&fx.proof),
            proof_file,
            "{circuit}: proof.json"
        );
        assert_eq!(
            proof_from_json(&proof_to_json(&fx.proof)),
            Ok(fx.proof.clone())
        );
        assert_eq!(
            verifying_key_to_text(&fx.vk),
            read_text(&fx.vk_path()),
            "{circuit}: verification_key.json"
        );
        assert_eq!(
            public_to_json(&fx.public),
            read_json(&fx.dir.join("plonk_public.json"))
        );

        for (what, t) in tampered_proofs(&fx.proof) {
            assert_eq!(
                check(&fx.vk, &fx.public, &t),
                Err(Rejection::Pairing),
                "{circuit}: accepted a proof with {what} changed"
            );
        }
        for (what, public) in tampered_publics(&fx.public) {
            let expected = if public.len() == fx.vk.n_public {
                Rejection::Pairing
            } else {
                Rejection::PublicCount {
                    given: public.len(),
                    expected: fx.vk.n_public,
                }
            };
            assert_eq!(
                check(&fx.vk, &public, &fx.proof),
                Err(expected),
                "{circuit}: {what}"
            );
        }
    }
}

#[test]
fn kiln_verify_and_snarkjs_plonk_verify_agree_on_valid_and_tampered_proofs() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    let dir = scratch("agree");
    let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
    // Every tampering of the proof of one circuit through both tools, and the first and last
    // public signal and both wrong counts (each snarkjs run costs about 0.7 s); the native
    // verifier covers every circuit and every signal in the test above.
    let fx = Fixture::load(&env, "range");
    let vk = fx.vk_path();
    let agree = |what: &str, expected: Option<bool>| {
        let snarkjs = snarkjs_verdict(&env, &vk, &pu, &pp);
        let (kiln, err) = kiln_verdict(&vk, &pu, &pp);
        assert_eq!(snarkjs, expected, "snarkjs on {what}");
        // A wrong number of public signals is malformed input for kiln (exit 2, as for
        // Groth16); snarkjs rejects it as an invalid proof. Neither accepts.
        match expected {
            Some(true) => assert_eq!(kiln, Some(true), "kiln on {what}: {err}"),
            _ => assert_ne!(kiln, Some(true), "kiln accepted {what}"),
        }
        kiln
    };

    write_json(&pu, &public_to_json(&fx.public));
    std::fs::write(&pp, proof_to_text(&fx.proof)).unwrap();
    agree("snarkjs's proof", Some(true));
    for (what, t) in tampered_proofs(&fx.proof) {
        std::fs::write(&pp, proof_to_text(&t)).unwrap();
        assert_eq!(agree(what, Some(false)), Some(false), "kiln on {what}");
    }
    std::fs::write(&pp, proof_to_text(&fx.proof)).unwrap();
    let publics = tampered_publics(&fx.public);
    let n = fx.public.len();
    for (what, public) in [&publics[0], &publics[n - 1], &publics[n], &publics[n + 1]] {
        write_json(&pu, &public_to_json(public));
        let kiln = agree(what, Some(false));
        let expected = (public.len() == fx.vk.n_public).then_some(false);
        assert_eq!(kiln, expected, "kiln on {what}");
    }
}

#[test]
fn kiln_verify_picks_the_protocol_from_the_key_and_refuses_malformed_plonk_files() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    let dir = scratch("cli");
    let fx = Fixture::load(&env, "multiplier");
    let vk = fx.vk_path();
    let pu = fx.dir.join("plonk_public.json");
    let proof_json = read_json(&fx.dir.join("plonk_proof.snarkjs.json"));
    let tp = dir.join("proof.json");

    assert_eq!(
        kiln_verdict(&vk, &pu, &fx.dir.join("plonk_proof.snarkjs.json")).0,
        Some(true)
    );
    // Groth16 still goes to the Groth16 verifier.
    assert_eq!(
        kiln_verdict(
            &fx.dir.join("verification_key.json"),
            &fx.dir.join("public.json"),
            &fx.dir.join("proof.snarkjs.json")
        )
        .0,
        Some(true)
    );

    let r = BigUint::from(Fr::MODULUS);
    let q = BigUint::from(ark_bn254::Fq::MODULUS);
    let plus = |v: &Value, n: &BigUint| -> Value {
        json!((v.as_str().unwrap().parse::<BigUint>().unwrap() + n).to_string())
    };
    // Each malformed proof: json.rs names the problem, and kiln verify exits 2 with it.
    // snarkjs is lenient on non-canonical numbers (it reduces eval_a + r and y + q and then
    // accepts the proof); kiln refuses them, so a proof has one encoding.
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    let mut t = proof_json.clone();
    t["eval_b"] = json!("12.5");
    cases.push(("a bad decimal", t, "proof eval_b"));
    let mut t = proof_json.clone();
    t["T2"][0] = json!("1");
    cases.push(("a point off the curve", t, "not on the curve"));
    let mut t = proof_json.clone();
    t["eval_a"] = plus(&proof_json["eval_a"], &r);
    cases.push(("an evaluation >= r", t, "not below the field modulus"));
    let mut t = proof_json.clone();
    t["A"][1] = plus(&proof_json["A"][1], &q);
    cases.push(("a coordinate >= q", t, "not below the field modulus"));
    let mut t = proof_json.clone();
    t.as_object_mut().unwrap().remove("Wxiw");
    cases.push(("a missing key", t, "missing field 'Wxiw'"));
    let mut t = proof_json.clone();
    t["Z"] = json!(["1", "2"]);
    cases.push(("a point of two coordinates", t, "expected an array of 3"));
    for (what, t, needle) in &cases {
        let e = proof_from_json(t).expect_err(what);
        assert!(e.to_string().contains(needle), "{what}: {e}");
        write_json(&tp, t);
        let (verdict, err) = kiln_verdict(&vk, &pu, &tp);
        assert_eq!(verdict, None, "kiln verify on {what}");
        assert!(err.contains(needle), "{what}: {err}");
    }
    // snarkjs agrees that a point off the curve is no proof.
    write_json(&tp, &cases[1].1);
    assert_eq!(snarkjs_verdict(&env, &vk, &pu, &tp), Some(false));

    // A public signal >= r: snarkjs rejects the inputs, kiln calls the file malformed.
    let tu = dir.join("public.json");
    write_json(&tu, &json!([plus(&read_json(&pu)[0], &r)]));
    let (verdict, err) = kiln_verdict(&vk, &tu, &fx.dir.join("plonk_proof.snarkjs.json"));
    assert_eq!(verdict, None);
    assert!(err.contains("public signal 0"), "{err}");
    // The wrong number of public signals.
    write_json(&tu, &json!([]));
    let (verdict, err) = kiln_verdict(&vk, &tu, &fx.dir.join("plonk_proof.snarkjs.json"));
    assert_eq!(verdict, None);
    assert!(err.contains("expects 1"), "{err}");

    // Proofs and keys of different protocols are a mix-up of files, not invalid proofs.
    let (verdict, err) = kiln_verdict(
        &vk,
        &fx.dir.join("public.json"),
        &fx.dir.join("proof.snarkjs.json"),
    );
    assert_eq!(verdict, None);
    assert!(
        err.contains("groth16 proof") && err.contains("plonk verification key"),
        "{err}"
    );
    let (verdict, err) = kiln_verdict(
        &fx.dir.join("verification_key.json"),
        &pu,
        &fx.dir.join("plonk_proof.snarkjs.json"),
    );
    assert_eq!(verdict, None);
    assert!(err.contains("plonk proof"), "{err}");
    // Keys of other protocols.
    let tk = dir.join("vk.json");
    for (protocol, needle) in [("fflonk", "not supported"), ("marlin", "unknown protocol")] {
        let mut v = read_json(&vk);
        v["protocol"] = json!(protocol);
        write_json(&tk, &v);
        let mut p = proof_json.clone();
        p.as_object_mut().unwrap().remove("protocol");
        write_json(&tp, &p);
        let (verdict, err) = kiln_verdict(&tk, &pu, &tp);
        assert_eq!(verdict, None, "{protocol}");
        assert!(err.contains(needle), "{protocol}: {err}");
    }
    let mut v = read_json(&vk);
    v.as_object_mut().unwrap().remove("protocol");
    write_json(&tk, &v);
    assert_eq!(kiln_verdict(&tk, &pu, &tp).0, None);
}

#[test]
fn snarkjs_plonk_solidity_verifier_accepts_snarkjs_proofs_and_rejects_tampered_ones() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    for circuit in PLONK_CIRCUITS {
        let fx = Fixture::load(&env, circuit);
        let mut evm = PlonkEvmVerifier::deploy(
            &fx.dir.join("plonk_verifier.bin"),
            &fx.dir.join("plonk_verifier.sol"),
        )
        .unwrap_or_else(|e| panic!("{circuit}: {e:#}"));
        assert_eq!(evm.n_public(), fx.vk.n_public);
        assert!(
            evm.verify(&fx.proof, &fx.public).unwrap(),
            "{circuit}: the Solidity verifier rejected snarkjs's PLONK proof"
        );
        println!("{circuit}: PlonkVerifier gas {}", evm.last_gas_used);
        // A commitment, an evaluation and a public signal changed.
        let tampered = tampered_proofs(&fx.proof);
        for (what, t) in [&tampered[3], &tampered[8], &tampered[14]] {
            assert!(
                !evm.verify(t, &fx.public).unwrap(),
                "{circuit}: the EVM accepted a proof with {what} changed"
            );
        }
        if let Some((what, public)) = tampered_publics(&fx.public).first() {
            assert!(!evm.verify(&fx.proof, public).unwrap(), "{circuit}: {what}");
        }
    }

    // The calldata is what `snarkjs zkey export soliditycalldata` prints for the proof.
    let fx = Fixture::load(&env, "many_public");
    let o = run(Command::new(env.node_bin.join("snarkjs"))
        .args(["zkey", "export", "soliditycalldata"])
        .arg(fx.dir.join("plonk_public.json"))
        .arg(fx.dir.join("plonk_proof.snarkjs.json")));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8_lossy(&o.stdout);
    let snarkjs_words: Vec<String> = printed
        .split('"')
        .filter(|s| s.starts_with("0x"))
        .map(|s| s.to_lowercase())
        .collect();
    let data = plonk_calldata(&fx.proof, &fx.public);
    let ours: Vec<String> = data[4..]
        .chunks(32)
        .map(|w| {
            format!(
                "0x{}",
                w.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        })
        .collect();
    assert_eq!(ours, snarkjs_words);
    assert_eq!(plonk_proof_words(&fx.proof).len(), 24);
}

#[test]
fn kiln_prove_writes_plonk_proofs_that_snarkjs_kiln_and_the_evm_accept_on_every_backend() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    let dir = scratch("prove");
    let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
    for circuit in PLONK_CIRCUITS {
        let fx = Fixture::load(&env, circuit);
        let mut evm = PlonkEvmVerifier::deploy(
            &fx.dir.join("plonk_verifier.bin"),
            &fx.dir.join("plonk_verifier.sol"),
        )
        .unwrap_or_else(|e| panic!("{circuit}: {e:#}"));
        for backend in kiln::backends::compiled_in() {
            let what = format!("{circuit} on {backend}");
            let o = kiln(&[
                "prove".as_ref(),
                fx.dir.join("plonk.zkey").as_os_str(),
                fx.dir.join("witness.wtns").as_os_str(),
                pp.as_os_str(),
                pu.as_os_str(),
                "--backend".as_ref(),
                backend.as_ref(),
                "--stages".as_ref(),
            ]);
            assert!(o.status.success(), "{what}: {}", text(&o));
            assert!(
                text(&o).contains("plonk on backend"),
                "{what}: {}",
                text(&o)
            );
            for stage in [
                "round 3: quotient on the 4n coset",
                "round 5: commit Wxi, Wxiw",
            ] {
                assert!(
                    text(&o).contains(stage),
                    "{what}: no '{stage}' in {}",
                    text(&o)
                );
            }
            let proof_json = read_json(&pp);
            assert_eq!(proof_json["protocol"], "plonk", "{what}");
            assert_eq!(
                read_json(&pu),
                read_json(&fx.dir.join("plonk_public.json")),
                "{what}"
            );
            assert_eq!(
                snarkjs_verdict(&env, &fx.vk_path(), &pu, &pp),
                Some(true),
                "{what}: snarkjs plonk verify rejected kiln's proof"
            );
            assert_eq!(
                kiln_verdict(&fx.vk_path(), &pu, &pp).0,
                Some(true),
                "{what}"
            );
            let proof = proof_from_json(&proof_json).unwrap();
            assert!(
                evm.verify(&proof, &fx.public).unwrap(),
                "{what}: the Solidity PlonkVerifier rejected kiln's proof"
            );
            // Fresh blinding every proof: two runs never give the same proof.
            assert_ne!(
                proof, fx.proof,
                "{what}: kiln's proof equals snarkjs's reference proof"
            );
        }
    }
}

#[test]
fn plonk_witnesses_that_do_not_satisfy_the_key_are_refused_and_nothing_is_written() {
    let Some(env) = Env::get("PLONK interop") else {
        return;
    };
    let dir = scratch("refuse");
    let (pp, pu) = (dir.join("proof.json"), dir.join("public.json"));
    let fx = env.fixtures.join("poseidon");
    let prove = |wtns: &Path| {
        kiln(&[
            "prove".as_ref(),
            fx.join("plonk.zkey").as_os_str(),
            wtns.as_os_str(),
            pp.as_os_str(),
            pu.as_os_str(),
        ])
    };
    // A witness for another circuit.
    let o = prove(&env.fixtures.join("range/witness.wtns"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("not for the same circuit"),
        "{}",
        text(&o)
    );
    assert!(!pp.exists() && !pu.exists());
    // The right length, one value changed: a gate fails, and its row is named.
    let bad = dir.join("bad.wtns");
    let mut bytes = std::fs::read(fx.join("witness.wtns")).unwrap();
    let n = bytes.len();
    bytes[n - 32] ^= 1;
    std::fs::write(&bad, bytes).unwrap();
    let o = prove(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("PLONK row"), "{}", text(&o));
    assert!(text(&o).contains("not satisfied"), "{}", text(&o));
    assert!(!pp.exists() && !pu.exists());
}
