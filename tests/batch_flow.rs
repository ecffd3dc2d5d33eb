//! A derivatives batch proven end to end with both systems, on every compiled-in backend: keys made from
//! the circuit's own .r1cs, Groth16 and PLONK proofs of the same witness, each verified and each
//! binding the engine's public input (and so the same new state root).

use kiln_circuits::model::Shape;
use kiln_circuits::prove::{prove_batch, BatchError, BatchKeys, Quiet, Systems};
use kiln_circuits::sample::demo_batch;
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::PointCheck;
use kiln_prover::api::{Proof, ProofSystem, ProvingKey};

fn backends() -> Vec<Box<dyn kiln_host::Backend>> {
    kiln::backends::compiled_in()
        .into_iter()
        .map(|name| kiln::backends::open(name).unwrap())
        .collect()
}

#[test]
fn groth16_and_plonk_prove_the_same_batch_and_agree() {
    let shape = Shape::TEST;
    // Shared with the CLI tests: keys for a shape are made once and reused while the circuit
    // is unchanged.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiln-batch-keys");
    let keys = BatchKeys::prepare(&BatchKeys::folder(&dir, &shape), &shape, None, &Quiet).unwrap();
    let mut rng = seeded_rng("batch flow");
    let (state, batch) = demo_batch(&shape, &mut rng);
    for backend in backends() {
        let proven =
            prove_batch(&*backend, &keys, &state, &batch, Systems::Both, &mut rng).unwrap();
        assert_eq!(proven.proofs.len(), 2);
        for p in &proven.proofs {
            assert_eq!(p.public, vec![proven.outcome.public], "{}", p.system);
            // Independently verified against the key's verification key.
            let key = ProvingKey::read_file(&keys.zkey(p.system), PointCheck::Full).unwrap();
            let ok = match (&p.proof, &key) {
                (Proof::Groth16(proof), ProvingKey::Groth16(k)) => {
                    kiln_prover::snarkjs_json::verify(&k.verifying_key(), &p.public, proof).unwrap()
                }
                (Proof::Plonk(proof), ProvingKey::Plonk(k)) => {
                    kiln_prover::plonk::verifier::verify(&k.vk, &p.public, proof)
                }
                _ => panic!("a proof of the wrong system"),
            };
            assert!(ok, "{} proof does not verify", p.system);
            // And a proof does not verify for another batch's public input.
            let other = vec![p.public[0] + ark_bn254::Fr::from(1u64)];
            let forged = match (&p.proof, &key) {
                (Proof::Groth16(proof), ProvingKey::Groth16(k)) => {
                    kiln_prover::snarkjs_json::verify(&k.verifying_key(), &other, proof).unwrap()
                }
                (Proof::Plonk(proof), ProvingKey::Plonk(k)) => {
                    kiln_prover::plonk::verifier::verify(&k.vk, &other, proof)
                }
                _ => unreachable!(),
            };
            assert!(
                !forged,
                "{} proof verifies for another public input",
                p.system
            );
        }
        assert_eq!(proven.proofs[0].system, ProofSystem::Groth16);
        assert_eq!(proven.proofs[1].system, ProofSystem::Plonk);
        println!(
            "{}: {} constraints, groth16 {:?}, plonk {:?}",
            backend.name(),
            proven.constraints,
            proven.proofs[0].prove,
            proven.proofs[1].prove
        );
    }

    // A batch the engine rejects is refused before any proving, with its reason.
    let mut bad = batch.clone();
    bad.market.timestamp = bad.time - 3600;
    let backend = kiln::cpu::CpuBackend::new();
    match prove_batch(&backend, &keys, &state, &bad, Systems::Both, &mut rng) {
        Err(BatchError::Rejected(r)) => assert!(r.to_string().contains("stale"), "{r}"),
        Err(e) => panic!("expected a rejection, got {e}"),
        Ok(_) => panic!("a stale batch was proven"),
    }
}
