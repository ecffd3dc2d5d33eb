//! Times, on one thread over values that stay in cache, what kiln's CPU NTT and MSM are made of:
//! an addition plus a subtraction with arkworks' operators and branch-free ([`kiln_field`]), a
//! radix-2 butterfly both ways, and one multiplication in Fq and Fq2 (throughput over 1,024
//! independent products), and one inversion in each. Median of 5 runs each:
//!
//! `cargo run --release -p kiln-field --example field_ops`
//!
//! The multiplication with arkworks' assembly needs its feature and the CPU features it checks
//! for at compile time (a separate target folder keeps the workspace build as it is):
//!
//! `RUSTFLAGS="-C target-feature=+bmi2,+adx" cargo run --release -p kiln-field --features asm
//! --example field_ops --target-dir target/asm`

use std::time::Instant;

use ark_bn254::{Fq, Fq2, Fr, FrConfig};
use ark_ff::{Field, UniformRand};
use kiln_field::{add, chord_batch_serial, sub, ChordBatch};
use kiln_host::conformance::seeded_rng;

/// Median nanoseconds per element of `f` run `rounds` times over `len` elements.
fn time(len: usize, rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..rounds {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / (rounds * len) as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn multiplication_ns<F: Field + UniformRand>(name: &str) -> f64 {
    let mut rng = seeded_rng("field_ops multiplication");
    let mut v: Vec<F> = (0..1024).map(|_| F::rand(&mut rng)).collect();
    let factor = F::rand(&mut rng);
    let ns = time(1024, 2000, || {
        v.iter_mut().for_each(|x| *x *= factor);
        std::hint::black_box(&v);
    });
    println!("{name} multiplication: {ns:.2} ns");
    ns
}

/// One inversion (what a batch of affine bucket additions shares), in nanoseconds and in
/// multiplications, arkworks' and kiln's ([`kiln_field::Invert`], which the MSM uses): the
/// MSM cost model's `INVERSION` constants.
fn inversion_ns<F: Field + UniformRand + kiln_field::Invert>(name: &str, multiplication_ns: f64) {
    let mut rng = seeded_rng("field_ops inversion");
    let mut v: Vec<F> = (0..256).map(|_| F::rand(&mut rng)).collect();
    let arkworks = time(256, 20, || {
        v.iter_mut()
            .for_each(|x| *x = x.inverse().unwrap_or(F::ONE));
        std::hint::black_box(&v);
    });
    let kiln = time(256, 20, || {
        v.iter_mut().for_each(|x| *x = x.invert().unwrap_or(F::ONE));
        std::hint::black_box(&v);
    });
    println!(
        "{name} inversion: arkworks {arkworks:.0} ns ({:.0} multiplications), kiln {kiln:.0} ns ({:.0} multiplications)",
        arkworks / multiplication_ns,
        kiln / multiplication_ns
    );
}

fn main() {
    let asm = cfg!(all(
        feature = "asm",
        target_feature = "bmi2",
        target_feature = "adx"
    ));
    println!(
        "arkworks assembly multiplication: {}",
        if asm { "on" } else { "off" }
    );
    let mut rng = seeded_rng("field_ops");
    let n = 4096;
    let mut lo: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let mut hi: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let w: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    // A generic function, not a closure object: each step is inlined into its loop.
    fn run(
        name: &str,
        lo: &mut [Fr],
        hi: &mut [Fr],
        w: &[Fr],
        step: impl Fn(&mut Fr, &mut Fr, &Fr),
    ) {
        let n = lo.len();
        let ns = time(n, 500, || {
            for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(w) {
                step(a, b, w);
            }
            std::hint::black_box((&lo, &hi));
        });
        println!("{name}: {ns:.2} ns");
    }
    let (lo, hi, w) = (&mut lo[..], &mut hi[..], &w[..]);
    run("addition + subtraction, arkworks", lo, hi, w, |a, b, _| {
        let (s, d) = (*a + *b, *a - *b);
        *a = s;
        *b = d;
    });
    run(
        "addition + subtraction, branch-free",
        lo,
        hi,
        w,
        |a, b, _| {
            let (s, d) = (add::<FrConfig>(a, b), sub::<FrConfig>(a, b));
            *a = s;
            *b = d;
        },
    );
    run("butterfly, arkworks", lo, hi, w, |a, b, w| {
        let (s, d) = (*a + *b, (*a - *b) * w);
        *a = s;
        *b = d;
    });
    run("butterfly, branch-free", lo, hi, w, |a, b, w| {
        let (s, d) = (add::<FrConfig>(a, b), sub::<FrConfig>(a, b) * w);
        *a = s;
        *b = d;
    });
    let fq = multiplication_ns::<Fq>("Fq");
    let fq2 = multiplication_ns::<Fq2>("Fq2");
    inversion_ns::<Fq>("Fq", fq);
    inversion_ns::<Fq2>("Fq2", fq2);
    chord_batch_ns::<Fq>("Fq", fq);
    chord_batch_ns::<Fq2>("Fq2", fq2);
}

/// One batched chord addition (an affine bucket addition's field work) in batches of 256 as
/// the MSM runs them: arkworks' multiplication one at a time, and eight-lane IFMA where the
/// CPU has it; also each in multiplications of the field.
fn chord_batch_ns<F: ChordBatch + UniformRand>(name: &str, multiplication_ns: f64) {
    let mut rng = seeded_rng("field_ops chord");
    let entries: Vec<[F; 4]> = (0..256)
        .map(|_| core::array::from_fn(|_| F::rand(&mut rng)))
        .collect();
    let mut work = entries.clone();
    let serial = time(256, 200, || {
        work.copy_from_slice(&entries);
        chord_batch_serial(&mut work);
        std::hint::black_box(&work);
    });
    let lanes = time(256, 200, || {
        work.copy_from_slice(&entries);
        F::chord_batch(&mut work);
        std::hint::black_box(&work);
    });
    println!(
        "{name} chord addition, batch of 256: serial {serial:.1} ns ({:.1} multiplications), \
         {} {lanes:.1} ns ({:.1} multiplications)",
        serial / multiplication_ns,
        if F::lanes_available() {
            "eight-lane IFMA"
        } else {
            "no IFMA here, serial again"
        },
        lanes / multiplication_ns,
    );
}
