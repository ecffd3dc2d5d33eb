//! The cuda backend against the cpu backend in one run: G1 and G2 MSM and the forward NTT, each
//! with the data resident on the device and with the host transfers included (inputs uploaded,
//! result downloaded). `kiln bench --backend cuda` gives the resident figures with their
//! arkworks comparison and a correctness check; this bench adds the transfer-included figures
//! and the sizes `kiln bench` does not take (G2 above 2^22). `make bench-gpu` runs both and
//! writes the BENCHMARKS.md table (benches/gpu/).
//!
//! Sizes: `KILN_BENCH_LOG_SIZES=A..B` (default 10..16); the cpu backend is measured up to
//! `KILN_BENCH_CPU_MAX_LOG` (default 20) only, because above that one repetition takes seconds
//! to minutes. Without a GPU the bench prints why and measures nothing.

mod common;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul};
use ark_ff::UniformRand;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kiln::backends::cuda::CudaBackend;
use kiln::cpu::CpuBackend;
use kiln::host::{Backend, NttOp};

/// Distinct bases generated at most; larger MSMs repeat them (the timing does not depend on it).
const MAX_DISTINCT: usize = 1 << 18;

fn cpu_max_log() -> u32 {
    std::env::var("KILN_BENCH_CPU_MAX_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

fn bases<
    G: CurveGroup + ScalarMul<MulBase = <G as CurveGroup>::Affine> + PrimeGroup<ScalarField = Fr>,
>(
    n: usize,
    rng: &mut impl ark_std::rand::Rng,
) -> Vec<G::Affine> {
    let distinct: Vec<Fr> = (0..n.min(MAX_DISTINCT)).map(|_| Fr::rand(rng)).collect();
    let base = G::generator().batch_mul(&distinct);
    base.iter().cycle().take(n).copied().collect()
}

fn open_gpu() -> Option<CudaBackend> {
    match CudaBackend::open() {
        Ok(b) => Some(b),
        Err(reason) => {
            println!("cuda bench: skipped, no GPU: {reason}");
            None
        }
    }
}

fn msm(c: &mut Criterion) {
    let Some(gpu) = open_gpu() else { return };
    let gpu: &dyn Backend = &gpu;
    let cpu_backend = CpuBackend::new();
    let cpu: &dyn Backend = &cpu_backend;
    let mut rng = common::rng();
    for group_name in ["msm-g1", "msm-g2"] {
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        for log in common::log_sizes() {
            let n = 1usize << log;
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            group.throughput(Throughput::Elements(n as u64));
            let backends: Vec<(&str, &dyn Backend)> = if log <= cpu_max_log() {
                vec![("cuda", gpu), ("cpu", cpu)]
            } else {
                vec![("cuda", gpu)]
            };
            if group_name == "msm-g1" {
                let b: Vec<G1Affine> = bases::<G1Projective>(n, &mut rng);
                for (name, backend) in backends {
                    let rb = backend.upload_g1(&b).unwrap();
                    let rs = backend.upload_scalars(&scalars).unwrap();
                    group.bench_with_input(
                        BenchmarkId::new(format!("{name}-resident"), log),
                        &log,
                        |bch, _| bch.iter(|| backend.msm_g1(&rb, &rs).unwrap()),
                    );
                    group.bench_with_input(
                        BenchmarkId::new(format!("{name}-transfer"), log),
                        &log,
                        |bch, _| {
                            bch.iter(|| {
                                let rb = backend.upload_g1(&b).unwrap();
                                let rs = backend.upload_scalars(&scalars).unwrap();
                                backend.msm_g1(&rb, &rs).unwrap()
                            })
                        },
                    );
                }
            } else {
                let b: Vec<G2Affine> = bases::<G2Projective>(n, &mut rng);
                for (name, backend) in backends {
                    let rb = backend.upload_g2(&b).unwrap();
                    let rs = backend.upload_scalars(&scalars).unwrap();
                    group.bench_with_input(
                        BenchmarkId::new(format!("{name}-resident"), log),
                        &log,
                        |bch, _| bch.iter(|| backend.msm_g2(&rb, &rs).unwrap()),
                    );
                    group.bench_with_input(
                        BenchmarkId::new(format!("{name}-transfer"), log),
                        &log,
                        |bch, _| {
                            bch.iter(|| {
                                let rb = backend.upload_g2(&b).unwrap();
                                let rs = backend.upload_scalars(&scalars).unwrap();
                                backend.msm_g2(&rb, &rs).unwrap()
                            })
                        },
                    );
                }
            }
        }
        group.finish();
    }
}

fn ntt(c: &mut Criterion) {
    let Some(gpu) = open_gpu() else { return };
    let gpu: &dyn Backend = &gpu;
    let cpu_backend = CpuBackend::new();
    let cpu: &dyn Backend = &cpu_backend;
    let mut rng = common::rng();
    let mut group = c.benchmark_group("ntt");
    group.sample_size(10);
    for log in common::log_sizes() {
        let n = 1usize << log;
        let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        group.throughput(Throughput::Elements(n as u64));
        let backends: Vec<(&str, &dyn Backend)> = if log <= cpu_max_log() {
            vec![("cuda", gpu), ("cpu", cpu)]
        } else {
            vec![("cuda", gpu)]
        };
        for (name, backend) in backends {
            let mut resident = backend.upload_scalars(&input).unwrap();
            group.bench_with_input(
                BenchmarkId::new(format!("{name}-resident"), log),
                &log,
                |b, _| b.iter(|| backend.ntt(&mut resident, NttOp::Forward).unwrap()),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("{name}-transfer"), log),
                &log,
                |b, _| {
                    b.iter(|| {
                        let mut v = backend.upload_scalars(&input).unwrap();
                        backend.ntt(&mut v, NttOp::Forward).unwrap();
                        backend.download_scalars(&v).unwrap()
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, msm, ntt);
criterion_main!(benches);
