//! Times kiln's CPU NTT against arkworks' radix-2 FFT on the same random input, alternating the
//! two so that a change in the machine's load hits both:
//! `cargo run --release -p kiln-ntt --example ntt_compare -- [log sizes...]`.
//! Prints the median of 7 runs of each and their ratio, and the floor: `n/2 log n` butterflies,
//! each one multiplication plus one branch-free addition and subtraction, timed in the same run.

use std::time::Instant;

use ark_bn254::{Fr, FrConfig};
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use kiln_host::conformance::seeded_rng;
use kiln_host::NttOp;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per butterfly on one thread, over a block that stays in cache.
fn butterfly_ns() -> f64 {
    let mut rng = seeded_rng("ntt_compare butterfly");
    let mut lo: Vec<Fr> = (0..2048).map(|_| Fr::rand(&mut rng)).collect();
    let mut hi: Vec<Fr> = (0..2048).map(|_| Fr::rand(&mut rng)).collect();
    let w: Vec<Fr> = (0..2048).map(|_| Fr::rand(&mut rng)).collect();
    let rounds = 500;
    let runs = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..rounds {
                for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(&w) {
                    let s = kiln_field::add::<FrConfig>(a, b);
                    *b = kiln_field::sub::<FrConfig>(a, b) * w;
                    *a = s;
                }
            }
            std::hint::black_box((&lo, &hi));
            t.elapsed().as_secs_f64() * 1e9 / (rounds * 2048) as f64
        })
        .collect();
    median(runs)
}

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let logs = if logs.is_empty() {
        vec![12, 16, 19, 21]
    } else {
        logs
    };
    let threads = rayon::current_num_threads();
    let bf = butterfly_ns();
    println!("one butterfly: {bf:.1} ns; {threads} threads");
    let mut rng = seeded_rng("ntt_compare");
    for log in logs {
        let n = 1usize << log;
        let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("log n <= 28");
        let (mut kiln, mut ark) = (Vec::new(), Vec::new());
        for _ in 0..7 {
            let mut v = input.clone();
            let t = Instant::now();
            kiln_ntt::cpu::transform(&mut v, NttOp::Forward);
            kiln.push(t.elapsed().as_secs_f64() * 1e3);
            let mut w = input.clone();
            let t = Instant::now();
            domain.fft_in_place(&mut w);
            ark.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(v == w, "kiln and arkworks differ at 2^{log}");
        }
        let (k, a) = (median(kiln), median(ark));
        let floor = (n / 2 * log as usize) as f64 * bf / threads as f64 / 1e6;
        println!(
            "ntt 2^{log}: arkworks {a:.2} ms, kiln {k:.2} ms ({:.2}x), floor {floor:.2} ms (kiln / floor {:.2})",
            a / k,
            k / floor
        );
    }
}
