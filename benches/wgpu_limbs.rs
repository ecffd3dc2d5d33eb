//! The WGSL limb-size measurement (BENCHMARKS.md, "WGSL limb size"): chained Fq Montgomery
//! multiplications on the wgpu device for each candidate limb shape, 12 to 16 bits with CIOS and
//! 13 bits with deferred carries. Each shape's result is checked against arkworks before it is
//! timed.
//!
//! `KILN_LIMB_BENCH_THREADS` (default 4096) threads each run `KILN_LIMB_BENCH_ROUNDS` (default
//! 256) dependent multiplications. Needs a wgpu adapter (lavapipe counts).

use ark_bn254::Fq;
use ark_ff::{Field, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kiln::backends::wgpu::harness::MulBench;
use kiln::backends::wgpu::{Gpu, GpuOptions, LimbShape};

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

fn limbs(c: &mut Criterion) {
    let threads = env_u32("KILN_LIMB_BENCH_THREADS", 4096) as usize;
    let rounds = env_u32("KILN_LIMB_BENCH_ROUNDS", 256);
    let mut rng = StdRng::seed_from_u64(0x6b696c6e);
    let xs: Vec<Fq> = (0..threads).map(|_| Fq::rand(&mut rng)).collect();
    let ys: Vec<Fq> = (0..threads).map(|_| Fq::rand(&mut rng)).collect();
    let mut group = c.benchmark_group("wgsl-fq-mul");
    group.sample_size(10);
    group.throughput(Throughput::Elements(threads as u64 * u64::from(rounds)));
    let shapes = [
        (12, false),
        (13, false),
        (13, true),
        (14, false),
        (15, false),
        (16, false),
    ];
    for (bits, deferred) in shapes {
        let shape = LimbShape::new(bits, deferred).expect("valid shape");
        let gpu = match Gpu::open(GpuOptions {
            shape,
            ..GpuOptions::default()
        }) {
            Ok(gpu) => gpu,
            Err(e) => {
                eprintln!("wgpu_limbs: skipped, no wgpu device: {e}");
                return;
            }
        };
        let bench = MulBench::new(&gpu, &xs, &ys, rounds).expect("bench kernel");
        bench.run(&gpu).expect("first run");
        let got = bench.read_x(&gpu).expect("read back");
        for i in [0, threads / 2, threads - 1] {
            assert_eq!(
                got[i],
                xs[i] * ys[i].pow([u64::from(rounds)]),
                "{}: thread {i}",
                shape.name()
            );
        }
        let name = format!("{} on {}", shape.name(), gpu.adapter_info().name);
        group.bench_with_input(BenchmarkId::new(name, threads), &shape, |b, _| {
            b.iter(|| bench.run(&gpu).expect("bench run"))
        });
    }
    // The same chains with arkworks on the host's cores, in the same run: the yardstick for what
    // a software device is worth, and for the cpu backend.
    group.bench_function(
        BenchmarkId::new("arkworks on the host (rayon)", threads),
        |b| {
            b.iter(|| {
                use rayon::prelude::*;
                xs.par_iter()
                    .zip(ys.par_iter())
                    .map(|(x, y)| {
                        let mut x = *x;
                        for _ in 0..rounds {
                            x *= y;
                        }
                        x
                    })
                    .collect::<Vec<Fq>>()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, limbs);
criterion_main!(benches);
