//! The weighted bucket sum `sum_b (b + 1) B_b` of affine buckets, by running sums whose
//! additions are batched affine chord additions.
//!
//! A single running sum (`S += B_b; T += S`, top bucket first) is a chain: each addition needs
//! the previous one's result, so it cannot share an inversion and costs two XYZZ additions per
//! bucket. Cutting the `m` buckets into `K` equal segments gives `K` independent chains that
//! step together; one step of all of them is `2K` affine additions sharing one inversion (and,
//! where the CPU has AVX-512 IFMA, running eight abreast: [`kiln_field::ChordBatch`]). The step
//! adds `S` into `T` before `B_b` into `S`, so both additions of a step read only the previous
//! step's values and go in the same batch.
//!
//! Segment `s` covers buckets `[s L, (s + 1) L)` with `L = m / K` and ends with
//! `S_s = sum B_b` and `T_s = sum (b - s L) B_b` (the `T += S` before `S += B_b` leaves out
//! one `S_s`). Its part of the window sum is `T_s + (s L + 1) S_s`, so
//!
//! `sum_b (b + 1) B_b = sum_s T_s + sum_s S_s + L * sum_s s S_s`,
//!
//! the last sum being itself a short running sum over the segments: `3K` XYZZ additions and
//! `log2 L` doublings for the whole window. [`segments`] picks `K` to balance the shared
//! inversion (fewer chains, more inversions) against that combination (more chains).
//!
//! Additions that are no chord (an identity operand, `P + P`, `P + (-P)`) are done one at a
//! time ([`PairBatch`]); on random buckets they do not occur, on adversarial ones they cost
//! an inversion each and stay correct.

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use kiln_field::ChordBatch;

/// What one segment costs the combination, in field multiplications: a full XYZZ addition of
/// `T_s`, and a mixed plus a full one for the running sum over the segments.
pub const SEGMENT_COST: f64 = 38.0;

/// The number of segments (a power of two, at most `buckets`) for `buckets` buckets when one
/// inversion costs `inversion` multiplications: the `K` minimising
/// `2 m * inversion / (2 K) + SEGMENT_COST * K`, rounded to a power of two.
pub fn segments(buckets: usize, inversion: f64) -> usize {
    let best = (buckets as f64 * inversion / SEGMENT_COST).sqrt();
    let k = if best < 1.0 {
        1
    } else {
        // The nearer power of two on a log scale.
        1usize << best.log2().round() as u32
    };
    k.clamp(1, buckets.max(1))
}

/// `sum_b (b + 1) buckets[b]` with about `k` chains (at least one). The segments' length is a
/// power of two, so the final multiplication by it is doublings; the top segment is padded with
/// empty buckets where the count does not divide.
pub fn window_sum<P: SWCurveConfig>(buckets: &[Affine<P>], k: usize) -> Projective<P>
where
    P::BaseField: ChordBatch,
{
    let m = buckets.len();
    if m == 0 {
        return Projective::default();
    }
    let len = m.div_ceil(k.max(1)).next_power_of_two();
    let k = m.div_ceil(len);
    let mut running = vec![Affine::<P>::identity(); k];
    let mut weighted = vec![Affine::<P>::identity(); k];
    let mut batch = PairBatch::<P>::with_capacity(2 * k);
    for step in 0..len {
        batch.clear();
        for s in 0..k {
            let bucket = buckets
                .get((s + 1) * len - 1 - step)
                .copied()
                .unwrap_or_default();
            batch.push(weighted[s], running[s]);
            batch.push(running[s], bucket);
        }
        let sums = batch.run();
        for s in 0..k {
            weighted[s] = sums[2 * s];
            running[s] = sums[2 * s + 1];
        }
    }
    // sum_s T_s + sum_s S_s + L * sum_s s S_s.
    let mut total = Bucket::<P>::default();
    let mut by_segment = Bucket::<P>::default();
    let mut above = Bucket::<P>::default();
    for s in (0..k).rev() {
        total += &weighted[s];
        total += &running[s];
        if s > 0 {
            above += &running[s];
            by_segment += &above;
        }
    }
    for _ in 0..len.trailing_zeros() {
        by_segment.double_in_place();
    }
    total += &by_segment;
    total.into()
}

/// Folds XYZZ overflow sums `(b, sum)` into the affine buckets they belong to: `buckets[b] +=
/// sum` (each `b` at most once), with one shared inversion to make the overflow sums affine and one batch of
/// additions.
pub fn fold_overflow<P: SWCurveConfig>(
    buckets: &mut [Affine<P>],
    overflow: impl IntoIterator<Item = (u32, Bucket<P>)>,
) where
    P::BaseField: ChordBatch,
{
    let (used, projective): (Vec<usize>, Vec<Projective<P>>) = overflow
        .into_iter()
        .filter(|(_, sum)| !sum.is_zero())
        .map(|(b, sum)| (b as usize, Projective::<P>::from(sum)))
        .unzip();
    if used.is_empty() {
        return;
    }
    let affine = Projective::normalize_batch(&projective);
    let mut batch = PairBatch::<P>::with_capacity(used.len());
    for (&b, p) in used.iter().zip(&affine) {
        batch.push(buckets[b], *p);
    }
    for (&b, sum) in used.iter().zip(batch.run()) {
        buckets[b] = *sum;
    }
}

/// A batch of affine additions `a + b`: the chords share one inversion, the rest (an identity
/// operand, equal or opposite points) are done on their own.
pub struct PairBatch<P: SWCurveConfig> {
    sums: Vec<Affine<P>>,
    /// `[x1, y1, x2, y2]` of each chord addition, and where its sum goes in `sums`.
    chords: Vec<[P::BaseField; 4]>,
    chord_slots: Vec<u32>,
}

impl<P: SWCurveConfig> PairBatch<P>
where
    P::BaseField: ChordBatch,
{
    pub fn with_capacity(pairs: usize) -> Self {
        PairBatch {
            sums: Vec::with_capacity(pairs),
            chords: Vec::with_capacity(pairs),
            chord_slots: Vec::with_capacity(pairs),
        }
    }

    pub fn clear(&mut self) {
        self.sums.clear();
        self.chords.clear();
        self.chord_slots.clear();
    }

    /// Queues `a + b`; its sum is the `i`-th of [`run`](Self::run)'s for the `i`-th push.
    #[inline]
    pub fn push(&mut self, a: Affine<P>, b: Affine<P>) {
        let sum = if a.is_zero() {
            b
        } else if b.is_zero() {
            a
        } else if a.x == b.x {
            // a = b (a doubling) or a = -b (the identity): rare, one inversion each.
            (a.into_group() + b).into_affine()
        } else {
            self.chords.push([a.x, a.y, b.x, b.y]);
            self.chord_slots.push(self.sums.len() as u32);
            Affine::identity()
        };
        self.sums.push(sum);
    }

    /// Every queued sum, in push order.
    pub fn run(&mut self) -> &[Affine<P>] {
        P::BaseField::chord_batch(&mut self.chords);
        for (&slot, [x3, y3, ..]) in self.chord_slots.iter().zip(&self.chords) {
            self.sums[slot as usize] = Affine::new_unchecked(*x3, *y3);
        }
        &self.sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{g1, g2, Fr};
    use ark_ec::{AdditiveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::Rng;
    use kiln_host::conformance::seeded_rng;

    /// Buckets with every special case of the chains: empty buckets, runs of equal buckets (so
    /// `S + B` doubles), a bucket that cancels the running sum, and random points.
    fn buckets<P: SWCurveConfig<ScalarField = Fr>>(rng: &mut impl Rng, m: usize) -> Vec<Affine<P>> {
        let g = Projective::<P>::generator();
        let mut out: Vec<Affine<P>> = (0..m)
            .map(|_| match rng.gen_range(0..5) {
                0 => Affine::identity(),
                _ => (g * Fr::rand(rng)).into_affine(),
            })
            .collect();
        if m >= 4 {
            // Top two equal: S = B at the second step of the top segment.
            out[m - 2] = out[m - 1];
            // A bucket next to its negation: their contributions cancel in the chain that
            // holds both (the explicit P + (-P) case is in `check` below).
            out[1] = -out[0];
            let all_same = out[2];
            for b in out.iter_mut().skip(2).take(m / 4) {
                *b = all_same;
            }
        }
        out
    }

    fn naive<P: SWCurveConfig>(buckets: &[Affine<P>]) -> Projective<P> {
        let as_groups: Vec<Projective<P>> = buckets.iter().map(|b| b.into_group()).collect();
        crate::reduce::window_sum(&as_groups)
    }

    fn check<P: SWCurveConfig<ScalarField = Fr>>(label: &str)
    where
        P::BaseField: ChordBatch,
    {
        let mut rng = seeded_rng(label);
        for m in (0..=9).map(|log| 1usize << log).chain([3, 5, 255, 257]) {
            let b = buckets::<P>(&mut rng, m);
            let want = naive(&b).into_affine();
            for log_k in 0..=m.ilog2() + 1 {
                assert_eq!(
                    window_sum(&b, 1 << log_k).into_affine(),
                    want,
                    "{label}: {m} buckets, {} segments",
                    1 << log_k
                );
            }
        }
        // A running sum that returns to the identity and a bucket equal to it.
        let p = (Projective::<P>::generator() * Fr::rand(&mut rng)).into_affine();
        let b = vec![
            p,
            -p,
            p,
            p,
            -p,
            p,
            (p.into_group().double()).into_affine(),
            p,
        ];
        for k in [1, 2, 4, 8] {
            assert_eq!(
                window_sum(&b, k),
                naive(&b),
                "{label}: cancellations, k={k}"
            );
        }
    }

    #[test]
    fn g1_segmented_sums_match_the_naive_weighted_sum() {
        check::<g1::Config>("running sum g1");
    }

    #[test]
    fn g2_segmented_sums_match_the_naive_weighted_sum() {
        check::<g2::Config>("running sum g2");
    }

    #[test]
    fn folding_overflow_adds_each_bucket_once() {
        let mut rng = seeded_rng("fold overflow");
        let g = g1::G1Affine::generator();
        let m = 64;
        let mut buckets: Vec<g1::G1Affine> = (0..m)
            .map(|i| match i % 4 {
                0 => g1::G1Affine::identity(),
                _ => (g * Fr::rand(&mut rng)).into_affine(),
            })
            .collect();
        let mut overflow = vec![Bucket::<g1::Config>::default(); m];
        for (b, o) in overflow.iter_mut().enumerate() {
            match b % 8 {
                // Empty, equal to the bucket (a doubling), its negation, or random.
                0 | 1 => {}
                2 => *o += &buckets[b],
                3 => *o += &-buckets[b],
                _ => *o += &(g * Fr::rand(&mut rng)).into_affine(),
            }
        }
        let want: Vec<g1::G1Affine> = buckets
            .iter()
            .zip(&overflow)
            .map(|(b, o)| (b.into_group() + Projective::from(*o)).into_affine())
            .collect();
        fold_overflow(
            &mut buckets,
            overflow.iter().enumerate().map(|(b, o)| (b as u32, *o)),
        );
        assert_eq!(buckets, want);
    }

    #[test]
    fn segment_counts_are_powers_of_two_within_range() {
        for log_m in 0..20 {
            let m = 1usize << log_m;
            for inversion in [80.0, 300.0] {
                let k = segments(m, inversion);
                assert!(k.is_power_of_two() && k <= m, "m={m} k={k}");
            }
        }
        assert!(segments(1 << 15, 300.0) > segments(1 << 15, 80.0));
    }
}
