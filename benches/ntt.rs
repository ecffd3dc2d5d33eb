//! Forward NTT on the cpu backend (data resident) against ark-poly called directly.

mod common;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kiln::cpu::CpuBackend;
use kiln::host::{Backend, NttOp};

fn ntt(c: &mut Criterion) {
    let mut rng = common::rng();
    let cpu = CpuBackend::new();
    let backend: &dyn Backend = &cpu;
    let mut group = c.benchmark_group("ntt");
    group.sample_size(10);
    for log in common::log_sizes() {
        let n = 1usize << log;
        let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut resident = backend.upload_scalars(&input).unwrap();
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let mut host = input.clone();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("kiln-cpu", log), &log, |b, _| {
            b.iter(|| backend.ntt(&mut resident, NttOp::Forward).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("arkworks", log), &log, |b, _| {
            b.iter(|| domain.fft_in_place(&mut host))
        });
    }
    group.finish();
}

criterion_group!(benches, ntt);
criterion_main!(benches);
