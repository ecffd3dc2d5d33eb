//! The CUDA kernels' logic, run by the host emulator through the real drivers (kiln-msm's and
//! kiln-ntt's `cuda` modules) and the real backend (`kiln::backends::cuda::CudaBackend`),
//! against arkworks and the planning crates. Every launch also checks that the Rust parameter
//! struct has the size of the kernel's C++ struct. Replay a failure with KILN_SEED.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::CanonicalSerialize;
use ark_std::rand::{rngs::StdRng, Rng};
use kiln_cuda::hosttest::emulator::{params_size, HostRunner};
use kiln_cuda::msm::{exclusive_scan, MsmConfig, MsmDigitsParams};
use kiln_cuda::CudaBackend;
use kiln_cuda::{DeviceWords, KernelRunner, Program};
use kiln_host::conformance::{
    assert_passes_suite, check_msm_case, reference_ntt, seeded_rng, MsmCase,
};
use kiln_host::{Backend, DeviceInfo, DeviceKind, NttOp};
use kiln_msm::{signed_digits, window_count};

fn emulated() -> CudaBackend<HostRunner> {
    emulated_with(HostRunner::new())
}

fn emulated_with(runner: HostRunner) -> CudaBackend<HostRunner> {
    let info = DeviceInfo {
        backend: "cuda-emu",
        kind: DeviceKind::Simulator,
        name: "CUDA kernels emulated on the host".into(),
        properties: Vec::new(),
    };
    CudaBackend::with_runner("cuda-emu", runner, info)
}

#[test]
fn every_kernel_is_emulated() {
    for program in Program::ALL {
        for kernel in program.kernels() {
            assert!(
                params_size(kernel) > 0,
                "{program}: no host emulation of {kernel}"
            );
        }
    }
    assert_eq!(
        params_size("msm_digits") as usize,
        std::mem::size_of::<MsmDigitsParams>()
    );
}

fn scalar_words(values: &[Fr]) -> Vec<u32> {
    kiln_cuda::ntt::fr_words(values)
}

#[test]
fn digits_kernel_matches_kiln_msm_signed_digits() {
    let mut rng = seeded_rng("cuda msm digits");
    let runner = HostRunner::new();
    let mut scalars = vec![
        Fr::zero(),
        Fr::one(),
        -Fr::one(),
        -Fr::from(2u64),
        Fr::from(u64::MAX),
        Fr::from(2u64).pow_pub(253),
    ];
    scalars.extend((0..200).map(|_| Fr::rand(&mut rng)));
    let m = scalars.len();
    let resident = runner.upload(&scalar_words(&scalars), "scalars").unwrap();
    for c in [1u32, 2, 5, 8, 13, 16, 17, 20, 24] {
        let windows = window_count(c);
        let buckets = 1u32 << (c - 1);
        let null = windows * buckets;
        let entries = windows as usize * m;
        let keys = runner.alloc_zeroed(entries, "keys").unwrap();
        let vals = runner.alloc_zeroed(entries, "vals").unwrap();
        // Digits of points 3.. only: `first` must offset the scalar and the point index.
        let first = 3usize;
        let count = m - first;
        let params = MsmDigitsParams {
            scalars: resident.address(),
            keys: keys.address(),
            vals: vals.address(),
            first: first as u64,
            count: count as u32,
            window_bits: c,
            windows,
            null_key: null,
        };
        let kernel = kiln_cuda::Kernel::new(Program::MsmSort, "msm_digits");
        // SAFETY: buffers sized for count points and windows * count entries.
        unsafe { runner.launch(kernel, 1, count as u32, &params).unwrap() };
        let keys = runner.download(&keys, 0..windows as usize * count).unwrap();
        let vals = runner.download(&vals, 0..windows as usize * count).unwrap();
        for (i, s) in scalars[first..].iter().enumerate() {
            let expected = signed_digits(s, c);
            for (w, d) in expected.iter().enumerate() {
                let at = w * count + i;
                if d.magnitude() == 0 {
                    assert_eq!(keys[at], null, "c={c} scalar {s} window {w}: zero digit");
                } else {
                    assert_eq!(
                        keys[at],
                        w as u32 * buckets + d.magnitude() - 1,
                        "c={c} {s} w={w}"
                    );
                    assert_eq!(vals[at] >> 31 == 1, d.is_negative(), "c={c} {s} w={w} sign");
                }
                assert_eq!(vals[at] & 0x7fff_ffff, (first + i) as u32, "point index");
            }
        }
    }
}

trait PowPub {
    fn pow_pub(self, e: u64) -> Self;
}
impl PowPub for Fr {
    fn pow_pub(self, e: u64) -> Self {
        ark_ff::Field::pow(&self, [e])
    }
}

#[test]
fn scan_kernels_compute_exclusive_prefix_sums() {
    let mut rng = seeded_rng("cuda scan");
    let runner = HostRunner::new();
    for len in [1usize, 2, 1023, 1024, 1025, 4096, 1 << 20 | 7] {
        let data: Vec<u32> = (0..len).map(|_| rng.gen_range(0..1000)).collect();
        let buf = runner.upload(&data, "scan").unwrap();
        exclusive_scan(&runner, &buf, 0, len).unwrap();
        let got = runner.download(&buf, 0..len).unwrap();
        let mut acc = 0u32;
        for (i, (&g, &d)) in got.iter().zip(&data).enumerate() {
            assert_eq!(g, acc, "len {len}, index {i}");
            acc += d;
        }
    }
}

#[test]
fn the_emulated_backend_passes_the_conformance_suite() {
    assert_passes_suite(&emulated(), &[0, 3, 7]);
}

fn check_ntt(backend: &dyn Backend, log_n: u32, rng: &mut StdRng) {
    let n = 1usize << log_n;
    let input: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    let g = Fr::rand(rng);
    for op in [
        NttOp::Forward,
        NttOp::Inverse,
        NttOp::CosetForward(g),
        NttOp::CosetInverse(g),
    ] {
        let mut resident = backend.upload_scalars(&input).unwrap();
        backend.ntt(&mut resident, op).unwrap();
        let got = backend.download_scalars(&resident).unwrap();
        let expected = reference_ntt(&input, op);
        let bad = got.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!(
            bad, None,
            "{op:?} at 2^{log_n}: first difference at {bad:?}"
        );
    }
}

#[test]
fn ntt_passes_with_columns_match_arkworks() {
    // 2^13: two passes, the second with 8 columns per tile; 2^21: three passes.
    let mut rng = seeded_rng("cuda ntt passes");
    let backend = emulated();
    for log_n in [1u32, 10, 11, 13] {
        check_ntt(&backend, log_n, &mut rng);
    }
    let backend: &dyn Backend = &backend;
    let n = 1usize << 21;
    let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let mut resident = backend.upload_scalars(&input).unwrap();
    backend.ntt(&mut resident, NttOp::Forward).unwrap();
    let mut expected = input.clone();
    Radix2EvaluationDomain::<Fr>::new(n)
        .unwrap()
        .fft_in_place(&mut expected);
    assert!(
        backend.download_scalars(&resident).unwrap() == expected,
        "2^21 forward NTT"
    );
}

fn random_case(n: usize, rng: &mut StdRng) -> MsmCase {
    MsmCase {
        name: format!("random, n = {n}"),
        dlogs: (0..n).map(|_| Fr::rand(rng)).collect(),
        scalars: (0..n).map(|_| Fr::rand(rng)).collect(),
    }
}

#[test]
fn msm_chunks_windows_and_levels_agree_with_the_reference() {
    let mut rng = seeded_rng("cuda msm shapes");
    let mut all_equal = random_case(1500, &mut rng);
    let s = Fr::rand(&mut rng);
    all_equal.scalars.iter_mut().for_each(|x| *x = s);
    all_equal.name = "all-equal scalars, n = 1500".into();
    let cases = [random_case(1500, &mut rng), all_equal];
    let configs = [
        MsmConfig::default(),
        MsmConfig {
            window_bits: Some(13),
            ..Default::default()
        },
        MsmConfig {
            window_bits: Some(4),
            segments: 2,
            level_chunk: 4,
            ..Default::default()
        },
        MsmConfig {
            max_chunk: Some(700),
            target_threads: 64,
            ..Default::default()
        },
        MsmConfig {
            window_bits: Some(17),
            segments: 1 << 14,
            ..Default::default()
        },
    ];
    for config in configs {
        let mut backend = emulated();
        backend.set_msm_config(config);
        for case in &cases {
            let g1 = check_msm_case::<G1Projective>(&backend, case).unwrap();
            assert!(g1.passed(), "{config:?} {}: {:?}", case.name, g1.mismatch);
        }
        let g2 = check_msm_case::<G2Projective>(&backend, &cases[1]).unwrap();
        assert!(
            g2.passed(),
            "{config:?} G2 {}: {:?}",
            cases[1].name,
            g2.mismatch
        );
    }
}

#[test]
fn msm_out_of_memory_falls_back_to_smaller_chunks() {
    let mut rng = seeded_rng("cuda msm out of memory");
    let n = 1 << 12;
    let case = random_case(n, &mut rng);
    let bases = G1Projective::generator().batch_mul(&case.dlogs);
    let expected = G1Projective::msm(&bases, &case.scalars)
        .unwrap()
        .into_affine();
    // Room for the bases, scalars and buckets, but not for a chunk of all 4096 points: the
    // driver sizes its chunks from the free memory it is told, or halves them when an
    // allocation fails.
    for runner in [
        HostRunner::with_memory_limit(1_800_000),
        HostRunner::with_hidden_memory_limit(1_800_000),
    ] {
        let mut backend = emulated_with(runner);
        backend.set_msm_config(MsmConfig {
            window_bits: Some(10),
            ..Default::default()
        });
        let backend: &dyn Backend = &backend;
        let resident_bases = backend.upload_g1(&bases).unwrap();
        let resident_scalars = backend.upload_scalars(&case.scalars).unwrap();
        let got = backend.msm_g1(&resident_bases, &resident_scalars).unwrap();
        assert_eq!(got.into_affine(), expected);
    }
    // The same with no limit needs more memory than the limit: the fallback was exercised.
    let unlimited = emulated();
    let shape = kiln_cuda::msm::MsmShape::new::<kiln_cuda::msm::G1>(
        n,
        &MsmConfig {
            window_bits: Some(10),
            ..Default::default()
        },
    );
    assert!(shape.chunk_bytes::<kiln_cuda::msm::G1>(n, &MsmConfig::default()) / 4 > 1_800_000);
    drop(unlimited);

    // Too little memory even for the buckets: a clear out-of-memory error, not a crash.
    let mut tiny = emulated_with(HostRunner::with_memory_limit(200_000));
    tiny.set_msm_config(MsmConfig {
        window_bits: Some(16),
        ..Default::default()
    });
    let tiny: &dyn Backend = &tiny;
    let b = tiny.upload_g1(&bases[..1024]).unwrap();
    let s = tiny.upload_scalars(&case.scalars[..1024]).unwrap();
    match tiny.msm_g1(&b, &s) {
        Err(kiln_host::Error::OutOfMemory { what, .. }) => {
            assert!(what.contains("bucket"), "{what}")
        }
        other => panic!("expected out of memory, got {other:?}"),
    }
}

#[test]
fn an_ntt_output_feeds_an_msm_on_the_device() {
    // Scalars stay in Montgomery form on the device; the MSM converts them itself.
    let mut rng = seeded_rng("cuda ntt into msm");
    let backend = emulated();
    let backend: &dyn Backend = &backend;
    let n = 256;
    let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let bases: Vec<G1Affine> = (0..n)
        .map(|_| G1Projective::rand(&mut rng).into_affine())
        .collect();
    let mut resident = backend.upload_scalars(&coeffs).unwrap();
    backend.ntt(&mut resident, NttOp::Forward).unwrap();
    let got = backend
        .msm_g1(&backend.upload_g1(&bases).unwrap(), &resident)
        .unwrap();
    let evals = reference_ntt(&coeffs, NttOp::Forward);
    assert_eq!(
        got.into_affine(),
        G1Projective::msm(&bases, &evals).unwrap().into_affine()
    );
}

#[test]
fn groth16_on_the_emulated_backend_is_byte_identical_to_ark_groth16() {
    use kiln_prover::examples::CubicChain;
    use kiln_prover::{groth16_setup, reference_proof, synthesize, Groth16Prover};
    let mut rng = seeded_rng("cuda emulated groth16");
    let circuit = CubicChain {
        x: Fr::rand(&mut rng),
        rounds: 200,
    };
    let pk = groth16_setup(circuit.clone(), &mut rng).unwrap();
    let (r1cs, assignment) = synthesize(circuit).unwrap();
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let mut expected = Vec::new();
    reference_proof(&pk, &r1cs, &assignment, r, s)
        .unwrap()
        .serialize_uncompressed(&mut expected)
        .unwrap();
    let backend = emulated();
    let prover = Groth16Prover::new(&backend, pk).unwrap();
    let mut got = Vec::new();
    prover
        .prove_with_randomness(&r1cs, &assignment, r, s)
        .unwrap()
        .serialize_uncompressed(&mut got)
        .unwrap();
    assert_eq!(got, expected);
}
