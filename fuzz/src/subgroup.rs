//! Fuzzer bytes as sets of twist points for the batched G2 subgroup check.
//!
//! Bad points come from a small pool made once per process (points of each cofactor prime's
//! order, uniformly random twist points), shifted by fuzzer-chosen multiples of G2's generator
//! (order `r * l`: the bad points closest to good ones); good points are multiples of the
//! generator; repeats and negations let a bad point cancel against itself in a bucket.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use ark_bn254::{Fr, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_msm::subgroup::{twist, G2_COFACTOR_PRIMES};

/// At most this many points per input.
pub const MAX_POINTS: usize = 64;

#[derive(Arbitrary, Debug)]
pub struct SubgroupInput {
    /// Seeds the check's own random digits.
    pub seed: u64,
    pub points: Vec<G2Choice>,
}

#[derive(Arbitrary, Debug)]
pub enum G2Choice {
    /// `k * G2`: in G2.
    InG2(u32),
    /// A pool point plus `k * G2`: outside G2.
    Bad {
        pool: u8,
        plus: u32,
    },
    Repeat(u8),
    Negate(u8),
    Infinity,
}

/// Twist points outside G2: one of each cofactor prime's order, and two random ones.
fn bad_pool() -> &'static [G2Affine] {
    static POOL: OnceLock<Vec<G2Affine>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(20);
        let mut pool: Vec<G2Affine> = (0..G2_COFACTOR_PRIMES.len())
            .map(|i| twist::point_of_cofactor_order(i, &mut rng))
            .collect();
        pool.extend((0..2).map(|_| twist::random_point(&mut rng)));
        pool
    })
}

/// The input's points, each on the twist.
pub fn decode(input: &SubgroupInput) -> Vec<G2Affine> {
    let g = G2Projective::generator();
    let mut points: Vec<G2Affine> = Vec::new();
    for choice in input.points.iter().take(MAX_POINTS) {
        let earlier = |i: u8| (!points.is_empty()).then(|| points[usize::from(i) % points.len()]);
        let p = match *choice {
            G2Choice::InG2(k) => (g * Fr::from(k)).into_affine(),
            G2Choice::Bad { pool, plus } => {
                let bad = bad_pool();
                (g * Fr::from(plus) + bad[usize::from(pool) % bad.len()]).into_affine()
            }
            G2Choice::Repeat(i) => earlier(i).unwrap_or(G2Affine::generator()),
            G2Choice::Negate(i) => -earlier(i).unwrap_or(G2Affine::generator()),
            G2Choice::Infinity => G2Affine::zero(),
        };
        points.push(p);
    }
    points
}

/// Checks the batched test against per-point checks: `g2_all_in_subgroup` says yes exactly when
/// every point is in G2 (a false yes has probability 2^-100 per call), and
/// `g2_first_outside_subgroup` names the first bad point.
pub fn check(input: &SubgroupInput) {
    use kiln_msm::subgroup::{g2_all_in_subgroup, g2_first_outside_subgroup};
    let points = decode(input);
    let first_bad = points
        .iter()
        .position(|p| !p.is_in_correct_subgroup_assuming_on_curve());
    let mut rng = StdRng::seed_from_u64(input.seed);
    assert_eq!(
        g2_all_in_subgroup(&points, &mut rng),
        first_bad.is_none(),
        "batched check disagrees with per-point checks (first bad point: {first_bad:?})"
    );
    assert_eq!(g2_first_outside_subgroup(&points), first_bad);
}
