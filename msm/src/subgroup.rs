//! G2 subgroup membership of many points at once: what makes a large proving key's B query
//! (one G2 point per signal) cheap to check.
//!
//! Checking each point costs a 127-bit scalar multiplication (arkworks' test from section 4.3 of
//! <https://eprint.iacr.org/2022/352>, `psi(P) == [6x^2]P`, already the cheapest known per-point
//! test for BN254's G2). [`g2_all_in_subgroup`] instead forms random linear combinations of all
//! the points with one bucket pass (the work of one multi-scalar multiplication with 128-bit
//! scalars) and checks only those, with the same endomorphism test.
//!
//! # Why this is sound (the numbers)
//!
//! The twist `E'(Fq2)` that holds G2 has `r * h` points, where `r` is G2's prime order and the
//! cofactor `h = 2q - r` (q: the base field's prime) factors into four primes (sympy's
//! `factorint`, checked by this module's tests):
//!
//! ```text
//! h = 10069 * 5864401 * 1875725156269 * 197620364512881247228717050342013327560683201906968909
//!     (2^13.3)  (2^22.5)   (2^40.8)        (2^177.1)
//! ```
//!
//! `r * h` is square-free and `gcd(r, h) = 1`, so the group is cyclic and every point on the
//! twist is uniquely `P = Q + T` with `Q` in G2 and `T` of order dividing `h`; `P` is in G2 iff
//! `T = 0`. A bad point has `T != 0`, so for some prime `l | h` its `l`-part `T_l` has order
//! exactly `l`: points of small order (`l = 10069`), of order `r * l`, of large order: all are
//! this case.
//!
//! A single random combination `S = sum c_i P_i` is **not** enough: its `l`-part is
//! `sum c_i T_{i,l}`, which vanishes with probability about `1/l` whatever the coefficients'
//! size, `2^-13.3` for `l = 10069`. (Multiplying `S` by the cofactor's small part would not help
//! either: it kills exactly the components one has to see.) So the test draws each coefficient
//! as `W` independent uniform `c`-bit digits, `c_i = sum_w d_{i,w} 2^(c w)` with `c * W >= 128`,
//! and checks every *window sum* `S_w = sum_i d_{i,w} P_i` for membership: `W` independent
//! combinations, which Pippenger's bucket method computes anyway on the way to `S` (and all
//! `S_w` in G2 implies `S` in G2). Fix a bad point `j` and all other digits: `S_w`'s `l`-part is
//! zero only if `d_{j,w} T_{j,l}` equals one fixed point, which holds for at most
//! `ceil(2^c / l)` of the `2^c` digit values (the solutions form one residue class mod `l`).
//! The windows' digits are independent, so a key with any bad point passes with probability at
//! most
//!
//! ```text
//! (ceil(2^c / 10069) / 2^c)^W    (the smallest prime is the worst case)
//! ```
//!
//! which is `2^-130` for `c <= 13` (`W = ceil(128 / c)`), `2^-117` for `c = 15` and `2^-105.5`
//! for `c = 16` (`W = 8`, `7 / 65536` per window), the widest window used: always below
//! [`MAX_FALSE_ACCEPT_LOG2`] = -100 ([`false_accept_log2`], tested for every width used).
//! The digits come from a CSPRNG freshly seeded per call, so whoever wrote the key cannot
//! predict them. The window sums are exact group operations (the CPU MSM's batched affine
//! additions treat doublings and `P + (-P)` apart, their XYZZ overflow uses arkworks' complete
//! formulas, and the twist has no points of order 2), so nothing but the digits is
//! probabilistic.
//!
//! Preconditions: every point is on the twist (decoders check that first, per point, because
//! the argument above needs the group law). When the batch fails, [`g2_first_outside_subgroup`]
//! finds the first bad point with per-point checks, for the error message.

use ark_bn254::{g2, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_std::rand::{rngs::StdRng, CryptoRng, Rng, RngCore, SeedableRng};
use rayon::prelude::*;

use crate::cpu::buckets::{AffineBuckets, Buckets};
use crate::cpu::schedule::MAX_BATCH;

/// The prime factors of the G2 cofactor `h = 2q - r`, smallest first (see the module docs).
pub const G2_COFACTOR_PRIMES: [ark_ff::BigInt<4>; 4] = [
    ark_ff::BigInt!("10069"),
    ark_ff::BigInt!("5864401"),
    ark_ff::BigInt!("1875725156269"),
    ark_ff::BigInt!("197620364512881247228717050342013327560683201906968909"),
];

/// The smallest prime factor of the G2 cofactor: the worst case of the soundness bound.
const SMALLEST_COFACTOR_PRIME: u64 = 10069;

/// Bits of randomness per point, across all windows (the coefficient size).
pub const COEFFICIENT_BITS: u32 = 128;

/// The batch test accepts a set with a point outside G2 with probability at most
/// `2^MAX_FALSE_ACCEPT_LOG2`.
pub const MAX_FALSE_ACCEPT_LOG2: f64 = -100.0;

/// The window widths [`g2_all_in_subgroup`] picks from (digits are `u16`).
const WINDOW_BITS: std::ops::RangeInclusive<u32> = 8..=16;

/// log2 of the probability that the batch test with `c`-bit windows accepts a set holding a
/// point outside G2 (see the module docs): `W * log2(ceil(2^c / 10069) / 2^c)`,
/// `W = ceil(128 / c)`.
pub fn false_accept_log2(c: u32) -> f64 {
    let windows = COEFFICIENT_BITS.div_ceil(c);
    let values = 1u64 << c;
    let per_window = values.div_ceil(SMALLEST_COFACTOR_PRIME) as f64 / values as f64;
    f64::from(windows) * per_window.log2()
}

/// The window width for a chunk of `len` points: the cheapest sound one. A window of `c` bits
/// costs `W = ceil(128 / c)` passes of one batched affine addition per point, and `2 * 2^c`
/// XYZZ additions (about twice as dear) to sum its buckets.
fn window_bits(len: usize) -> u32 {
    WINDOW_BITS
        .filter(|&c| false_accept_log2(c) <= MAX_FALSE_ACCEPT_LOG2)
        .min_by_key(|&c| {
            let windows = COEFFICIENT_BITS.div_ceil(c) as usize;
            windows * (len + 4 * (1usize << c))
        })
        .expect("some window width is sound")
}

/// Whether every point of `points` (each already known to be on the twist) is in G2, with
/// false-accept probability at most `2^-100` (module docs); a `true` answer for a set that
/// has a bad point needs the digits drawn from `rng` to be predictable, so `rng` must be a
/// CSPRNG seeded afresh (the [`CryptoRng`] bound). A `false` answer is always right: some
/// window sum, hence some point, is outside G2.
pub fn g2_all_in_subgroup<R: RngCore + CryptoRng>(points: &[G2Affine], rng: &mut R) -> bool {
    if points.is_empty() {
        return true;
    }
    // One chunk per thread: each chunk sums all windows of its points with its own buckets,
    // and the chunks' window sums are added (a window sum is linear in the points).
    let chunk_len = points.len().div_ceil(rayon::current_num_threads().max(1));
    let c = window_bits(chunk_len);
    let windows = COEFFICIENT_BITS.div_ceil(c) as usize;
    // Each chunk draws its digits from its own ChaCha stream, seeded from `rng`: parallel and
    // still unpredictable (StdRng is ChaCha12, a CSPRNG).
    let seeds: Vec<[u8; 32]> = (0..points.len().div_ceil(chunk_len))
        .map(|_| rng.gen())
        .collect();
    let sums = points
        .par_chunks(chunk_len)
        .zip(seeds.par_iter())
        .map(|(chunk, seed)| window_sums(chunk, c, windows, &mut StdRng::from_seed(*seed)))
        .reduce(
            || vec![G2Projective::default(); windows],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    G2Projective::normalize_batch(&sums)
        .iter()
        .all(|s| s.is_in_correct_subgroup_assuming_on_curve())
}

/// `S_w = sum_i d_{i,w} P_i` for each window `w`, with fresh uniform `c`-bit digits `d`: one
/// window of kiln's CPU MSM each ([`crate::cpu::buckets::AffineBuckets`], batched affine
/// additions sharing one inversion), with bucket `d - 1` collecting the points of digit `d`.
fn window_sums(points: &[G2Affine], c: u32, windows: usize, rng: &mut StdRng) -> Vec<G2Projective> {
    let mut digits = vec![0u16; points.len() * windows];
    rng.fill(&mut digits[..]);
    let mask = ((1u32 << c) - 1) as u16;
    (0..windows)
        .map(|w| {
            let mut buckets = AffineBuckets::<g2::Config>::new((1 << c) - 1, MAX_BATCH);
            for (p, d) in points.iter().zip(digits.iter().skip(w).step_by(windows)) {
                let d = d & mask;
                if d != 0 {
                    buckets.add(usize::from(d) - 1, p, false);
                }
            }
            buckets.window_sum()
        })
        .collect()
}

/// The index of the first point of `points` (each on the twist) outside G2, by per-point checks
/// in parallel; `None` if all are in G2.
pub fn g2_first_outside_subgroup(points: &[G2Affine]) -> Option<usize> {
    points
        .par_iter()
        .position_first(|p| !p.is_in_correct_subgroup_assuming_on_curve())
}

/// Points on the twist outside G2, for tests that a checker refuses them.
pub mod twist {
    use super::*;
    use ark_bn254::{Fq2, Fr};
    use ark_ff::{PrimeField, UniformRand, Zero};

    /// A uniformly random point of the twist `E'(Fq2)` (order `r * h`): outside G2 unless its
    /// cofactor part happens to vanish (probability `1/h`).
    pub fn random_point<R: Rng>(rng: &mut R) -> G2Affine {
        loop {
            if let Some(p) = G2Affine::get_point_from_x_unchecked(Fq2::rand(rng), rng.gen()) {
                return p;
            }
        }
    }

    /// A random point of order exactly `l`, one of [`G2_COFACTOR_PRIMES`] (`index` into it):
    /// a random twist point times `r` and every other cofactor prime.
    pub fn point_of_cofactor_order<R: Rng>(index: usize, rng: &mut R) -> G2Affine {
        loop {
            let mut t = random_point(rng).mul_bigint(Fr::MODULUS);
            for (i, l) in G2_COFACTOR_PRIMES.iter().enumerate() {
                if i != index {
                    t = t.mul_bigint(l);
                }
            }
            if !t.is_zero() {
                return t.into_affine();
            }
        }
    }

    /// A point of G2 plus a point of order `l` (`index` into [`G2_COFACTOR_PRIMES`]): order
    /// `r * l`, the bad point that is closest to a good one.
    pub fn point_of_order_r_times<R: Rng>(index: usize, rng: &mut R) -> G2Affine {
        let q = G2Affine::generator().mul_bigint(Fr::rand(rng).into_bigint());
        (q + point_of_cofactor_order(index, rng)).into_affine()
    }
}

#[cfg(test)]
mod tests {
    use super::twist::*;
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{AdditiveGroup, BigInteger, PrimeField, UniformRand, Zero};
    use num_bigint::BigUint;

    fn big(x: &ark_ff::BigInt<4>) -> BigUint {
        BigUint::from_bytes_le(&x.to_bytes_le())
    }

    #[test]
    fn the_cofactor_factorisation_is_right() {
        let q = big(&ark_bn254::Fq::MODULUS);
        let r = big(&Fr::MODULUS);
        let h = BigUint::from(2u32) * &q - &r;
        let product = G2_COFACTOR_PRIMES
            .iter()
            .map(big)
            .fold(BigUint::from(1u32), |a, b| a * b);
        assert_eq!(product, h);
        assert_eq!(
            big(&G2_COFACTOR_PRIMES[0]),
            BigUint::from(SMALLEST_COFACTOR_PRIME)
        );
        // Each factor is prime (Miller-Rabin, bases 2..40), and distinct from r: the group of
        // order r * h is cyclic, as the soundness argument uses.
        for l in G2_COFACTOR_PRIMES.iter().map(big) {
            assert!(probably_prime(&l), "{l} is not prime");
            assert_ne!(l, r);
        }
        assert!(G2_COFACTOR_PRIMES.windows(2).all(|w| w[0] < w[1]));
    }

    fn probably_prime(n: &BigUint) -> bool {
        let one = BigUint::from(1u32);
        let m = n - &one;
        let s = m.trailing_zeros().unwrap_or(0);
        let d = &m >> s;
        (2u32..40).all(|a| {
            let a = BigUint::from(a) % n;
            if a == BigUint::from(0u32) {
                return true;
            }
            let mut x = a.modpow(&d, n);
            if x == one || x == m {
                return true;
            }
            for _ in 1..s {
                x = x.modpow(&BigUint::from(2u32), n);
                if x == m {
                    return true;
                }
            }
            false
        })
    }

    #[test]
    fn every_window_width_used_is_sound() {
        for c in WINDOW_BITS {
            let bound = false_accept_log2(c);
            assert!(bound <= MAX_FALSE_ACCEPT_LOG2, "c = {c}: 2^{bound:.1}");
            assert!(c * COEFFICIENT_BITS.div_ceil(c) >= COEFFICIENT_BITS);
        }
        assert!((false_accept_log2(16) - -105.5).abs() < 0.1);
        assert!((false_accept_log2(13) - -130.0).abs() < 1e-9);
        for len in [1, 100, 10_000, 1 << 20, 1 << 26] {
            assert!(WINDOW_BITS.contains(&window_bits(len)));
        }
    }

    #[test]
    fn the_bad_points_are_what_they_claim() {
        let mut rng = kiln_host::conformance::seeded_rng("the_bad_points_are_what_they_claim");
        let r = Fr::MODULUS;
        for (index, l) in G2_COFACTOR_PRIMES.iter().enumerate() {
            let t = point_of_cofactor_order(index, &mut rng);
            assert!(t.is_on_curve() && !t.is_zero());
            assert!(t.mul_bigint(l).is_zero());
            assert!(!t.is_in_correct_subgroup_assuming_on_curve());
            let p = point_of_order_r_times(index, &mut rng);
            assert!(!p.mul_bigint(r).is_zero());
            assert!(!p.is_in_correct_subgroup_assuming_on_curve());
        }
        let p = random_point(&mut rng);
        assert!(p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve());
        // The endomorphism test agrees with the definition ([r]P = 0) on these and on G2.
        let g = G2Affine::generator().mul_bigint(Fr::rand(&mut rng).into_bigint());
        assert!(g.into_affine().mul_bigint(r).is_zero());
        assert!(g.into_affine().is_in_correct_subgroup_assuming_on_curve());
    }

    fn good_points(n: usize, rng: &mut StdRng) -> Vec<G2Affine> {
        // Multiples of one random point by random scalars: cheap, and all in G2.
        let base = G2Affine::generator().mul_bigint(Fr::rand(rng).into_bigint());
        let step = base.into_affine();
        let mut acc = base;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            acc += step;
            if i % 7 == 3 {
                acc = acc.double();
            }
            out.push(acc);
        }
        let mut out = G2Projective::normalize_batch(&out);
        if n > 5 {
            out[5] = G2Affine::zero(); // infinity is in G2
        }
        out
    }

    /// The batch test against per-point checks on random sets, with and without one bad point
    /// of each kind, at random indices and at both ends.
    #[test]
    fn the_batch_test_agrees_with_per_point_checks() {
        let mut rng =
            kiln_host::conformance::seeded_rng("the_batch_test_agrees_with_per_point_checks");
        let mut batch_rng = StdRng::from_entropy();
        for n in [1usize, 2, 3, 64, 1000, 3000] {
            let points = good_points(n, &mut rng);
            assert!(g2_all_in_subgroup(&points, &mut batch_rng), "n {n}");
            assert_eq!(g2_first_outside_subgroup(&points), None);
            let kinds: Vec<(&str, G2Affine)> = vec![
                ("order 10069", point_of_cofactor_order(0, &mut rng)),
                ("order 5864401", point_of_cofactor_order(1, &mut rng)),
                ("order 1875725156269", point_of_cofactor_order(2, &mut rng)),
                ("order 2^177 prime", point_of_cofactor_order(3, &mut rng)),
                ("order r*10069", point_of_order_r_times(0, &mut rng)),
                ("order r*h/10069 (random)", random_point(&mut rng)),
            ];
            for (kind, bad) in kinds {
                for at in [0, n - 1, rng.gen_range(0..n)] {
                    let mut set = points.clone();
                    set[at] = bad;
                    assert!(
                        !g2_all_in_subgroup(&set, &mut batch_rng),
                        "{kind} at {at} of {n} accepted"
                    );
                    assert_eq!(g2_first_outside_subgroup(&set), Some(at));
                }
            }
        }
        assert!(g2_all_in_subgroup(&[], &mut batch_rng));
    }
    /// Many bad points of the smallest order that cancel in a plain sum still fail.
    #[test]
    fn bad_points_that_cancel_in_a_plain_sum_are_found() {
        let mut rng =
            kiln_host::conformance::seeded_rng("bad_points_that_cancel_in_a_plain_sum_are_found");
        let mut batch_rng = StdRng::from_entropy();
        let mut points = good_points(2000, &mut rng);
        let t = point_of_cofactor_order(0, &mut rng);
        let minus_t = -t;
        for i in 0..50 {
            points[40 * i] = (points[40 * i] + t).into_affine();
            points[40 * i + 1] = (points[40 * i + 1] + minus_t).into_affine();
        }
        let sum: G2Projective = points.iter().map(|p| p.into_group()).sum();
        assert!(sum.into_affine().is_in_correct_subgroup_assuming_on_curve());
        assert!(!g2_all_in_subgroup(&points, &mut batch_rng));
        assert_eq!(g2_first_outside_subgroup(&points), Some(0));
    }
}
