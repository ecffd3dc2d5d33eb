//! On-chain settlement in the EVM (revm): the committed contracts are current, the Solidity
//! Poseidon is kiln's, kiln's verifiers agree with snarkjs's, and `KilnSettlement` settles
//! batches proven by `kiln batch prove` and refuses every bad one with its own reason.
//!
//! Needs the npm tools of `make setup` (solcjs, snarkjs) for the checks that compile or run
//! snarkjs; `KILN_SKIP_INTEROP=1` skips those (never in CI).

mod support;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, UniformRand};
use kiln::cpu::CpuBackend;
use kiln::settlement::chain::Chain;
use kiln::settlement::{
    self, calldata, poseidon_sol, word, BatchVerifyingKeys, Deployment, Settle, COMPILED, OPERATOR,
    SOURCES,
};
use kiln_circuits::arith::Arith;
use kiln_circuits::engine;
use kiln_circuits::json::{batch_to_json, read_input, state_to_json};
use kiln_circuits::model::{Batch, Shape, State, Trade};
use kiln_circuits::native::Native;
use kiln_circuits::prove::{prove_batch, BatchKeys, Quiet, Systems};
use kiln_circuits::sample;
use kiln_host::conformance::seeded_rng;
use kiln_prover::api::ProofSystem;
use revm::primitives::{keccak256, Address};
use serde_json::{json, Value};
use support::evm::{tampered_proofs, EvmVerifier, PlonkEvmVerifier};
use support::interop::{
    batch_example, batch_key_root, batch_prove, kiln, read_json, read_text, test_shape_args, text,
    write_json, Env,
};
use support::scratch::scratch;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn solcjs(env: &Env) -> PathBuf {
    env.node_bin.join("solcjs")
}

/// `contracts/PoseidonT5.sol` is the generator's output and `contracts/bin/` is solc's fresh
/// compile of `contracts/` with the committed settings. `KILN_UPDATE_CONTRACTS=1` (`make
/// contracts`) rewrites them instead.
#[test]
fn committed_contracts_are_current() {
    let Some(env) = Env::get("the committed contracts' freshness") else {
        return;
    };
    let update = std::env::var("KILN_UPDATE_CONTRACTS").as_deref() == Ok("1");
    let poseidon = poseidon_sol::generate();
    let poseidon_path = repo().join("contracts/PoseidonT5.sol");
    if update {
        std::fs::write(&poseidon_path, &poseidon).unwrap();
    } else {
        assert!(
            std::fs::read_to_string(&poseidon_path).unwrap() == poseidon,
            "contracts/PoseidonT5.sol is not the generator's output: run `make contracts`"
        );
    }
    // Compile what is on disk now (the generated file included).
    let texts: Vec<(&str, String)> = SOURCES
        .iter()
        .map(|(name, _)| {
            (
                *name,
                std::fs::read_to_string(repo().join("contracts").join(name)).unwrap(),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let compiled = support::solc::compile(&solcjs(&env), &refs).unwrap();
    for (_, name, _) in COMPILED {
        let fresh = revm::primitives::hex::encode(&compiled[name].creation);
        let path = repo().join(format!("contracts/bin/{name}.bin"));
        println!(
            "{name}: creation {} bytes, runtime {} bytes",
            compiled[name].creation.len(),
            compiled[name].runtime.len()
        );
        assert!(
            compiled[name].runtime.len() <= 24_576,
            "{name} is over the 24 KiB code size limit"
        );
        if update {
            std::fs::write(&path, fresh + "\n").unwrap();
        } else {
            assert_eq!(
                std::fs::read_to_string(&path).unwrap().trim(),
                fresh,
                "{} is not a fresh compile of contracts/: run `make contracts`",
                path.display()
            );
        }
    }
    if update {
        println!("KILN_UPDATE_CONTRACTS=1: rewrote contracts/PoseidonT5.sol and contracts/bin/");
    }
}

/// The Solidity Poseidon hashes as kiln's `poseidon::hash` (the one the circuit and engine use)
/// on seeded random inputs, edge values and inputs at the field's end.
#[test]
fn solidity_poseidon_matches_kilns() {
    let mut chain = Chain::new();
    let hasher = chain
        .deploy(OPERATOR, settlement::creation_code("PoseidonT5Hasher"))
        .unwrap();
    let mut rng = seeded_rng("solidity poseidon");
    let minus_one = -Fr::from(1u64);
    let mut cases: Vec<[Fr; 4]> = vec![
        [Fr::from(0u64); 4],
        [
            Fr::from(1u64),
            Fr::from(2u64),
            Fr::from(3u64),
            Fr::from(4u64),
        ],
        [minus_one; 4],
    ];
    cases.extend((0..24).map(|_| std::array::from_fn(|_| Fr::rand(&mut rng))));
    let mut words_cases: Vec<Vec<[u8; 32]>> =
        cases.iter().map(|c| c.iter().map(word).collect()).collect();
    // Words at and above R are reduced, as the circuit's field elements are: 2^256 - 1 is
    // (2^256 - 1) mod R, and R + 5 is 5.
    let r_plus_5 = revm::primitives::U256::from_str_radix(&Fr::MODULUS.to_string(), 10).unwrap()
        + revm::primitives::U256::from(5u64);
    words_cases.push(vec![
        [0xff; 32],
        r_plus_5.to_be_bytes(),
        [0xff; 32],
        [0; 32],
    ]);
    let mut gas = 0;
    for words in &words_cases {
        let mut native = Native;
        let inputs: Vec<Fr> = words
            .iter()
            .map(|w| Fr::from_be_bytes_mod_order(w))
            .collect();
        let vals: Vec<_> = inputs.iter().map(|x| native.constant(*x)).collect();
        let expected = kiln_circuits::poseidon::hash(&mut native, &vals);
        let r = chain
            .call(hasher, calldata("hash(uint256[4])", words))
            .unwrap();
        assert_eq!(
            Fr::from_be_bytes_mod_order(&r.output),
            native.value(&expected),
            "Poseidon({inputs:?})"
        );
        gas = r.gas;
    }
    println!("PoseidonT5Hasher.hash: {gas} gas per call (transaction total)");
}

/// One batch as `kiln batch prove` wrote it.
struct Proven {
    batch: Batch,
    old_root: Fr,
    new_root: Fr,
    calldata: Vec<u8>,
    out: PathBuf,
}

fn fr(v: &Value) -> Fr {
    Fr::from_str(v.as_str().expect("a decimal string")).expect("a field element")
}

/// Proves `batch` on `state` with `kiln batch prove` and reads what it wrote.
fn prove_with_cli(dir: &Path, k: usize, state: &State, batch: &Batch) -> Proven {
    let input = dir.join(format!("batch{k}.json"));
    write_json(
        &input,
        &json!({ "state": state_to_json(state), "batch": batch_to_json(batch) }),
    );
    let out = dir.join(format!("proof{k}"));
    let o = batch_prove(&input, &out, &["--backend", "cpu"]);
    assert!(o.status.success(), "batch {k}: {}", text(&o));
    let roots = read_json(&out.join("roots.json"));
    assert_eq!(roots["batch_id"], json!(batch.id));
    let hex = read_text(&out.join("settle_calldata.hex"));
    Proven {
        batch: batch.clone(),
        old_root: fr(&roots["old_root"]),
        new_root: fr(&roots["new_root"]),
        calldata: revm::primitives::hex::decode(hex.trim()).expect("hex calldata"),
        out,
    }
}

/// The batch after `prev` on `state`: the next id, a minute later, and `prev`'s trades reversed
/// (seller buys back) or repeated, each kept where the engine accepts it.
fn next_batch(shape: &Shape, state: &State, prev: &Batch) -> Batch {
    let time = prev.time + 60;
    let mut b = Batch {
        id: prev.id + 1,
        time,
        market: sample::market(shape, time),
        trades: Vec::new(),
        liquidations: Vec::new(),
    };
    for t in &prev.trades {
        let reversed = Trade {
            buyer: t.seller,
            buyer_slot: t.seller_slot,
            seller: t.buyer,
            seller_slot: t.buyer_slot,
            ..*t
        };
        for candidate in [reversed, *t] {
            b.trades.push(candidate);
            if engine::apply(shape, state, &b).is_ok() {
                break;
            }
            b.trades.pop();
        }
    }
    b
}

/// calldata word `i` (after the selector).
fn word_at(data: &[u8], i: usize) -> [u8; 32] {
    data[4 + 32 * i..4 + 32 * (i + 1)].try_into().unwrap()
}

fn set_word(data: &mut [u8], i: usize, w: [u8; 32]) {
    data[4 + 32 * i..4 + 32 * (i + 1)].copy_from_slice(&w);
}

/// `settle` calldata words: 0 old root, 1 new root, 2 batch id, 3 prices hash, 4..12 the
/// Groth16 proof, 12..36 the PLONK proof.
const GROTH16_A: usize = 4;
const PLONK_EVAL_A: usize = 12 + 18;

/// Groth16's A moved to A + G: a valid point, a wrong proof.
fn tamper_groth16(data: &[u8]) -> Vec<u8> {
    let x = Fq::from_be_bytes_mod_order(&word_at(data, GROTH16_A));
    let y = Fq::from_be_bytes_mod_order(&word_at(data, GROTH16_A + 1));
    let a = (G1Affine::new(x, y) + G1Affine::generator()).into_affine();
    let (x, y) = a.xy().unwrap();
    let mut d = data.to_vec();
    set_word(&mut d, GROTH16_A, word(&x));
    set_word(&mut d, GROTH16_A + 1, word(&y));
    d
}

/// PLONK's evaluation of a at xi plus one.
fn tamper_plonk(data: &[u8]) -> Vec<u8> {
    let e = Fr::from_be_bytes_mod_order(&word_at(data, PLONK_EVAL_A)) + Fr::from(1u64);
    let mut d = data.to_vec();
    set_word(&mut d, PLONK_EVAL_A, word(&e));
    d
}

/// Sends `data`, expects the revert `reason`, and checks nothing changed.
fn refused(
    chain: &mut Chain,
    dep: &Deployment,
    from: Address,
    data: Vec<u8>,
    reason: &str,
    what: &str,
) {
    let (root, next) = (
        dep.state_root(chain).unwrap(),
        dep.next_batch_id(chain).unwrap(),
    );
    match chain.send(from, dep.settlement, data) {
        Ok(_) => panic!("{what}: settled, expected {reason}"),
        Err(e) => {
            assert_eq!(settlement::revert_name(&e), Some(reason), "{what}: {e}");
            println!("refused as expected ({what}): {e}");
        }
    }
    assert_eq!(
        dep.state_root(chain).unwrap(),
        root,
        "{what}: the root moved"
    );
    assert_eq!(
        dep.next_batch_id(chain).unwrap(),
        next,
        "{what}: the batch id moved"
    );
}

/// Settles `p` from `from` and checks the stored root, the next id and the event.
fn settles(chain: &mut Chain, dep: &Deployment, from: Address, p: &Proven) -> u64 {
    let r = chain
        .send(from, dep.settlement, p.calldata.clone())
        .unwrap_or_else(|e| panic!("batch {}: {e}", p.batch.id));
    assert_eq!(
        dep.state_root(chain).unwrap(),
        p.new_root,
        "batch {}",
        p.batch.id
    );
    assert_eq!(dep.next_batch_id(chain).unwrap(), p.batch.id + 1);
    let topic = keccak256("BatchSettled(uint64,uint256,uint256,uint256)".as_bytes()).0;
    assert_eq!(r.logs.len(), 1);
    let (topics, data) = &r.logs[0];
    assert_eq!(topics[0], topic);
    assert_eq!(topics[1][24..], p.batch.id.to_be_bytes());
    assert_eq!(data[..32], word(&p.old_root));
    assert_eq!(data[32..64], word(&p.new_root));
    assert_eq!(data[64..96], word_at(&p.calldata, 3));
    r.gas
}

/// Three consecutive batches proven by `kiln batch prove` settle in order, each stored root
/// being kiln's new root; a gap, a replay (by a third party too), proofs from another old root,
/// an invalid proof of either system, proofs of two different batches and a root outside the
/// field are each refused with their own reason and change nothing.
#[test]
fn three_batches_from_kiln_batch_prove_settle_and_every_bad_one_is_refused() {
    let shape = Shape::TEST;
    let dir = scratch("settlement-three");
    let first: Value = read_json(&batch_example(&dir, "0x5e771e"));
    let (genesis, batch1) = read_input(&first, &shape).unwrap();
    let mut proven: Vec<Proven> = Vec::new();
    let (mut state, mut batch) = (genesis.clone(), batch1);
    for k in 0..3 {
        let p = prove_with_cli(&dir, k, &state, &batch);
        let next_state = engine::apply(&shape, &state, &batch).unwrap().new_state;
        assert_eq!(
            read_json(&p.out.join("new_state.json")),
            state_to_json(&next_state)
        );
        println!(
            "batch {}: {} trades, root {} -> {}",
            batch.id,
            batch.trades.len(),
            p.old_root,
            p.new_root
        );
        proven.push(p);
        batch = next_batch(&shape, &next_state, &batch);
        state = next_state;
    }
    assert_ne!(
        proven[1].old_root, proven[1].new_root,
        "batch 2 changes nothing"
    );

    let vk_json = |s: &str| read_json(&proven[0].out.join(format!("{s}_verification_key.json")));
    let keys = BatchVerifyingKeys {
        groth16: kiln_prover::snarkjs_json::verifying_key_from_json(&vk_json("groth16")).unwrap(),
        plonk: kiln_prover::plonk::json::verifying_key_from_json(&vk_json("plonk")).unwrap(),
    };
    let mut chain = Chain::new();
    let dep =
        Deployment::deploy(&mut chain, &keys, proven[0].old_root, proven[0].batch.id).unwrap();
    let anyone = Address::repeat_byte(0x3d);
    let (b1, b2, b3) = (&proven[0], &proven[1], &proven[2]);

    refused(
        &mut chain,
        &dep,
        OPERATOR,
        b2.calldata.clone(),
        "BatchOutOfOrder",
        "a gap: batch 2 first",
    );
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        tamper_groth16(&b1.calldata),
        "InvalidGroth16Proof",
        "Groth16 A + G",
    );
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        tamper_plonk(&b1.calldata),
        "InvalidPlonkProof",
        "PLONK eval_a + 1",
    );
    // The two proofs disagree: batch 1's Groth16 proof with batch 2's PLONK proof.
    let mut mixed = b1.calldata.clone();
    mixed[4 + 32 * 12..].copy_from_slice(&b2.calldata[4 + 32 * 12..]);
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        mixed,
        "InvalidPlonkProof",
        "PLONK proof of another batch",
    );
    let mut outside = b1.calldata.clone();
    let r_plus = revm::primitives::U256::from_be_bytes(word(&b1.new_root))
        + revm::primitives::U256::from_str_radix(&Fr::MODULUS.to_string(), 10).unwrap();
    set_word(&mut outside, 1, r_plus.to_be_bytes());
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        outside,
        "NotAFieldElement",
        "new root + R",
    );

    let gas1 = settles(&mut chain, &dep, OPERATOR, b1);
    refused(
        &mut chain,
        &dep,
        anyone,
        b1.calldata.clone(),
        "BatchAlreadySettled",
        "a third party replays batch 1",
    );
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        b3.calldata.clone(),
        "BatchOutOfOrder",
        "a gap: batch 3 before 2",
    );

    // Proofs of the next batch id made from another old root: the empty exchange's.
    let folder = BatchKeys::folder(&batch_key_root(), &shape);
    let batch_keys = BatchKeys::prepare(&folder, &shape, None, &Quiet).unwrap();
    let (empty, mut quiet) = sample::quiet_batch(&shape);
    quiet.id = b2.batch.id;
    let mut rng = seeded_rng("settlement other root");
    let other = prove_batch(
        &CpuBackend::new(),
        &batch_keys,
        &empty,
        &quiet,
        Systems::Both,
        &mut rng,
    )
    .unwrap();
    assert_ne!(other.outcome.old_root, b1.new_root);
    let stale = Settle::of(quiet.id, &other).unwrap().calldata();
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        stale.clone(),
        "StaleOldRoot",
        "proofs from another old root",
    );
    // Claiming the stored root instead does not help: the proofs bind their own.
    let mut lying = stale;
    set_word(&mut lying, 0, word(&b1.new_root));
    refused(
        &mut chain,
        &dep,
        OPERATOR,
        lying,
        "InvalidGroth16Proof",
        "another old root, claimed as the stored one",
    );

    // Anyone may settle: a third party submits batch 2; then batch 3.
    let gas2 = settles(&mut chain, &dep, anyone, b2);
    let gas3 = settles(&mut chain, &dep, OPERATOR, b3);
    assert_eq!(dep.state_root(&mut chain).unwrap(), b3.new_root);
    for p in [b1, b2, b3] {
        refused(
            &mut chain,
            &dep,
            anyone,
            p.calldata.clone(),
            "BatchAlreadySettled",
            "a settled batch resubmitted",
        );
    }
    println!("settle gas (transaction total): batch 1 {gas1}, batch 2 {gas2}, batch 3 {gas3}");
}

const GROTH16_VERIFY: &str = "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1])";
const PLONK_VERIFY: &str = "verifyProof(uint256[24],uint256[1])";

/// A `view returns (bool)` call's answer.
fn verdict(chain: &mut Chain, to: Address, data: Vec<u8>) -> (bool, u64) {
    let r = chain.call(to, data).unwrap();
    assert_eq!(r.output.len(), 32, "not a bool");
    (r.output[31] == 1, r.gas)
}

/// kiln's Groth16 and PLONK verifier contracts and snarkjs's (exported by `snarkjs zkey export
/// solidityverifier` from the same batch keys) give the same verdict on a batch's proofs and on
/// every single-element tampering of them; `BatchVerifiers.sol` (the keys written into the
/// source) deploys to the same runtime code as kiln's deployment with the keys as arguments.
#[test]
fn kilns_verifiers_agree_with_snarkjss_on_valid_and_tampered_batch_proofs() {
    let Some(env) = Env::get("the verifier equivalence with snarkjs") else {
        return;
    };
    let shape = Shape::TEST;
    let keys = BatchKeys::prepare(
        &BatchKeys::folder(&batch_key_root(), &shape),
        &shape,
        None,
        &Quiet,
    )
    .unwrap();
    let mut rng = seeded_rng("settlement verifier equivalence");
    let (state, batch) = sample::demo_batch(&shape, &mut rng);
    let proven = prove_batch(
        &CpuBackend::new(),
        &keys,
        &state,
        &batch,
        Systems::Both,
        &mut rng,
    )
    .unwrap();
    let settle = Settle::of(batch.id, &proven).unwrap();
    let public = proven.outcome.public;
    let vks = BatchVerifyingKeys::read(&keys).unwrap();

    // snarkjs's verifiers of the same keys.
    let dir = scratch("settlement-snarkjs-verifiers");
    let export = |system: ProofSystem, file: &str| {
        let path = dir.join(file);
        let o = env.snarkjs(&[
            "zkey".to_string(),
            "export".into(),
            "solidityverifier".into(),
            keys.zkey(system).display().to_string(),
            path.display().to_string(),
        ]);
        assert!(o.status.success(), "snarkjs export: {}", text(&o));
        path
    };
    let mut snark_g =
        EvmVerifier::deploy(&export(ProofSystem::Groth16, "g.sol"), &solcjs(&env)).unwrap();
    let mut snark_p =
        PlonkEvmVerifier::compile_and_deploy(&export(ProofSystem::Plonk, "p.sol"), &solcjs(&env))
            .unwrap();

    // kiln's, from the committed code with the keys appended.
    let mut chain = Chain::new();
    let kiln_g = chain
        .deploy(
            OPERATOR,
            settlement::verifier_creation_code(
                "KilnGroth16Verifier",
                &settlement::groth16_key_words(&vks.groth16).unwrap(),
            ),
        )
        .unwrap();
    let kiln_p = chain
        .deploy(
            OPERATOR,
            settlement::verifier_creation_code(
                "KilnPlonkVerifier",
                &settlement::plonk_key_words(&vks.plonk).unwrap(),
            ),
        )
        .unwrap();

    // Groth16: the proof, each element moved, and another public input.
    let g = &settle.groth16;
    let bump = |p: &G1Affine| (*p + G1Affine::generator()).into_affine();
    let mut groth16_cases = vec![("valid", g.clone(), public)];
    let mut t = g.clone();
    t.a = bump(&t.a);
    groth16_cases.push(("A + G", t, public));
    let mut t = g.clone();
    t.c = bump(&t.c);
    groth16_cases.push(("C + G", t, public));
    let mut t = g.clone();
    t.b = (t.b + ark_bn254::G2Affine::generator()).into_affine();
    groth16_cases.push(("B + G2", t, public));
    groth16_cases.push(("public + 1", g.clone(), public + Fr::from(1u64)));
    let mut gas = (0, 0);
    for (what, proof, input) in &groth16_cases {
        let mut words = settlement::groth16_proof_words(proof).to_vec();
        words.push(word(input));
        let (ours, ours_gas) = verdict(&mut chain, kiln_g, calldata(GROTH16_VERIFY, &words));
        let theirs = snark_g
            .verify(
                &kiln_prover::snarkjs_json::proof_to_json(proof),
                &kiln_prover::snarkjs_json::public_to_json(&[*input]),
            )
            .unwrap();
        assert_eq!(
            ours, theirs,
            "Groth16 {what}: kiln {ours}, snarkjs {theirs}"
        );
        assert_eq!(ours, *what == "valid", "Groth16 {what}");
        if *what == "valid" {
            gas = (ours_gas, snark_g.last_gas_used);
        }
    }
    println!(
        "Groth16 verifyProof (transaction total): kiln {} gas, snarkjs {} gas",
        gas.0, gas.1
    );

    // PLONK: the proof, each commitment moved, each evaluation plus one, another input.
    let p = &settle.plonk;
    let mut plonk_cases = vec![("valid".to_string(), p.clone(), public)];
    for (what, t) in tampered_proofs(p) {
        plonk_cases.push((format!("{what} moved"), t, public));
    }
    plonk_cases.push(("public + 1".into(), p.clone(), public + Fr::from(1u64)));
    for (what, proof, input) in &plonk_cases {
        let mut words = settlement::plonk_proof_words(proof).to_vec();
        words.push(word(input));
        let (ours, ours_gas) = verdict(&mut chain, kiln_p, calldata(PLONK_VERIFY, &words));
        let theirs = snark_p.verify(proof, &[*input]).unwrap();
        assert_eq!(ours, theirs, "PLONK {what}: kiln {ours}, snarkjs {theirs}");
        assert_eq!(ours, what == "valid", "PLONK {what}");
        if what == "valid" {
            gas = (ours_gas, snark_p.last_gas_used);
        }
    }
    println!(
        "PLONK verifyProof (transaction total): kiln {} gas, snarkjs {} gas",
        gas.0, gas.1
    );

    // BatchVerifiers.sol, compiled and deployed, is the same code as kiln's deployment.
    let shape_sol = settlement::shape_source("test", &vks).unwrap();
    let mut sources: Vec<(&str, &str)> = SOURCES.to_vec();
    sources.push(("BatchVerifiers.sol", &shape_sol));
    let compiled = support::solc::compile(&solcjs(&env), &sources).unwrap();
    for (name, ours) in [
        ("BatchGroth16Verifier", kiln_g),
        ("BatchPlonkVerifier", kiln_p),
    ] {
        let addr = chain
            .deploy(OPERATOR, compiled[name].creation.clone())
            .unwrap();
        assert!(!chain.code(addr).is_empty());
        assert_eq!(
            chain.code(addr),
            chain.code(ours),
            "{name}'s runtime differs from kiln's deployment"
        );
    }
}

/// `kiln batch contract` writes the sources and ready-to-deploy creation code of the test
/// shape; its verifiers deploy to the code kiln's own deployment has. A truncated key is an
/// error naming the file (exit 2), not a panic.
#[test]
fn kiln_batch_contract_writes_deployable_contracts_and_refuses_a_broken_key() {
    let shape = Shape::TEST;
    let dir = scratch("settlement-contract-cli");
    let out = dir.join("contracts");
    let mut args: Vec<String> = vec!["batch".into(), "contract".into(), "--keys".into()];
    args.push(batch_key_root().display().to_string());
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(test_shape_args());
    let o = kiln(&args);
    assert!(o.status.success(), "{}", text(&o));
    for (name, text) in SOURCES {
        assert_eq!(read_text(&out.join(name)), text, "{name}");
    }
    assert!(read_text(&out.join("BatchVerifiers.sol")).contains("contract BatchPlonkVerifier"));
    let manifest = read_json(&out.join("deployment.json"));
    assert_eq!(manifest["settle"], json!(settlement::SETTLE));

    let folder = BatchKeys::folder(&batch_key_root(), &shape);
    let keys = BatchKeys::prepare(&folder, &shape, None, &Quiet).unwrap();
    let vks = BatchVerifyingKeys::read(&keys).unwrap();
    let mut chain = Chain::new();
    let dep = Deployment::deploy(&mut chain, &vks, Fr::from(7u64), 1).unwrap();
    let bin = |f: &str| revm::primitives::hex::decode(read_text(&out.join(f)).trim()).unwrap();
    for (file, ours) in [
        ("groth16_verifier.bin", dep.groth16),
        ("plonk_verifier.bin", dep.plonk),
    ] {
        let addr = chain.deploy(OPERATOR, bin(file)).unwrap();
        assert_eq!(chain.code(addr), chain.code(ours), "{file}");
    }
    assert_eq!(
        bin("settlement.bin"),
        settlement::creation_code("KilnSettlement")
    );

    // A key folder whose Groth16 key is cut short.
    let broken_root = dir.join("broken");
    let broken = BatchKeys::folder(&broken_root, &shape);
    std::fs::create_dir_all(&broken).unwrap();
    for f in std::fs::read_dir(&folder).unwrap() {
        let f = f.unwrap().path();
        let name = f.file_name().unwrap().to_owned();
        if name == "groth16.zkey" {
            let bytes = std::fs::read(&f).unwrap();
            std::fs::write(broken.join(&name), &bytes[..bytes.len() / 2]).unwrap();
        } else if f.is_file() {
            std::fs::copy(&f, broken.join(&name)).unwrap();
        }
    }
    args[3] = broken_root.display().to_string();
    let o = kiln(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("groth16.zkey"), "{}", text(&o));
}
