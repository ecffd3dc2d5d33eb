//! The fault campaign on the arkworks backend, 1,000 Groth16 and 1,000 PLONK proofs of a small
//! circuit (`make fault-campaign` runs it on the cpu backend too): with faults injected into
//! about half the proofs, every returned proof verifies and every failure is recovered on the
//! reference or reported as the device fault it is.

use ark_std::rand::Rng;
use kiln_host::conformance::seeded_rng;
use kiln_host::faulty::FaultRates;
use kiln_host::ArkworksBackend;
use kiln_prover::api::ProofSystem;
use kiln_prover::fault_campaign::{run, CampaignCircuit, DEFAULT_RATES};

fn campaign(system: ProofSystem, rates: FaultRates, proofs: usize) {
    let circuit = CampaignCircuit::new(4).expect("the campaign circuit sets up");
    let seed: u64 = seeded_rng(&format!("fault campaign {system}")).gen();
    let report = run(&circuit, system, &ArkworksBackend::new, rates, proofs, seed);
    println!("{system}:\n{report}");
    assert!(report.passed(), "{system}: {report}");
    // Some faults must have struck a proof (recovered on the reference or reported: an
    // out-of-memory upload is usually reported, so a short campaign of that kind alone may
    // recover none).
    assert!(
        report.recovered + report.reported > 0 && report.injected.total() > 0,
        "{system}: the rates injected too little to test anything: {report}"
    );
}

#[test]
fn groth16_proofs_survive_injected_faults() {
    campaign(ProofSystem::Groth16, DEFAULT_RATES, 1000);
}

#[test]
fn plonk_proofs_survive_injected_faults() {
    campaign(ProofSystem::Plonk, DEFAULT_RATES, 1000);
}

/// Each kind of fault alone, at a rate that makes it happen in most proofs.
#[test]
fn each_kind_of_fault_is_recovered_or_reported() {
    let only = |f: fn(&mut FaultRates)| {
        let mut r = FaultRates::default();
        f(&mut r);
        r
    };
    for (what, rates) in [
        ("msm bit flips", only(|r| r.msm_bit_flip = 0.3)),
        ("ntt bit flips", only(|r| r.ntt_bit_flip = 0.2)),
        ("device lost", only(|r| r.device_lost = 0.05)),
        ("out of memory", only(|r| r.upload_out_of_memory = 0.1)),
    ] {
        for system in [ProofSystem::Groth16, ProofSystem::Plonk] {
            println!("{what}:");
            campaign(system, rates, 12);
        }
    }
}
