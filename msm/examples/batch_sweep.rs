//! Times kiln's CPU G1 MSM at the cost model's window and at one bit either side, each with
//! XYZZ buckets and with batched affine buckets of `buckets / 16` to `buckets / 2` additions per
//! inversion, next to the model's choice (median of 7, results checked against arkworks):
//! `cargo run --release -p kiln-msm --example batch_sweep -- [log sizes...]`.

use std::time::Instant;

use ark_bn254::{g1, Fr};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use ark_ff::UniformRand;
use kiln_host::conformance::seeded_rng;
use kiln_msm::cpu::schedule::{Accumulation, Schedule, DEFAULT_SCRATCH_BYTES};
use kiln_msm::cpu::{arkworks_msm, msm_with};

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let logs = if logs.is_empty() { vec![13, 16] } else { logs };
    let threads = rayon::current_num_threads();
    let mut rng = seeded_rng("batch_sweep");
    for log in logs {
        let n = 1usize << log;
        let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let bases: Vec<Affine<g1::Config>> =
            Projective::<g1::Config>::from(Affine::generator()).batch_mul(&dlogs);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let want = arkworks_msm(&bases, &scalars).into_affine();
        let model = Schedule::plain(
            n,
            threads,
            size_of::<Affine<g1::Config>>(),
            DEFAULT_SCRATCH_BYTES,
        );
        println!("2^{log}: the model chooses {model:?}");
        for c in model.window_bits - 1..=model.window_bits + 1 {
            let buckets = 1usize << (c - 1);
            let batches = [16, 8, 4, 2].map(|d| Accumulation::Affine { batch: buckets / d });
            for accumulation in std::iter::once(Accumulation::Xyzz).chain(batches) {
                let schedule = Schedule {
                    window_bits: c,
                    chunks: model.chunks,
                    accumulation,
                    cost: 0,
                };
                let mut ms: Vec<f64> = (0..7)
                    .map(|_| {
                        let t = Instant::now();
                        let got = msm_with(&bases, &scalars, &schedule);
                        let elapsed = t.elapsed().as_secs_f64() * 1e3;
                        assert_eq!(
                            got.into_affine(),
                            want,
                            "{schedule:?} differs from arkworks"
                        );
                        elapsed
                    })
                    .collect();
                ms.sort_by(f64::total_cmp);
                println!("  c = {c}, {accumulation:?}: {:.2} ms", ms[3]);
            }
        }
    }
}
