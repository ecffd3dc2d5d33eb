//! The wgpu backend through the seam, on whatever adapter is present (lavapipe in CI):
//!
//! * the whole conformance suite at 2^12 (`kiln selftest --backend wgpu --log-size 12`): G1 and
//!   G2 MSMs with every edge case (zero scalars, r-1, all-equal scalars, duplicated and infinity
//!   bases, n = 1, 2^12 - 1, 2^12 + 3), every NTT variant at 1, 2 and 2^12, the vector operations;
//! * the same NTTs, vector operations and MSMs on vectors split into several buffers (a binding
//!   limit forced down to 512 elements), as a 2^24 NTT is on a small device;
//! * Groth16 proofs byte-identical to the cpu backend's for the same r, s;
//! * bounded waits: a timeout is an error that says so, not a hang.
//!
//! Kept to one test binary so the device is not compiled for by several processes at once, and
//! run with `--test-threads 1` (`make test`) so that the tests that can share one device do:
//! lavapipe compiles each pipeline once per device, the G2 MSM kernels for about four minutes.

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul};
use ark_ff::UniformRand;
use kiln_host::conformance::{
    fresh_seed, msm_checks, ntt_checks, reference_ntt, run_selftest, seeded_rng, vec_op_checks,
    CheckOutcome, SelftestConfig,
};
use kiln_host::{Backend, Error, NttOp};
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};
use kiln_wgpu::{GpuOptions, PointBuf, WgpuBackend};
use std::sync::OnceLock;

fn open(options: GpuOptions) -> WgpuBackend {
    WgpuBackend::open(options)
        .unwrap_or_else(|e| panic!("no wgpu device ({e}); `make setup` installs lavapipe"))
}

/// The device shared by every test that needs no special options (see the module docs).
fn shared() -> &'static WgpuBackend {
    static SHARED: OnceLock<WgpuBackend> = OnceLock::new();
    SHARED.get_or_init(|| open(GpuOptions::default()))
}

fn assert_all_passed(what: &str, outcomes: &[CheckOutcome]) {
    for o in outcomes {
        println!("{what}: {o}");
    }
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(failed.is_empty(), "{what}: {failed:#?}");
}

#[test]
fn conformance_suite_at_2_pow_12() {
    let backend = shared();
    println!("{}", backend.device_info());
    let seed = fresh_seed();
    println!("seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    let outcomes = run_selftest(backend, SelftestConfig { log_size: 12, seed }, |_| {}).unwrap();
    assert_all_passed("selftest", &outcomes);
}

#[test]
fn vectors_split_across_buffers() {
    // 512 elements per binding: a 2^12 vector lives in 8 buffers, so every butterfly stage from
    // half = 512 up and most bit-reversal swaps cross buffers.
    let split = open(GpuOptions {
        max_binding_bytes: Some(512 * 32),
        ..GpuOptions::default()
    });
    let backend: &dyn Backend = &split;
    let mut rng = seeded_rng("wgpu split vectors");
    assert_all_passed(
        "split ntt",
        &ntt_checks(backend, 1 << 12, &mut rng).unwrap(),
    );
    assert_all_passed(
        "split vec",
        &vec_op_checks(backend, 1 << 12, &mut rng).unwrap(),
    );
    // MSM bases beyond a binding come in parts of 256 G1 points here: the MSM of 2^10 points
    // runs as four part MSMs (five for the n + 3 case, the last part short) whose sums add up,
    // with every edge case.
    let generators = vec![G1Projective::generator().into_affine(); 1 << 10];
    let held = PointBuf::upload_g1(split.gpu(), &generators).unwrap();
    assert_eq!(held.parts().len(), 4, "2^10 G1 bases over 16 KiB bindings");
    assert_eq!(held.part_range(3), (768, 256));
    assert_all_passed(
        "split msm-g1",
        &msm_checks::<G1Projective>(backend, 1 << 10, &mut rng).unwrap(),
    );
    // And a chain of transforms on the device, against the host.
    let input: Vec<Fr> = (0..1 << 11).map(|_| Fr::rand(&mut rng)).collect();
    let shift = Fr::rand(&mut rng);
    let mut resident = backend.upload_scalars(&input).unwrap();
    backend.ntt(&mut resident, NttOp::Inverse).unwrap();
    backend
        .ntt(&mut resident, NttOp::CosetForward(shift))
        .unwrap();
    let expected = reference_ntt(
        &reference_ntt(&input, NttOp::Inverse),
        NttOp::CosetForward(shift),
    );
    assert_eq!(backend.download_scalars(&resident).unwrap(), expected);
}

#[test]
fn groth16_proofs_are_byte_identical_to_the_cpu_backend() {
    let mut rng = seeded_rng("wgpu groth16");
    // Against ark-groth16's bytes, which are the cpu backend's (prover/tests/groth16.rs).
    let circuits = [Groth16Circuit::CubicChain { rounds: 500 }];
    match groth16_byte_identity(shared(), &mut rng, &circuits, 1) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_wait_past_the_timeout_is_a_clear_error() {
    let backend = open(GpuOptions {
        timeout: std::time::Duration::from_nanos(1),
        ..GpuOptions::default()
    });
    let backend: &dyn Backend = &backend;
    let mut rng = seeded_rng("wgpu timeout");
    let n = 1 << 12;
    let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // G1: its kernels compile in seconds, where G2's would keep the dropped device busy for
    // minutes on lavapipe.
    let bases = G1Projective::generator().batch_mul(&dlogs);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // Uploads only queue writes; the first wait comes with the MSM.
    let result = backend
        .upload_g1(&bases)
        .and_then(|b| backend.upload_scalars(&scalars).map(|s| (b, s)))
        .and_then(|(b, s)| backend.msm_g1(&b, &s));
    match result {
        Err(Error::Device { message, .. }) => {
            assert!(message.contains("timed out"), "{message}")
        }
        other => panic!("expected a timeout error, got {other:?}"),
    }
}

#[test]
fn msm_of_one_point_and_small_odd_sizes_in_g2() {
    let backend: &dyn Backend = shared();
    let mut rng = seeded_rng("wgpu small msm");
    for n in [1usize, 2, 3, 5, 17] {
        let points: Vec<_> = (0..n)
            .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
            .collect();
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b = backend.upload_g2(&points).unwrap();
        let s = backend.upload_scalars(&scalars).unwrap();
        let expected: G2Projective = points.iter().zip(&scalars).map(|(p, s)| *p * s).sum();
        assert_eq!(
            backend.msm_g2(&b, &s).unwrap().into_affine(),
            expected.into_affine(),
            "n = {n}"
        );
    }
}
