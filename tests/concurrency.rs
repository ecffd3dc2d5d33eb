//! One loaded `Prover` shared by 8 threads, each proving its own witnesses at the same time, on
//! the cpu backend (the one a machine without an accelerator gets): every proof verifies, each
//! with its own public signal, and memory stays bounded (resident memory after the first round
//! of proofs does not grow with the rounds that follow). Also checks, at compile time, the
//! `Send`/`Sync` promises ARCHITECTURE.md makes ("Threads").

use ark_bn254::Fr;
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};
use kiln::cpu::CpuBackend;
use kiln::host::conformance::seeded_rng;
use kiln::host::{ArkworksBackend, DeviceBuffer, Scalars};
use kiln::prover::api::{Proof, ProofSystem, Prover, ProvingKey};
use kiln::prover::fault_campaign::CampaignCircuit;

const THREADS: usize = 8;
const ROUNDS: usize = 4;

fn send_sync<T: Send + Sync>() {}

#[test]
fn the_shared_types_are_send_and_sync() {
    send_sync::<Prover<'static>>();
    send_sync::<ProvingKey>();
    send_sync::<Proof>();
    send_sync::<CpuBackend>();
    send_sync::<ArkworksBackend>();
    send_sync::<Scalars>();
    send_sync::<DeviceBuffer<ark_bn254::G2Affine>>();
    send_sync::<Box<dyn kiln::Backend>>();
}

/// Resident memory of this process in MiB (Linux), `None` elsewhere.
fn resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn shared_prover(system: ProofSystem) {
    // 2,001 constraints (domains of 2^12): each proof works through megabytes, so a proof that
    // left its buffers behind would add tens of MiB a round.
    let circuit = CampaignCircuit::new(1000).expect("the circuit sets up");
    let key = match system {
        ProofSystem::Groth16 => circuit.groth16.clone(),
        ProofSystem::Plonk => circuit.plonk.clone(),
    };
    let backend = CpuBackend::new();
    let prover = Prover::new(&backend, key.clone()).expect("the key loads");
    let base_seed: u64 = seeded_rng(&format!("shared prover {system}")).gen();
    let mut resident_after_round = Vec::new();
    for round in 0..ROUNDS {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let (prover, circuit, key) = (&prover, &circuit, &key);
                    s.spawn(move || {
                        let seed = base_seed ^ (round * THREADS + thread) as u64;
                        let x = Fr::from(seed);
                        let witness = circuit.witness(x);
                        let (proof, public, _) = prover
                            .prove(&witness, &mut StdRng::seed_from_u64(seed))
                            .unwrap_or_else(|e| panic!("thread {thread}, round {round}: {e}"));
                        assert_eq!(public, witness[1..=1], "thread {thread}: public signal");
                        assert!(
                            key.verifies(&public, &proof),
                            "thread {thread}, round {round}: the proof does not verify"
                        );
                    })
                })
                .collect();
            for h in handles {
                h.join().expect("a proving thread panicked");
            }
        });
        resident_after_round.extend(resident_mib());
    }
    println!(
        "{system}: resident MiB after each round of {THREADS} proofs: {resident_after_round:.1?}"
    );
    if let (Some(first), Some(last)) = (resident_after_round.first(), resident_after_round.last()) {
        // After the first round the allocator's per-thread arenas and the rayon pool exist;
        // what the later rounds add must not grow with the proofs made (each round makes 8).
        let allowed = 64.0_f64.max(0.25 * first);
        assert!(
            last - first <= allowed,
            "{system}: resident memory grew from {first:.1} MiB to {last:.1} MiB over {} rounds",
            ROUNDS - 1
        );
    }
}

#[test]
fn eight_threads_share_one_groth16_prover() {
    shared_prover(ProofSystem::Groth16);
}

#[test]
fn eight_threads_share_one_plonk_prover() {
    shared_prover(ProofSystem::Plonk);
}
