//! Times kiln's CPU G1 MSM at the cost model's window and at one bit either side, each with
//! XYZZ buckets and with batched affine buckets of `buckets / 16` to `buckets / 2` additions per
//! inversion, next to the model's choice (median of 7, results checked against arkworks), for
//! the direct MSM and for the GLV split (`g2` as an argument: the same in G2):
//! `cargo run --release -p kiln-msm --example batch_sweep -- [g2] [log sizes...]`.

use std::time::Instant;

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use ark_ff::UniformRand;
use kiln_host::conformance::seeded_rng;
use kiln_msm::cpu::schedule::{Accumulation, Schedule, DEFAULT_SCRATCH_BYTES};
use kiln_msm::cpu::{arkworks_msm, bucket_costs, msm_with, CpuCurve};
use kiln_msm::SCALAR_BITS;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let logs: Vec<u32> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let logs = if logs.is_empty() { vec![13, 16] } else { logs };
    if args.iter().any(|a| a == "g2") {
        sweep::<g2::Config>("G2", &logs);
    } else {
        sweep::<g1::Config>("G1", &logs);
    }
}

fn sweep<P: CpuCurve>(group: &str, logs: &[u32]) {
    let threads = rayon::current_num_threads();
    let mut rng = seeded_rng("batch_sweep");
    for &log in logs {
        let n = 1usize << log;
        let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let bases: Vec<Affine<P>> = Projective::<P>::from(Affine::generator()).batch_mul(&dlogs);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let want = arkworks_msm(&bases, &scalars).into_affine();
        let size = bucket_costs::<P>();
        let chosen = Schedule::plain(n, threads, size, DEFAULT_SCRATCH_BYTES);
        println!("{group} 2^{log}: the model chooses {chosen:?}");
        let direct = Schedule::direct(n, SCALAR_BITS, threads, size, DEFAULT_SCRATCH_BYTES);
        let split = Schedule::glv(n, threads, size, DEFAULT_SCRATCH_BYTES);
        for model in [direct, split] {
            sweep_around(&model, &bases, &scalars, &want);
        }
    }
}

fn sweep_around<P: CpuCurve>(
    model: &Schedule,
    bases: &[Affine<P>],
    scalars: &[Fr],
    want: &Affine<P>,
) {
    println!(" around {model:?}");
    for c in model.window_bits - 1..=model.window_bits + 1 {
        let buckets = 1usize << (c - 1);
        let batches = [16, 8, 4, 2].map(|d| Accumulation::Affine { batch: buckets / d });
        for accumulation in std::iter::once(Accumulation::Xyzz).chain(batches) {
            let schedule = Schedule {
                window_bits: c,
                chunks: model.chunks,
                accumulation,
                glv: model.glv,
                cost: 0,
            };
            let mut ms: Vec<f64> = (0..7)
                .map(|_| {
                    let t = Instant::now();
                    let got = msm_with(bases, scalars, &schedule);
                    let elapsed = t.elapsed().as_secs_f64() * 1e3;
                    assert_eq!(
                        got.into_affine(),
                        *want,
                        "{schedule:?} differs from arkworks"
                    );
                    elapsed
                })
                .collect();
            ms.sort_by(f64::total_cmp);
            println!(
                "  glv {}, c = {c}, {accumulation:?}: {:.2} ms",
                model.glv, ms[3]
            );
        }
    }
}
