//! Times kiln's CPU MSM against arkworks' on random inputs:
//! `cargo run --release -p kiln-msm --example msm_compare -- [log sizes...]`.

use std::time::Instant;

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use ark_ff::UniformRand;
use kiln_host::conformance::seeded_rng;
use kiln_msm::cpu::schedule::{Schedule, DEFAULT_SCRATCH_BYTES};
use kiln_msm::cpu::{arkworks_msm, msm};

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

fn compare<P: SWCurveConfig<ScalarField = Fr>>(name: &str, log: u32) {
    let n = 1usize << log;
    let mut rng = seeded_rng("msm_compare");
    let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let bases: Vec<Affine<P>> = Projective::<P>::from(Affine::<P>::generator()).batch_mul(&dlogs);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let (ark_ms, want) = best_of(3, || arkworks_msm(&bases, &scalars));
    let (kiln_ms, got) = best_of(3, || msm(&bases, &scalars));
    assert_eq!(got.into_affine(), want.into_affine(), "results differ");
    let s = Schedule::plain(
        n,
        rayon::current_num_threads(),
        std::mem::size_of::<Affine<P>>(),
        DEFAULT_SCRATCH_BYTES,
    );
    println!(
        "{name} 2^{log}: arkworks {ark_ms:.1} ms, kiln {kiln_ms:.1} ms ({:.2}x) [{s:?}]",
        ark_ms / kiln_ms
    );
}

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let logs = if logs.is_empty() {
        vec![12, 16, 18]
    } else {
        logs
    };
    for &log in &logs {
        compare::<g1::Config>("G1", log);
    }
    for &log in &logs {
        compare::<g2::Config>("G2", log);
    }
}
