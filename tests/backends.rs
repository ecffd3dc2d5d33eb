//! Every backend compiled into this build, through the same checks: the conformance suite, and
//! Groth16 proofs byte-identical to ark-groth16's for the same r and s. New backends are covered
//! by being compiled in.

use kiln::backends;
use kiln_host::conformance::{fresh_seed, run_selftest, seeded_rng, SelftestConfig};
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};

#[test]
fn every_compiled_in_backend_passes_the_conformance_suite() {
    let seed = fresh_seed();
    for name in backends::compiled_in() {
        println!("{name}: seed {seed:#x} (replay with KILN_SEED={seed:#x})");
        let backend = backends::open(name).unwrap();
        let outcomes =
            run_selftest(&*backend, SelftestConfig { log_size: 7, seed }, |_| {}).unwrap();
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
        assert!(failed.is_empty(), "{name}: {failed:#?}");
    }
}

#[test]
fn every_compiled_in_backend_proves_byte_identically_to_ark_groth16() {
    let mut rng = seeded_rng("groth16 on every backend");
    for name in backends::compiled_in() {
        let backend = backends::open(name).unwrap();
        let circuits = [Groth16Circuit::CubicChain { rounds: 300 }];
        match groth16_byte_identity(&*backend, &mut rng, &circuits, 1) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn open_best_finds_a_backend_and_names_are_unique() {
    let best = backends::open_best();
    assert!(backends::compiled_in().contains(&best.name()));
    let mut names: Vec<_> = backends::KNOWN.iter().map(|b| b.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), backends::KNOWN.len());
}
