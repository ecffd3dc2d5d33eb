//! `kiln demo`: the whole flow on a small circuit, with a timing table.
//!
//! The circuit is `CubicChain` (knowledge of x with f^rounds(x) = y, f(x) = x^3 + x + 5); the
//! derivatives-exchange batch circuit replaces it when the frontend lands.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{prepare_verifying_key, Groth16};
use ark_serialize::CanonicalSerialize;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_prover::examples::CubicChain;
use kiln_prover::{groth16_setup, synthesize, Groth16Prover};

use super::table::{self, ms};

fn timed<T>(stages: &mut Vec<(String, Duration)>, name: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    stages.push((name.to_string(), start.elapsed()));
    out
}

pub fn run(backend_name: Option<&str>, rounds: usize) -> anyhow::Result<ExitCode> {
    let mut rng = StdRng::from_entropy();
    let mut stages = Vec::new();
    let backend = timed(&mut stages, "open backend", || {
        super::open_backend(backend_name)
    })?;
    println!(
        "kiln demo: Groth16 on backend '{}' ({})",
        backend.name(),
        backend.device_info().name
    );

    let circuit = CubicChain {
        x: Fr::rand(&mut rng),
        rounds,
    };
    let y = circuit.output();
    let (r1cs, assignment) = timed(&mut stages, "synthesize circuit", || {
        synthesize(circuit.clone())
    })?;
    println!(
        "circuit: cubic chain of {rounds} rounds: {} constraints, {} variables, {} public input",
        r1cs.num_constraints(),
        r1cs.num_variables(),
        r1cs.num_instance_variables - 1
    );
    let pk = timed(
        &mut stages,
        "setup (ark-groth16, dev-only toxic waste)",
        || groth16_setup(circuit, &mut rng),
    )?;
    let vk = pk.vk.clone();
    let prover = timed(&mut stages, "load key onto backend", || {
        Groth16Prover::new(&*backend, pk)
    })?;

    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let (proof, prove_stages) = prover.prove_timed(&r1cs, &assignment, r, s)?;
    for (name, d) in &prove_stages.0 {
        stages.push((format!("  prove: {name}"), *d));
    }
    stages.push(("prove (total)".to_string(), prove_stages.total()));

    // An independent check: ark-groth16's verifier, with the public output computed natively.
    let verified = timed(&mut stages, "verify (ark-groth16)", || {
        Groth16::<Bn254>::verify_proof(&prepare_verifying_key(&vk), &proof, &[y])
    })?;
    if !verified {
        bail!("the proof did not verify");
    }

    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes)?;
    println!("public output y = {y}");
    println!(
        "proof ({} bytes, compressed): {}",
        bytes.len(),
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    println!("verified: yes");
    println!();
    let rows: Vec<Vec<String>> = stages
        .iter()
        .map(|(n, d)| vec![n.clone(), ms(*d)])
        .collect();
    table::print(&["stage", "time"], &rows);
    Ok(ExitCode::SUCCESS)
}
