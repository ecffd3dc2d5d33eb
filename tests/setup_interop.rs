//! kiln's setups against snarkjs's, checked by snarkjs itself:
//!
//! * `kiln setup groth16|plonk` writes the same bytes as `snarkjs groth16 setup` /
//!   `snarkjs plonk setup` for every fixture circuit;
//! * `kiln ptau new` writes the same bytes as `snarkjs powersoftau prepare phase2` run on its own
//!   first seven sections (the Lagrange sections are the part kiln computes differently);
//! * keys made by kiln from kiln's own powers of tau prove with `kiln prove`, and snarkjs
//!   (`zkey verify`, `groth16 verify`, `plonk verify`) and its Solidity verifier accept them;
//! * bad inputs (a ptau too small or not prepared, a malformed circuit) exit 2 with the reason and
//!   write nothing.
//!
//! Needs the fixtures of `tests/interop/fixtures.sh` (`KILN_FIXTURES`) and the npm tools in
//! `.deps/node`; `make test` provides both. `KILN_SKIP_INTEROP=1` skips.

mod support;

use std::path::{Path, PathBuf};

use support::evm::PlonkEvmVerifier;
use support::interop::{kiln, read_json, text, Env, CIRCUITS, PLONK_CIRCUITS};
use support::scratch::scratch;

fn fixture_ptau(env: &Env) -> PathBuf {
    env.fixtures.join("pot_12_final.ptau")
}

/// `kiln setup SYSTEM r1cs ptau out`, which must succeed.
fn kiln_setup(system: &str, r1cs: &Path, ptau: &Path, out: &Path) {
    let o = kiln(&[
        "setup".as_ref(),
        system.as_ref(),
        r1cs.as_os_str(),
        ptau.as_os_str(),
        out.as_os_str(),
    ]);
    assert!(
        o.status.success(),
        "kiln setup {system} {}: {}",
        r1cs.display(),
        text(&o)
    );
}

fn assert_same_file(ours: &Path, theirs: &Path, what: &str) {
    let (a, b) = (std::fs::read(ours).unwrap(), std::fs::read(theirs).unwrap());
    assert_eq!(a.len(), b.len(), "{what}: sizes differ");
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        panic!("{what}: first difference at byte {i} of {}", a.len());
    }
}

#[test]
fn kiln_setups_write_the_same_bytes_as_snarkjs() {
    let Some(env) = Env::get("setup interop") else {
        return;
    };
    let dir = scratch("same-bytes");
    let ptau = fixture_ptau(&env);
    for circuit in CIRCUITS {
        let fx = env.fixtures.join(circuit);
        let out = dir.join(format!("{circuit}.groth16.zkey"));
        kiln_setup("groth16", &fx.join("circuit.r1cs"), &ptau, &out);
        // snarkjs's key before any contribution is deterministic.
        assert_same_file(&out, &fx.join(format!("{circuit}_0000.zkey")), circuit);
    }
    for circuit in PLONK_CIRCUITS {
        let fx = env.fixtures.join(circuit);
        let out = dir.join(format!("{circuit}.plonk.zkey"));
        kiln_setup("plonk", &fx.join("circuit.r1cs"), &ptau, &out);
        assert_same_file(&out, &fx.join("plonk.zkey"), circuit);
    }
}

/// The container sections of an iden3 file, as (id, whole section bytes with its header).
fn sections(bytes: &[u8]) -> Vec<(u32, &[u8])> {
    let mut out = Vec::new();
    let mut at = 12;
    while at < bytes.len() {
        let id = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let len = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        out.push((id, &bytes[at..at + 12 + len]));
        at += 12 + len;
    }
    out
}

#[test]
fn kiln_ptau_new_equals_snarkjs_prepare_phase2_of_its_own_powers() {
    let Some(env) = Env::get("setup interop") else {
        return;
    };
    let dir = scratch("ptau");
    let ours = dir.join("kiln.ptau");
    let o = kiln(&[
        "ptau".as_ref(),
        "new".as_ref(),
        "--power".as_ref(),
        "7".as_ref(),
        ours.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("INSECURE"),
        "the warning is missing: {}",
        text(&o)
    );

    // The same file without its Lagrange sections (12..15), as `powersoftau new` plus a
    // contribution would leave it, then prepared by snarkjs.
    let bytes = std::fs::read(&ours).unwrap();
    let kept: Vec<_> = sections(&bytes)
        .into_iter()
        .filter(|(id, _)| *id <= 7)
        .collect();
    assert_eq!(kept.len(), 7);
    let mut unprepared = bytes[..8].to_vec();
    unprepared.extend_from_slice(&(kept.len() as u32).to_le_bytes());
    for (_, s) in &kept {
        unprepared.extend_from_slice(s);
    }
    let (raw, prepared) = (dir.join("raw.ptau"), dir.join("snarkjs.ptau"));
    std::fs::write(&raw, unprepared).unwrap();
    let o = env.snarkjs(&[
        "powersoftau".as_ref(),
        "prepare".as_ref(),
        "phase2".as_ref(),
        raw.as_os_str(),
        prepared.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_same_file(&ours, &prepared, "kiln ptau new vs snarkjs prepare phase2");

    // snarkjs reads the file and says what kiln says: no contribution, not for production.
    let o = env.snarkjs(&["powersoftau".as_ref(), "verify".as_ref(), ours.as_os_str()]);
    assert!(text(&o).contains("no contribution"), "{}", text(&o));
}

#[test]
fn keys_from_a_kiln_ptau_prove_and_snarkjs_and_the_evm_accept_the_proofs() {
    let Some(env) = Env::get("setup interop") else {
        return;
    };
    let dir = scratch("end-to-end");
    // Power 13: mimc_chain needs 4468 PLONK rows, more than the fixtures' power-12 ptau holds.
    let ptau = dir.join("pot13.ptau");
    let o = kiln(&[
        "ptau".as_ref(),
        "new".as_ref(),
        "--power".as_ref(),
        "13".as_ref(),
        ptau.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let (pp, pu, vk) = (
        dir.join("proof.json"),
        dir.join("public.json"),
        dir.join("vk.json"),
    );
    for circuit in CIRCUITS {
        let fx = env.fixtures.join(circuit);
        for system in ["groth16", "plonk"] {
            let what = format!("{circuit} {system}");
            let zkey = dir.join(format!("{circuit}.{system}.zkey"));
            kiln_setup(system, &fx.join("circuit.r1cs"), &ptau, &zkey);
            if system == "groth16" {
                // snarkjs re-derives the whole key from the circuit and the ptau.
                let o = env.snarkjs(&[
                    "zkey".as_ref(),
                    "verify".as_ref(),
                    fx.join("circuit.r1cs").as_os_str(),
                    ptau.as_os_str(),
                    zkey.as_os_str(),
                ]);
                assert!(text(&o).contains("ZKey Ok!"), "{what}: {}", text(&o));
            }
            let o = kiln(&[
                "prove".as_ref(),
                zkey.as_os_str(),
                fx.join("witness.wtns").as_os_str(),
                pp.as_os_str(),
                pu.as_os_str(),
            ]);
            assert!(o.status.success(), "{what}: {}", text(&o));
            let o = env.snarkjs(&[
                "zkey".as_ref(),
                "export".as_ref(),
                "verificationkey".as_ref(),
                zkey.as_os_str(),
                vk.as_os_str(),
            ]);
            assert!(o.status.success(), "{what}: {}", text(&o));
            assert_eq!(read_json(&vk)["protocol"], system, "{what}");
            let o = env.snarkjs(&[
                system.as_ref(),
                "verify".as_ref(),
                vk.as_os_str(),
                pu.as_os_str(),
                pp.as_os_str(),
            ]);
            assert!(
                o.status.success() && text(&o).contains("OK!"),
                "{what}: {}",
                text(&o)
            );
            let o = kiln(&[
                "verify".as_ref(),
                vk.as_os_str(),
                pu.as_os_str(),
                pp.as_os_str(),
            ]);
            assert!(o.status.success(), "{what}: {}", text(&o));
        }
    }

    // snarkjs's PLONK setup over kiln's ptau gives kiln's key, and the Solidity verifier exported
    // from kiln's key accepts kiln's proof (the largest circuit).
    let fx = env.fixtures.join("mimc_chain");
    let theirs = dir.join("snarkjs.plonk.zkey");
    let o = env.snarkjs(&[
        "plonk".as_ref(),
        "setup".as_ref(),
        fx.join("circuit.r1cs").as_os_str(),
        ptau.as_os_str(),
        theirs.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ours = dir.join("mimc_chain.plonk.zkey");
    assert_same_file(&ours, &theirs, "mimc_chain PLONK key over kiln's ptau");
    let sol = dir.join("verifier.sol");
    let o = env.snarkjs(&[
        "zkey".as_ref(),
        "export".as_ref(),
        "solidityverifier".as_ref(),
        ours.as_os_str(),
        sol.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kiln(&[
        "prove".as_ref(),
        ours.as_os_str(),
        fx.join("witness.wtns").as_os_str(),
        pp.as_os_str(),
        pu.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut evm = PlonkEvmVerifier::compile_and_deploy(&sol, &env.node_bin.join("solcjs"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let proof = kiln_prover::plonk::json::proof_from_json(&read_json(&pp)).unwrap();
    let public = kiln_prover::snarkjs_json::public_from_json(&read_json(&pu)).unwrap();
    assert!(
        evm.verify(&proof, &public).unwrap(),
        "the EVM rejected kiln's proof"
    );
}

#[test]
fn bad_setup_inputs_exit_2_with_the_reason_and_write_nothing() {
    let Some(env) = Env::get("setup interop") else {
        return;
    };
    let dir = scratch("bad-inputs");
    let out = dir.join("out.zkey");
    let setup = |system: &str, r1cs: &Path, ptau: &Path| {
        kiln(&[
            "setup".as_ref(),
            system.as_ref(),
            r1cs.as_os_str(),
            ptau.as_os_str(),
            out.as_os_str(),
        ])
    };
    let mimc = env.fixtures.join("mimc_chain/circuit.r1cs");
    let ptau = fixture_ptau(&env);
    // mimc_chain's PLONK form needs a power-13 ptau.
    let o = setup("plonk", &mimc, &ptau);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("2^13") && text(&o).contains("only goes to 2^12"),
        "{}",
        text(&o)
    );
    assert!(!out.exists());

    // A ptau that is not prepared for phase 2.
    let raw = env.fixtures.join("pot_12_0001.ptau");
    let o = setup(
        "groth16",
        &env.fixtures.join("multiplier/circuit.r1cs"),
        &raw,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("prepare phase2"), "{}", text(&o));
    assert!(!out.exists());

    // A truncated circuit, and a ptau that is something else.
    let truncated = dir.join("truncated.r1cs");
    let bytes = std::fs::read(env.fixtures.join("poseidon/circuit.r1cs")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    for system in ["groth16", "plonk"] {
        let o = setup(system, &truncated, &ptau);
        assert_eq!(o.status.code(), Some(2), "{system}: {}", text(&o));
        assert!(text(&o).contains("circuit"), "{system}: {}", text(&o));
        assert!(!out.exists());
        let o = setup(
            system,
            &env.fixtures.join("poseidon/circuit.r1cs"),
            &truncated,
        );
        assert_eq!(o.status.code(), Some(2), "{system}: {}", text(&o));
        assert!(text(&o).contains("powers of tau"), "{system}: {}", text(&o));
        assert!(!out.exists());
    }
    // No stray temporary files either.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "truncated.r1cs")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // Powers outside what kiln generates are refused before anything is written.
    for power in ["0", "28"] {
        let p = dir.join("x.ptau");
        let o = kiln(&[
            "ptau".as_ref(),
            "new".as_ref(),
            "--power".as_ref(),
            power.as_ref(),
            p.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "power {power}: {}", text(&o));
        assert!(!p.exists());
    }
}
