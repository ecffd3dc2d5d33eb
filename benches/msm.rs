//! G1 MSM on the cpu backend (bases resident) against arkworks called directly.

mod common;

use ark_bn254::{Fr, G1Projective};
use ark_ec::{PrimeGroup, ScalarMul, VariableBaseMSM};
use ark_ff::UniformRand;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kiln::cpu::CpuBackend;
use kiln::host::Backend;

fn msm_g1(c: &mut Criterion) {
    let mut rng = common::rng();
    let cpu = CpuBackend::new();
    let backend: &dyn Backend = &cpu;
    let mut group = c.benchmark_group("msm-g1");
    group.sample_size(10);
    for log in common::log_sizes() {
        let n = 1usize << log;
        let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let bases = G1Projective::generator().batch_mul(&dlogs);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let resident_bases = backend.upload_g1(&bases).unwrap();
        let resident_scalars = backend.upload_scalars(&scalars).unwrap();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("kiln-cpu", log), &log, |b, _| {
            b.iter(|| backend.msm_g1(&resident_bases, &resident_scalars).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("arkworks", log), &log, |b, _| {
            b.iter(|| G1Projective::msm_unchecked(&bases, &scalars))
        });
    }
    group.finish();
}

criterion_group!(benches, msm_g1);
criterion_main!(benches);
