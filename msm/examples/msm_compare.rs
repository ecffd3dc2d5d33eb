//! Times kiln's CPU MSM against arkworks' on random inputs, and both against a floor:
//! `cargo run --release -p kiln-msm --example msm_compare -- [g1|g2] [log sizes...]`.
//!
//! The floor is the cost model's critical path ([`Schedule::cost`]: additions and bucket
//! reductions in base-field multiplications, divided over the threads) times the time of one
//! base-field multiplication measured in the same run. It says how much of the MSM's time is
//! the arithmetic of this algorithm class and how much is everything else (memory, scheduling,
//! digit extraction, batch collisions).
//!
//! arkworks and kiln run alternately, seven rounds, and the line gives the median of each and
//! of the per-round ratios (a shared machine's load comes in bursts; best-of-3 runs taken one
//! side after the other were seen to move the ratio by 1.8x between runs).
//!
//! It also times the cost model's best shape without and with the GLV split
//! ([`Schedule::direct`], [`Schedule::glv`]), alternated in one loop, median of 7.

use std::time::Instant;

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use ark_ff::{Field, UniformRand};
use kiln_host::conformance::seeded_rng;
use kiln_msm::cpu::schedule::{Schedule, DEFAULT_SCRATCH_BYTES};
use kiln_msm::cpu::{arkworks_msm, bucket_costs, msm, msm_with, CpuCurve};
use kiln_msm::SCALAR_BITS;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

/// Nanoseconds per multiplication in `F`, as throughput over independent products on one thread.
fn multiplication_ns<F: Field + UniformRand>() -> f64 {
    let mut rng = seeded_rng("msm_compare_field");
    let mut values: Vec<F> = (0..1024).map(|_| F::rand(&mut rng)).collect();
    let factor = F::rand(&mut rng);
    let rounds = 2000;
    let (ms, _) = best_of(3, || {
        for _ in 0..rounds {
            for v in values.iter_mut() {
                *v *= factor;
            }
        }
        std::hint::black_box(&values);
    });
    ms * 1e6 / (rounds * values.len()) as f64
}

fn compare<P: CpuCurve>(name: &str, log: u32, mul_ns: f64) {
    let n = 1usize << log;
    let mut rng = seeded_rng("msm_compare");
    let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let bases: Vec<Affine<P>> = Projective::<P>::from(Affine::<P>::generator()).batch_mul(&dlogs);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // Alternated, so that a burst of load on a shared machine hits both: the median of each
    // and the median of the per-round ratios, over ROUNDS rounds.
    const ROUNDS: usize = 7;
    let (mut ark_times, mut kiln_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let want = arkworks_msm(&bases, &scalars);
    for _ in 0..ROUNDS {
        let (ark, got_ark) = best_of(1, || arkworks_msm(&bases, &scalars));
        let (kiln, got) = best_of(1, || msm(&bases, &scalars));
        assert_eq!(got_ark, want, "arkworks differs from itself");
        assert_eq!(got.into_affine(), want.into_affine(), "results differ");
        ark_times.push(ark);
        kiln_times.push(kiln);
        ratios.push(ark / kiln);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ark_ms, kiln_ms, ratio) = (median(ark_times), median(kiln_times), median(ratios));
    let s = Schedule::plain(
        n,
        rayon::current_num_threads(),
        bucket_costs::<P>(),
        DEFAULT_SCRATCH_BYTES,
    );
    let floor_ms = s.cost as f64 * mul_ns / 1e6;
    println!(
        "{name} 2^{log}: arkworks {ark_ms:.1} ms, kiln {kiln_ms:.1} ms (medians of {ROUNDS} \
         alternated rounds; median ratio {ratio:.2}x), floor {floor_ms:.1} ms \
         (kiln / floor {:.2}) [{s:?}]",
        kiln_ms / floor_ms
    );
    let (threads, size) = (rayon::current_num_threads(), bucket_costs::<P>());
    let shapes = [
        Schedule::direct(n, SCALAR_BITS, threads, size, DEFAULT_SCRATCH_BYTES),
        Schedule::glv(n, threads, size, DEFAULT_SCRATCH_BYTES),
    ];
    // Each shape with the eight-lane IFMA chord additions off and on (where the CPU has
    // them), all alternated in one loop.
    let variants: Vec<(Schedule, bool)> = shapes
        .iter()
        .flat_map(|&shape| [(shape, false), (shape, true)])
        .filter(|&(_, lanes)| !lanes || kiln_field::ifma::available())
        .collect();
    let mut times = vec![Vec::new(); variants.len()];
    for _ in 0..7 {
        for (&(shape, lanes), times) in variants.iter().zip(times.iter_mut()) {
            kiln_field::ifma::set_enabled(lanes);
            let t = Instant::now();
            let got = msm_with(&bases, &scalars, &shape);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(got.into_affine(), want.into_affine(), "{shape:?} differs");
        }
    }
    kiln_field::ifma::set_enabled(true);
    for (&(shape, lanes), mut times) in variants.iter().zip(times) {
        times.sort_by(f64::total_cmp);
        let floor_ms = shape.cost as f64 * mul_ns / 1e6;
        println!(
            "  glv {}, lanes {lanes}: median {:.1} ms (min {:.1}, max {:.1}), model floor {floor_ms:.1} ms [{shape:?}]",
            shape.glv, times[3], times[0], times[6]
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let logs: Vec<u32> = args.iter().filter_map(|a| a.parse().ok()).collect();
    // `g1` or `g2` among the arguments limits the run to that group (both by default).
    let only = |group: &str| {
        let named = args.iter().any(|a| a == "g1" || a == "g2");
        !named || args.iter().any(|a| a == group)
    };
    let logs = if logs.is_empty() {
        vec![12, 16, 18]
    } else {
        logs
    };
    let fq_ns = multiplication_ns::<ark_bn254::Fq>();
    let fq2_ns = multiplication_ns::<ark_bn254::Fq2>();
    println!(
        "one multiplication: Fq {fq_ns:.1} ns, Fq2 {fq2_ns:.1} ns; {} threads",
        rayon::current_num_threads()
    );
    for &log in logs.iter().filter(|_| only("g1")) {
        compare::<g1::Config>("G1", log, fq_ns);
    }
    for &log in logs.iter().filter(|_| only("g2")) {
        compare::<g2::Config>("G2", log, fq2_ns);
    }
}
