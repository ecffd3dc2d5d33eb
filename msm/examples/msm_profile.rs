//! Runs kiln's CPU MSM alone, repeatedly, on random inputs: a target for profilers (`perf
//! record`), without the arkworks reference and the shape variants `msm_compare` times beside it.
//! `cargo run --release -p kiln-msm --example msm_profile -- [g1|g2] [log size] [repeats]`.

use std::time::Instant;

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, ScalarMul};
use ark_ff::UniformRand;
use kiln_host::conformance::seeded_rng;
use kiln_msm::cpu::{msm, CpuCurve};

fn run<P: CpuCurve>(name: &str, log: u32, repeats: usize) {
    let n = 1usize << log;
    let mut rng = seeded_rng("msm_profile");
    let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let bases: Vec<Affine<P>> = Projective::<P>::from(Affine::<P>::generator()).batch_mul(&dlogs);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t = Instant::now();
        let _ = std::hint::black_box(msm(&bases, &scalars));
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{name} 2^{log}: kiln median {:.1} ms (min {:.1}) over {repeats} runs",
        times[repeats / 2],
        times[0]
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let log = numbers.first().copied().unwrap_or(16) as u32;
    let repeats = numbers.get(1).copied().unwrap_or(20).max(1);
    if args.iter().any(|a| a == "g2") {
        run::<g2::Config>("G2", log, repeats);
    } else {
        run::<g1::Config>("G1", log, repeats);
    }
}
