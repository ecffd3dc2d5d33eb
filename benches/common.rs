//! Shared by the criterion benches: sizes from the environment, seeded inputs.
//!
//! `KILN_BENCH_LOG_SIZES=A..B` (inclusive) picks the sizes, so the same bench runs small in CI
//! and large on a big machine; the default is 10..16.

use ark_std::rand::{rngs::StdRng, SeedableRng};

pub fn log_sizes() -> std::ops::RangeInclusive<u32> {
    let spec = std::env::var("KILN_BENCH_LOG_SIZES").unwrap_or_else(|_| "10..16".into());
    let (a, b) = spec.split_once("..").unwrap_or((&spec, &spec));
    let parse = |s: &str| {
        s.trim()
            .trim_start_matches('=')
            .parse::<u32>()
            .expect("KILN_BENCH_LOG_SIZES is A..B")
    };
    parse(a)..=parse(b)
}

pub fn rng() -> StdRng {
    StdRng::seed_from_u64(0x6b696c6e)
}
