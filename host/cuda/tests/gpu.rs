//! The `cuda` backend on a real GPU (`make test-gpu`), and its behaviour without one.
//!
//! Without a GPU only `without_a_driver_the_cuda_backend_says_so` runs (the registry's and
//! the CLI's answer without a driver are tested in the root's `tests/cuda_kernels.rs`); it fails when
//! `KILN_REQUIRE_GPU=1` is set, so a GPU run cannot pass by not finding its GPU. The GPU checks
//! are `#[ignore]`d tests run by `make test-gpu` with `--ignored` (and `KILN_REQUIRE_GPU=1`):
//! they fail, never skip, when the backend does not open. The kernels' logic itself is checked
//! without a GPU by the host emulator (`tests/hosttest_*.rs`: the same sources compiled as host C++).
//!
//! Sizes come from `KILN_GPU_LOG_SIZES` (comma-separated log2 sizes; default 10,14,18,22).
//! Random inputs are seeded and printed; `KILN_SEED` replays.

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ff::UniformRand;
use kiln_cuda::msm::MsmConfig;
use kiln_cuda::CudaBackend;
use kiln_host::conformance::{
    check_msm_case, fresh_seed, run_selftest, seeded_rng, MsmCase, SelftestConfig,
};
use kiln_host::{Backend, NttOp};
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};

fn require_gpu() -> bool {
    std::env::var("KILN_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

fn log_sizes() -> Vec<u32> {
    std::env::var("KILN_GPU_LOG_SIZES")
        .ok()
        .map(|v| {
            v.split(',')
                .map(|s| {
                    s.trim()
                        .parse()
                        .expect("KILN_GPU_LOG_SIZES: comma-separated numbers")
                })
                .collect()
        })
        .unwrap_or_else(|| vec![10, 14, 18, 22])
}

/// The cuda backend, or a failure saying why there is none.
fn gpu() -> CudaBackend {
    match CudaBackend::open() {
        Ok(b) => b,
        Err(reason) => panic!("the cuda backend did not open: {reason}"),
    }
}

#[test]
fn without_a_driver_the_cuda_backend_says_so() {
    let present = kiln_cuda::driver::driver_present();
    if require_gpu() {
        assert!(present, "KILN_REQUIRE_GPU=1 but no NVIDIA driver was found");
        let b = gpu();
        println!("{}", b.device_info());
        return;
    }
    if present {
        println!("an NVIDIA driver is present: the GPU tests are the ignored ones (make test-gpu)");
        return;
    }
    let err = CudaBackend::open()
        .err()
        .expect("no driver, yet cuda opened");
    assert!(err.contains("no NVIDIA driver found"), "{err}");
}

#[test]
#[ignore = "needs an NVIDIA GPU: make test-gpu"]
fn gpu_conformance_suite_at_every_size() {
    let backend = gpu();
    println!("{}", backend.device_info());
    let seed = fresh_seed();
    println!("seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    for log_size in log_sizes() {
        let outcomes = run_selftest(&backend, SelftestConfig { log_size, seed }, |o| {
            println!("{o}")
        })
        .unwrap();
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
        assert!(failed.is_empty(), "2^{log_size}: {failed:#?}");
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU: make test-gpu"]
fn gpu_groth16_proofs_are_byte_identical_to_the_cpu_backend() {
    let mut rng = seeded_rng("cuda groth16");
    let gpu = gpu();
    for log_size in log_sizes().into_iter().filter(|&k| (4..=18).contains(&k)) {
        // One random (r, s), then r = s = 0: two proofs on one resident key.
        // Against ark-groth16's bytes, which are the cpu backend's (prover/tests/groth16.rs).
        let circuits = [Groth16Circuit::CubicChainForDomain { log_size }];
        match groth16_byte_identity(&gpu, &mut rng, &circuits, 1) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU: make test-gpu"]
fn gpu_msm_in_forced_chunks_and_windows_matches() {
    let mut rng = seeded_rng("cuda msm chunks");
    let n = 1 << 16;
    let case = MsmCase {
        name: "random".into(),
        dlogs: (0..n).map(|_| Fr::rand(&mut rng)).collect(),
        scalars: (0..n).map(|_| Fr::rand(&mut rng)).collect(),
    };
    for config in [
        MsmConfig {
            max_chunk: Some(5000),
            ..Default::default()
        },
        MsmConfig {
            window_bits: Some(8),
            ..Default::default()
        },
        MsmConfig {
            window_bits: Some(20),
            ..Default::default()
        },
        MsmConfig {
            target_threads: 1 << 10,
            level_chunk: 4,
            segments: 8,
            ..Default::default()
        },
    ] {
        let mut backend = gpu();
        backend.set_msm_config(config);
        let g1 = check_msm_case::<G1Projective>(&backend, &case).unwrap();
        assert!(g1.passed(), "{config:?}: {:?}", g1.mismatch);
        let g2 = check_msm_case::<G2Projective>(&backend, &case).unwrap();
        assert!(g2.passed(), "{config:?}: {:?}", g2.mismatch);
    }
}

#[test]
#[ignore = "needs an NVIDIA GPU: make test-gpu"]
fn gpu_ntt_of_every_variant_at_every_size_matches_the_cpu_backend() {
    // The conformance suite checks one main size; this runs each size of KILN_GPU_LOG_SIZES
    // and the boundaries between pass counts (10/11, 20/21 stages).
    let mut rng = seeded_rng("cuda ntt sizes");
    let gpu = gpu();
    let cpu = kiln_host::ArkworksBackend::new();
    let mut sizes = log_sizes();
    sizes.extend([1, 10, 11, 20, 21]);
    sizes.sort_unstable();
    sizes.dedup();
    let g = Fr::rand(&mut rng);
    for log_n in sizes {
        let input: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
        for op in [
            NttOp::Forward,
            NttOp::Inverse,
            NttOp::CosetForward(g),
            NttOp::CosetInverse(g),
        ] {
            let run = |b: &dyn Backend| {
                let mut v = b.upload_scalars(&input).unwrap();
                b.ntt(&mut v, op).unwrap();
                b.download_scalars(&v).unwrap()
            };
            assert!(run(&gpu) == run(&cpu), "{op:?} at 2^{log_n} differs");
        }
        println!("ntt 2^{log_n}: every variant matches");
    }
}
