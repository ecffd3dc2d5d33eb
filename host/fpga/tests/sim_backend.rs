//! The `fpga-sim` backend (the Verilator model of the card behind the seam) against the
//! arkworks reference: the conformance suite, the MSM engine's hazard path (many points into
//! one bucket, duplicated bases, infinity), NTTs larger than the card's on-chip memory, memory
//! back-pressure, and Groth16 proofs byte-identical to ark-groth16's.
//!
//! `make test` also runs `kiln selftest --backend fpga-sim` at 2^8 .. 2^12. Needs `make sim`;
//! without the model these tests fail saying so, unless KILN_SKIP_SIM=1.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use ark_std::rand::Rng;
use kiln_ffi::sim::{SimConfig, SimTransport};
use kiln_ffi::{Card, CardMemory, TransportError};
use kiln_fpga as fpga;
use kiln_fpga::msm as msm_fpga;
use kiln_host::conformance::{fresh_seed, reference_ntt, run_selftest, seeded_rng, SelftestConfig};
use kiln_host::{Backend, NttOp};
use kiln_msm::signed_digits;
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};

fn skip(e: &TransportError) -> bool {
    if matches!(e, TransportError::ModelNotBuilt { .. })
        && std::env::var_os("KILN_SKIP_SIM").is_some()
    {
        println!("skipped: {e}");
        return true;
    }
    false
}

fn sim_card(config: SimConfig) -> Option<Card> {
    match SimTransport::open(config) {
        Ok(t) => Some(Card::open(Box::new(t)).unwrap()),
        Err(e) if skip(&e) => None,
        Err(e) => panic!("{e}"),
    }
}

fn backend(config: SimConfig) -> Option<fpga::FpgaBackend> {
    Some(fpga::FpgaBackend::new(
        fpga::SIM_NAME,
        sim_card(config)?,
        true,
    ))
}

#[test]
fn the_simulated_card_passes_the_conformance_suite() {
    let Some(b) = backend(SimConfig::default()) else {
        return;
    };
    let seed = fresh_seed();
    println!("seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    let outcomes = run_selftest(&b, SelftestConfig { log_size: 7, seed }, |_| {}).unwrap();
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let figures = fpga::card_figures(&b).unwrap();
    assert!(figures.cycles > 0 && figures.runs > 0, "{figures:?}");
    assert_eq!(figures.clock_mhz, 250);
}

/// Runs the card's MSM directly (not through the seam) to see its pair and stall counters;
/// `window` forces a window width.
fn card_msm(
    card: &mut Card,
    bases: &[G1Affine],
    scalars: &[Fr],
    window: Option<u32>,
) -> (G1Projective, msm_fpga::MsmStats) {
    let mut memory = CardMemory::new(card.info().dram_bytes);
    let region = memory.alloc(bases.len() as u64 * 64).unwrap();
    card.write_mem(region.addr, &kiln_host::layout::points_to_bytes(bases))
        .unwrap();
    match window {
        Some(c) => msm_fpga::msm_g1_window(card, &mut memory, region, scalars, c).unwrap(),
        None => msm_fpga::msm_g1(card, &mut memory, region, scalars).unwrap(),
    }
}

/// The pairs the engine must issue: one per non-zero digit of every finite base.
fn expected_pairs(bases: &[G1Affine], scalars: &[Fr], c: u32) -> u64 {
    bases
        .iter()
        .zip(scalars)
        .filter(|(b, _)| !b.is_zero())
        .map(|(_, s)| {
            signed_digits(s, c)
                .iter()
                .filter(|d| d.magnitude() != 0)
                .count() as u64
        })
        .sum()
}

#[test]
fn many_points_into_one_bucket_stall_and_still_sum_correctly() {
    let mut rng = seeded_rng("fpga one bucket");
    let Some(mut card) = sim_card(SimConfig::default()) else {
        return;
    };
    let n = 300;
    let bases: Vec<G1Affine> = (0..n)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    // Scalar 5 is one digit, in window 0: every pair goes to the same bucket. With 10-bit
    // windows a point's digits take 26 cycles, fewer than the adder's latency, so each pair
    // must wait for the previous one to be written back.
    let scalars = vec![Fr::from(5u64); n];
    let c = 10;
    let (got, stats) = card_msm(&mut card, &bases, &scalars, Some(c));
    let expected: G1Projective =
        bases.iter().map(|b| b.into_group()).sum::<G1Projective>() * Fr::from(5u64);
    assert_eq!(got.into_affine(), expected.into_affine());
    assert_eq!(stats.pairs, n as u64);
    let latency = u64::from(card.info().msm_latency);
    let windows = u64::from(kiln_msm::window_count(c));
    // Back-to-back pairs to one bucket issue at least latency + 2 cycles apart.
    assert!(
        stats.stalls >= (n as u64 - 1) * (latency + 2 - windows),
        "{stats:?}"
    );
    assert!(stats.cycles >= (n as u64 - 1) * (latency + 2), "{stats:?}");
    println!("{stats:?}");
    // With the driver's own window the same MSM is right too.
    let (got, _) = card_msm(&mut card, &bases, &scalars, None);
    assert_eq!(got.into_affine(), expected.into_affine());
}

#[test]
fn duplicated_bases_infinity_and_zero_scalars_issue_exactly_the_needed_pairs() {
    let mut rng = seeded_rng("fpga pairs");
    let Some(mut card) = sim_card(SimConfig::default()) else {
        return;
    };
    let pool: Vec<G1Affine> = (0..3)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    let n = 257;
    let bases: Vec<G1Affine> = (0..n)
        .map(|i| {
            if i % 7 == 0 {
                G1Affine::zero()
            } else {
                pool[rng.gen_range(0..3)]
            }
        })
        .collect();
    let scalars: Vec<Fr> = (0..n)
        .map(|i| match i % 5 {
            0 => Fr::zero(),
            1 => -Fr::from(1u64),
            2 => Fr::from(1u64),
            _ => Fr::rand(&mut rng),
        })
        .collect();
    let (got, stats) = card_msm(&mut card, &bases, &scalars, None);
    assert_eq!(got, G1Projective::msm(&bases, &scalars).unwrap());
    assert_eq!(
        stats.pairs,
        expected_pairs(&bases, &scalars, stats.window_bits)
    );
    // The same base added twice into one bucket: the adder's doubling case.
    let p = pool[0];
    let (got, _) = card_msm(&mut card, &[p, p, p], &[Fr::from(9u64); 3], Some(10));
    assert_eq!(got.into_affine(), (p * Fr::from(27u64)).into_affine());
    // P then -P into one bucket: back to infinity, then P again.
    let (got, _) = card_msm(
        &mut card,
        &[p, p, p],
        &[Fr::from(3u64), -Fr::from(3u64), Fr::from(3u64)],
        Some(10),
    );
    assert_eq!(got.into_affine(), (p * Fr::from(3u64)).into_affine());
}

#[test]
fn ntts_larger_than_the_on_chip_memory_match_arkworks() {
    let mut rng = seeded_rng("fpga big ntt");
    let Some(b) = backend(SimConfig::default()) else {
        return;
    };
    let b: &dyn Backend = &b;
    let log_max = 11; // the model's NTT_LOG_MAX
    let g = Fr::rand(&mut rng);
    for log_n in [log_max, log_max + 2] {
        let n = 1usize << log_n;
        for op in [
            NttOp::Forward,
            NttOp::Inverse,
            NttOp::CosetForward(g),
            NttOp::CosetInverse(g),
        ] {
            let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut resident = b.upload_scalars(&input).unwrap();
            b.ntt(&mut resident, op).unwrap();
            assert_eq!(
                b.download_scalars(&resident).unwrap(),
                reference_ntt(&input, op),
                "{op:?} at 2^{log_n}"
            );
        }
    }
}

#[test]
fn memory_back_pressure_changes_timing_not_results() {
    let mut rng = seeded_rng("fpga back-pressure");
    let config = SimConfig {
        mem_latency: 37,
        mem_stall_permille: 400,
        seed: rng.gen(),
        ..SimConfig::default()
    };
    let Some(b) = backend(config) else { return };
    let b: &dyn Backend = &b;
    let n = 200;
    let bases: Vec<G1Affine> = (0..n)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let (rb, rs) = (
        b.upload_g1(&bases).unwrap(),
        b.upload_scalars(&scalars).unwrap(),
    );
    assert_eq!(
        b.msm_g1(&rb, &rs).unwrap(),
        G1Projective::msm(&bases, &scalars).unwrap()
    );
    let input: Vec<Fr> = (0..4096).map(|_| Fr::rand(&mut rng)).collect();
    let g = Fr::rand(&mut rng);
    let mut v = b.upload_scalars(&input).unwrap();
    b.ntt(&mut v, NttOp::CosetForward(g)).unwrap();
    assert_eq!(
        b.download_scalars(&v).unwrap(),
        reference_ntt(&input, NttOp::CosetForward(g))
    );
    let other = b.upload_scalars(&scalars).unwrap();
    let mut w = b.upload_scalars(&input[..n]).unwrap();
    b.vec_op(&mut w, kiln_host::VecOp::Mul(&other)).unwrap();
    let expected: Vec<Fr> = input[..n]
        .iter()
        .zip(&scalars)
        .map(|(a, s)| *a * s)
        .collect();
    assert_eq!(b.download_scalars(&w).unwrap(), expected);
}

#[test]
fn groth16_proofs_on_the_simulated_card_are_byte_identical_to_ark_groth16() {
    let mut rng = seeded_rng("fpga groth16");
    let Some(b) = backend(SimConfig::default()) else {
        return;
    };
    let circuits = [Groth16Circuit::CubicChain { rounds: 120 }];
    match groth16_byte_identity(&b, &mut rng, &circuits, 2) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}
