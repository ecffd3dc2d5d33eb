//! The fault campaign (`make fault-campaign`): Groth16 and PLONK proofs on the arkworks and cpu
//! backends, each wrapped in a faulty backend that flips bits in MSM and NTT outputs, loses the
//! device in the middle of a proof and refuses uploads for lack of memory
//! (`kiln_prover::fault_campaign`). Exits 1 unless every returned proof verifies and every
//! failure was recovered on the reference or reported as the device fault it was.
//!
//!   cargo run --example fault_campaign -- [PROOFS per system and backend, default 1000]
//!
//! The seed is printed; KILN_SEED replays a run.

use std::process::ExitCode;
use std::time::Instant;

use kiln::cpu::CpuBackend;
use kiln::host::conformance::fresh_seed;
use kiln::host::ArkworksBackend;
use kiln::prover::api::ProofSystem;
use kiln::prover::fault_campaign::{run, CampaignCircuit, DEFAULT_RATES};
use kiln::Backend;

fn main() -> ExitCode {
    let proofs: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 1000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("fault_campaign: PROOFS must be a number ({e})");
            return ExitCode::from(2);
        }
    };
    let seed = fresh_seed();
    println!(
        "fault campaign: seed {seed:#x} (replay with KILN_SEED={seed:#x}), rates {DEFAULT_RATES:?}"
    );
    // The cubic chain of 8 rounds: 17 constraints, Groth16 domain 2^5, PLONK domain 2^5.
    let circuit = CampaignCircuit::new(8).expect("the campaign circuit sets up");
    let mut all_passed = true;
    for system in [ProofSystem::Groth16, ProofSystem::Plonk] {
        // The cpu backend gets other fault sequences than arkworks, which it equals bit for bit:
        // the same seed would replay the same outcomes.
        all_passed &= campaign(
            &circuit,
            system,
            "arkworks",
            &ArkworksBackend::new,
            proofs,
            seed,
        );
        all_passed &= campaign(&circuit, system, "cpu", &CpuBackend::new, proofs, !seed);
    }
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs and prints one campaign; whether it passed.
fn campaign<B: Backend>(
    circuit: &CampaignCircuit,
    system: ProofSystem,
    backend: &str,
    make_backend: &dyn Fn() -> B,
    proofs: usize,
    seed: u64,
) -> bool {
    let start = Instant::now();
    let report = run(circuit, system, make_backend, DEFAULT_RATES, proofs, seed);
    let verdict = if report.passed() { "PASSED" } else { "FAILED" };
    println!(
        "{system} on faulty({backend}), {:.1} s: {verdict}\n{report}",
        start.elapsed().as_secs_f64()
    );
    report.passed()
}
