//! What loading a Groth16 key costs, stage by stage: hashing the file (the cache of checked
//! keys), reading it with on-curve checks only, the batched G2 subgroup check of its B query,
//! and the per-point checks it replaces. For the figures in BENCHMARKS.md.
//!
//! `cargo run --release -p kiln-prover --example key_checks -- KEY.zkey [--per-point]`

use std::time::Instant;

use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_host::layout::PointCheck;
use kiln_msm::subgroup::{g2_all_in_subgroup, g2_first_outside_subgroup};
use kiln_prover::iden3::{groth16_zkey::read_zkey_with, FileBytes};
use kiln_prover::key_cache::KeyDigest;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: key_checks KEY.zkey [--per-point]");
    let per_point = args.next().as_deref() == Some("--per-point");
    let file = FileBytes::open(path.as_ref()).unwrap();
    let data = file.bytes();
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;

    let t = Instant::now();
    let digest = KeyDigest::of(data);
    let hash = ms(t);
    let t = Instant::now();
    let key = read_zkey_with(data, PointCheck::OnCurveOnly).unwrap();
    let read = ms(t);
    let points = &key.b_g2_query;
    let t = Instant::now();
    assert!(g2_all_in_subgroup(points, &mut StdRng::from_entropy()));
    let batch = ms(t);
    println!(
        "{} bytes, {} G2 points, {} threads; sha256 {digest}",
        data.len(),
        points.len(),
        rayon::current_num_threads()
    );
    println!(
        "hash {hash:.0} ms ({:.0} MB/s), read on-curve only {read:.0} ms, batched subgroup check {batch:.0} ms",
        data.len() as f64 / hash / 1e3
    );
    if per_point {
        let t = Instant::now();
        assert_eq!(g2_first_outside_subgroup(points), None);
        println!("per-point subgroup checks {:.0} ms", ms(t));
    }
}
