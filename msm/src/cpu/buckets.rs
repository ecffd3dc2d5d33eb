//! Bucket accumulators: where the O(n) part of the bucket method spends its time.
//!
//! Two kinds, chosen per MSM by the cost model ([`super::schedule`]):
//!
//! - [`AffineBuckets`]: buckets kept in affine coordinates. Additions are queued into a batch
//!   that shares one field inversion (Montgomery's trick), so an addition costs about
//!   `6M + 1S` instead of the `8M + 2S` of a mixed XYZZ addition; the batch is
//!   [`kiln_field::ChordBatch`]'s, eight additions abreast with AVX-512 IFMA where the CPU has
//!   it. A bucket can only take part in one addition per batch; a point for a bucket already in
//!   the batch waits for the next batch in a queue of at most one batch's size. When that queue
//!   is full (skewed scalars: every digit in one bucket), the point is added at once into a
//!   lazily allocated XYZZ overflow bucket instead, so skew costs XYZZ speed, never an unbounded
//!   queue, and uniform scalars never touch the overflow.
//! - [`XyzzBuckets`]: arkworks' extended Jacobian buckets ([`Bucket`]), `8M + 2S` per mixed
//!   addition with no batching: the better choice for small windows, where a batch would keep
//!   hitting the same few buckets.
//!
//! Both end with `window_sum`: `sum_b b * B_b` by running sums, for affine buckets as batched
//! affine additions over segments of the buckets ([`running_sum`]), for XYZZ buckets as one
//! chain of XYZZ additions.

use std::collections::HashMap;

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use kiln_field::ChordBatch;

use super::running_sum;
use super::schedule::BucketCosts;

/// Batches run after the last point, at most, before the points still pending go to the
/// overflow: each batch takes every pending point whose bucket is not taken twice, so uniform
/// digits are done in two or three, and only piled-up ones reach the overflow.
const FINAL_BATCHES: usize = 8;

/// A bucket accumulator: `add` a point to a bucket, then take the window's weighted sum.
pub trait Buckets<P: SWCurveConfig> {
    /// Adds `point`, negated when `negate` (a negative digit), to bucket `bucket` (digit
    /// `bucket + 1`). The point is read where it lies: a negated copy is made only where one
    /// is kept (an empty bucket, the pending queue); a chord entry takes `-y` directly.
    fn add(&mut self, bucket: usize, point: &Affine<P>, negate: bool);

    /// `sum_b (b + 1) * B_b`, after every pending addition.
    fn window_sum(self) -> Projective<P>;
}

/// Affine buckets with batched inversions.
pub struct AffineBuckets<P: SWCurveConfig> {
    buckets: Vec<Affine<P>>,
    /// XYZZ sums of points that found their bucket in the batch and the queue full, or that
    /// are no chord of their bucket (`P + P`, `P + (-P)`), by bucket. A map, not an array
    /// beside the buckets: it is needed by few buckets (skewed scalars pile into a handful;
    /// repeated points are rare), and a full array would double a task's bucket memory.
    overflow: HashMap<u32, Bucket<P>>,
    /// Points whose bucket was in the batch: they join the next batch (at most `batch_size`).
    pending: Vec<(u32, Affine<P>)>,
    /// An empty vector with `pending`'s capacity, swapped in while the pending points rejoin.
    spare: Vec<(u32, Affine<P>)>,
    /// One bit per bucket: set while the bucket has an addition in the batch.
    in_batch: Vec<u64>,
    /// The batch's chord additions `[x1, y1, x2, y2]` (bucket, then point), and their
    /// buckets. A bucket in the batch changes only when the batch runs, so its entry can be
    /// taken when the point arrives.
    chords: Vec<[P::BaseField; 4]>,
    chord_buckets: Vec<u32>,
    batch_size: usize,
}

impl<P: SWCurveConfig> AffineBuckets<P>
where
    P::BaseField: ChordBatch,
{
    /// `buckets` empty buckets, flushing additions `batch_size` at a time.
    pub fn new(buckets: usize, batch_size: usize) -> Self {
        let batch_size = batch_size.clamp(1, buckets.max(1));
        AffineBuckets {
            buckets: vec![Affine::identity(); buckets],
            overflow: HashMap::new(),
            in_batch: vec![0; buckets.div_ceil(64)],
            chords: Vec::with_capacity(batch_size),
            chord_buckets: Vec::with_capacity(batch_size),
            pending: Vec::with_capacity(batch_size),
            spare: Vec::with_capacity(batch_size),
            batch_size,
        }
    }

    #[inline]
    fn is_in_batch(&self, bucket: usize) -> bool {
        self.in_batch[bucket / 64] >> (bucket % 64) & 1 == 1
    }

    #[inline]
    fn add_to_overflow(&mut self, bucket: usize, point: &Affine<P>) {
        *self.overflow.entry(bucket as u32).or_default() += point;
    }

    /// Queues `point` for bucket `bucket`: into the batch, the pending queue if the bucket is
    /// in the batch, the overflow if that queue is full too; or straight into an empty bucket.
    /// The rare additions that are no chord (the point equals its bucket or is its negation)
    /// go to the bucket's XYZZ overflow, which handles both.
    #[inline]
    fn queue(&mut self, bucket: usize, point: &Affine<P>, negate: bool) {
        let signed = |p: &Affine<P>| if negate { -*p } else { *p };
        if self.is_in_batch(bucket) {
            if self.pending.len() < self.batch_size {
                self.pending.push((bucket as u32, signed(point)));
            } else {
                self.add_to_overflow(bucket, &signed(point));
            }
        } else if self.buckets[bucket].is_zero() {
            self.buckets[bucket] = signed(point);
        } else {
            let a = &self.buckets[bucket];
            if a.x == point.x {
                self.add_to_overflow(bucket, &signed(point));
            } else {
                let y2 = if negate { -point.y } else { point.y };
                self.chords.push([a.x, a.y, point.x, y2]);
                self.chord_buckets.push(bucket as u32);
                self.in_batch[bucket / 64] |= 1u64 << (bucket % 64);
            }
        }
    }

    /// Runs the batch, then moves the pending points into the next one (those whose bucket
    /// is taken again stay pending).
    fn flush(&mut self) {
        self.run_batch();
        let mut pending = std::mem::replace(&mut self.pending, std::mem::take(&mut self.spare));
        for (b, p) in pending.drain(..) {
            self.queue(b as usize, &p, false);
        }
        self.spare = pending;
    }

    /// Every addition still queued: a few more batches while the pending points spread over
    /// many buckets, then the overflow for what still piles into a few.
    fn drain(&mut self) {
        for _ in 0..FINAL_BATCHES {
            if self.chord_buckets.is_empty() && self.pending.is_empty() {
                return;
            }
            self.flush();
        }
        self.run_batch();
        for (b, p) in std::mem::take(&mut self.pending) {
            self.add_to_overflow(b as usize, &p);
        }
    }

    /// Performs every queued addition as one batch of chord additions sharing one inversion
    /// ([`ChordBatch`]: eight abreast where the CPU has AVX-512 IFMA, else one at a time).
    fn run_batch(&mut self) {
        if self.chord_buckets.is_empty() {
            return;
        }
        P::BaseField::chord_batch(&mut self.chords);
        for (&b, [x3, y3, ..]) in self.chord_buckets.iter().zip(&self.chords) {
            let b = b as usize;
            self.buckets[b] = Affine::new_unchecked(*x3, *y3);
            self.in_batch[b / 64] &= !(1u64 << (b % 64));
        }
        self.chords.clear();
        self.chord_buckets.clear();
    }
}

impl<P: SWCurveConfig> Buckets<P> for AffineBuckets<P>
where
    P::BaseField: ChordBatch,
{
    #[inline]
    fn add(&mut self, bucket: usize, point: &Affine<P>, negate: bool) {
        if point.is_zero() {
            return;
        }
        self.queue(bucket, point, negate);
        if self.chord_buckets.len() >= self.batch_size {
            self.flush();
        }
    }

    fn window_sum(mut self) -> Projective<P> {
        self.drain();
        running_sum::fold_overflow(&mut self.buckets, self.overflow.drain());
        let inversion = BucketCosts::inversion_of::<P::BaseField>();
        let segments = running_sum::segments(self.buckets.len(), inversion);
        running_sum::window_sum(&self.buckets, segments)
    }
}

/// XYZZ buckets: no batching.
pub struct XyzzBuckets<P: SWCurveConfig> {
    buckets: Vec<Bucket<P>>,
}

impl<P: SWCurveConfig> XyzzBuckets<P> {
    pub fn new(buckets: usize) -> Self {
        XyzzBuckets {
            buckets: vec![Bucket::default(); buckets],
        }
    }
}

impl<P: SWCurveConfig> Buckets<P> for XyzzBuckets<P> {
    #[inline]
    fn add(&mut self, bucket: usize, point: &Affine<P>, negate: bool) {
        if negate {
            self.buckets[bucket] -= point;
        } else {
            self.buckets[bucket] += point;
        }
    }

    fn window_sum(self) -> Projective<P> {
        let mut running = Bucket::<P>::default();
        let mut sum = Bucket::<P>::default();
        for b in self.buckets.iter().rev() {
            running += b;
            sum += &running;
        }
        sum.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{g1, g2};
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::Rng;
    use kiln_host::conformance::seeded_rng;

    /// The naive weighted sum of `additions` into `buckets` buckets.
    fn naive<P: SWCurveConfig>(buckets: usize, additions: &[(usize, Affine<P>)]) -> Projective<P> {
        let mut b = vec![Projective::<P>::default(); buckets];
        for (i, p) in additions {
            b[*i] += p;
        }
        crate::reduce::window_sum(&b)
    }

    /// Additions that hit every special case of batched affine addition: P + P, P + (-P),
    /// the identity, many points into one bucket, and plain random points.
    fn additions<P: SWCurveConfig>(rng: &mut impl Rng, buckets: usize) -> Vec<(usize, Affine<P>)>
    where
        P::ScalarField: UniformRand,
    {
        let g = Affine::<P>::generator();
        let random = |rng: &mut _| (g * P::ScalarField::rand(rng)).into_affine();
        let mut out = Vec::new();
        for _ in 0..400 {
            let p = random(rng);
            let b = rng.gen_range(0..buckets);
            match rng.gen_range(0..6) {
                0 => out.extend([(b, p), (b, p)]),
                1 => out.extend([(b, p), (b, -p)]),
                2 => out.extend([(b, p), (b, p), (b, -p), (b, -p), (b, p)]),
                3 => out.push((b, Affine::identity())),
                4 => out.extend((0..20).map(|_| (0, p))),
                _ => out.push((b, p)),
            }
        }
        out
    }

    fn check<P: SWCurveConfig>(label: &str)
    where
        P::ScalarField: UniformRand,
        P::BaseField: ChordBatch,
    {
        let mut rng = seeded_rng(label);
        for (buckets, batch) in [(1, 1), (4, 2), (16, 8), (64, 16), (256, 64), (256, 256)] {
            // Each point goes in as itself or as its negation with `negate` (the naive sum
            // gets the negated point), so both paths of `add` meet every special case.
            let adds: Vec<(usize, Affine<P>, bool)> = additions::<P>(&mut rng, buckets)
                .into_iter()
                .map(|(b, p)| (b, p, rng.gen_bool(0.5)))
                .collect();
            let mut affine = AffineBuckets::<P>::new(buckets, batch);
            let mut xyzz = XyzzBuckets::<P>::new(buckets);
            for (b, p, negate) in &adds {
                affine.add(*b, p, *negate);
                xyzz.add(*b, p, *negate);
            }
            let adds: Vec<(usize, Affine<P>)> = adds
                .into_iter()
                .map(|(b, p, negate)| (b, if negate { -p } else { p }))
                .collect();
            let want = naive(buckets, &adds).into_affine();
            assert_eq!(
                affine.window_sum().into_affine(),
                want,
                "{label}: affine, {buckets} buckets, batch {batch}"
            );
            assert_eq!(
                xyzz.window_sum().into_affine(),
                want,
                "{label}: xyzz, {buckets} buckets"
            );
        }
    }

    #[test]
    fn g1_buckets_match_naive_sums_on_every_special_case() {
        check::<g1::Config>("buckets g1");
    }

    #[test]
    fn g2_buckets_match_naive_sums_on_every_special_case() {
        check::<g2::Config>("buckets g2");
    }
}
