//! On-chain settlement in the EVM (revm): the committed contracts are current, the Solidity
//! Poseidon is kiln's, kiln's verifiers agree with snarkjs's, and `KilnSettlement` settles
//! batches proven by `kiln batch prove` and refuses every bad one with its own reason.
//!
//! Needs the npm tools of `make setup` (solcjs, snarkjs) for the checks that compile or run
//! snarkjs; `KILN_SKIP_INTEROP=1` skips those (never in CI).

mod support;

use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ff::{PrimeField, UniformRand};
use kiln::settlement::chain::Chain;
use kiln::settlement::{self, calldata, poseidon_sol, word, COMPILED, OPERATOR, SOURCES};
use kiln_circuits::arith::Arith;
use kiln_circuits::native::Native;
use kiln_host::conformance::seeded_rng;
use support::interop::Env;

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
    let mut gas = 0;
    for inputs in &cases {
        let mut native = Native;
        let vals: Vec<_> = inputs.iter().map(|x| native.constant(*x)).collect();
        let expected = kiln_circuits::poseidon::hash(&mut native, &vals);
        let words: Vec<_> = inputs.iter().map(word).collect();
        let r = chain
            .call(hasher, calldata("hash(uint256[4])", &words))
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
