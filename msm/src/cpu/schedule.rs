//! The cost model that picks a CPU MSM's window, accumulation and split into parallel tasks.
//!
//! Costs are counted in base-field multiplications (a squaring counts as one) per group
//! operation, from the formulas the accumulators use:
//!
//! | operation | cost |
//! | --- | ---: |
//! | mixed XYZZ addition (`Bucket += Affine`) | 10 |
//! | batched affine addition, before the shared inversion | 7 |
//! | the same on eight-lane IFMA ([`kiln_field::ifma`], where the CPU has it): G1, G2 | 3, 2 |
//! | one field inversion (shared by a batch; `field_ops`): Fq, Fq2 | 104, 27 |
//! | one bucket of the running-sum reduction of XYZZ buckets (mixed plus full XYZZ addition) | 24 |
//! | the same for affine buckets: two batched affine additions ([`super::running_sum`]) | 2 x (add + inversion / 2K) |
//! | one segment of that reduction (`K` segments per window) | 38 |
//! | a point queued again because its bucket is in the batch | 1 |
//! | the endomorphism of a GLV point, per addition of one (`x * beta`, measured) | 2 |
//! | splitting one scalar for GLV (fixed-width products) | 4 |
//!
//! The batch size weighs the shared inversion against collisions (points whose bucket is
//! already in the batch wait for the next one): [`Accumulation`]'s `for_buckets`.
//!
//! A plain MSM of `n` points with `c`-bit windows runs `windows(c) * k` tasks (every window
//! split into `k` chunks of points); each accumulates `n / k` points and reduces `2^(c-1)`
//! buckets. With `t` threads the tasks run in `ceil(tasks / t)` rounds, so the model prefers
//! shapes that keep every thread busy to the last round. Scratch memory (one bucket array per
//! running task) is bounded by a budget.
//!
//! With a fixed-base table ([`super::FixedBaseTable`]) every window's points are separate
//! precomputed points, so all windows share one set of buckets: `k` tasks over `n * windows`
//! points, `k` reductions, no doublings.

use crate::plan::{window_count, window_count_for, SCALAR_BITS};

use super::glv::HALF_BITS;
use super::running_sum;

use super::digits::MIN_WINDOW_BITS;

/// The widest window the CPU MSM uses: 2^19 buckets per task.
pub const MAX_CPU_WINDOW_BITS: u32 = 20;

/// Scratch memory the running tasks' buckets may take together, by default.
pub const DEFAULT_SCRATCH_BYTES: usize = 256 << 20;

const XYZZ_ADD: f64 = 10.0;
const AFFINE_ADD: f64 = 7.0;
/// A batched affine addition whose field work runs eight abreast, in multiplications of its
/// field: `field_ops` (batches of 256) measures the chord addition at 2.2 Fq multiplications
/// beside the inversion's share (serial: 7.3) and 1.7 Fq2 multiplications (serial: 6.1); the
/// batch's gathering into entries and back adds to both.
const LANE_AFFINE_ADD: f64 = 3.0;
const LANE_AFFINE_ADD_FQ2: f64 = 2.0;
/// One inversion in multiplications of its field ([`kiln_field::Invert`], safegcd), measured
/// by `field_ops` on machine B: 104 for Fq (2.1 µs against a 20 ns product; arkworks' binary
/// extended Euclid: 304), 27 for Fq2 (one Fq inversion and its norm against an 83 ns product).
const INVERSION: f64 = 104.0;
const INVERSION_FQ2: f64 = 27.0;
/// One bucket of an XYZZ running sum: a mixed and a full XYZZ addition.
const REDUCE_STEP: f64 = 24.0;
/// A point whose bucket is already in the batch goes through the queue once more (its share
/// of the bookkeeping, in multiplications).
const QUEUE_PASS: f64 = 1.0;
/// What a GLV MSM pays per addition of an endomorphism point (half its additions) beyond a
/// direct one: the multiplication `phi(P) = (beta x, y)` and a second digit's extraction. Set
/// from measurement, not counted: at 1 the model preferred the split at 2^16 points, where it
/// measured 1% to 4% slower on machine B (2 threads; BENCHMARKS.md); at 2 the model's choice
/// agrees with the measurements at 2^12 to 2^18, G1 and G2.
const ENDOMORPHISM: f64 = 2.0;
/// Splitting one scalar into its GLV halves.
const SPLIT: f64 = 4.0;
/// The smallest and largest batches of affine additions sharing one inversion.
const MIN_BATCH: usize = 16;
pub const MAX_BATCH: usize = 1024;

/// What the buckets of one curve cost: their size, and one batched affine addition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketCosts {
    /// Bytes per bucket (an affine point).
    pub bytes: usize,
    /// One batched affine addition before the shared inversion, in field multiplications.
    pub affine_add: f64,
    /// The inversion a batch shares, in field multiplications.
    pub inversion: f64,
}

impl BucketCosts {
    /// Buckets of `bytes` over a field of extension degree `degree` (1: `Fq`, 2: `Fq2`) whose
    /// affine additions run one at a time.
    pub const fn serial(bytes: usize, degree: u64) -> Self {
        BucketCosts {
            bytes,
            affine_add: AFFINE_ADD,
            inversion: if degree == 1 {
                INVERSION
            } else {
                INVERSION_FQ2
            },
        }
    }

    /// One inversion in `F`, in multiplications of `F` (measured for `Fq` and `Fq2`).
    pub fn inversion_of<F: ark_ff::Field>() -> f64 {
        if F::extension_degree() == 1 {
            INVERSION
        } else {
            INVERSION_FQ2
        }
    }

    /// The weighted sum of `buckets` affine buckets by batched running sums over segments
    /// ([`super::running_sum`]), in field multiplications.
    pub fn affine_reduction(&self, buckets: usize) -> f64 {
        let k = running_sum::segments(buckets, self.inversion) as f64;
        2.0 * buckets as f64 * (self.affine_add + self.inversion / (2.0 * k))
            + running_sum::SEGMENT_COST * k
    }

    /// The same, with the affine additions run eight abreast.
    pub const fn lanes(bytes: usize, degree: u64) -> Self {
        BucketCosts {
            affine_add: if degree == 1 {
                LANE_AFFINE_ADD
            } else {
                LANE_AFFINE_ADD_FQ2
            },
            ..Self::serial(bytes, degree)
        }
    }
}

/// How a task accumulates its bucket sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulation {
    /// Affine buckets, `batch` additions per shared inversion.
    Affine { batch: usize },
    /// XYZZ buckets.
    Xyzz,
}

/// One MSM's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub window_bits: u32,
    /// Chunks of points per window (plain MSM) or in all (fixed-base MSM).
    pub chunks: usize,
    pub accumulation: Accumulation,
    /// Split each scalar by the GLV endomorphism: `2n` points with half-size scalars. Plain
    /// MSMs only; a fixed-base table ignores it.
    pub glv: bool,
    /// The model's estimate of the critical path, in field multiplications.
    pub cost: u64,
}

impl Accumulation {
    /// The cheaper accumulation for `buckets` buckets, and its cost per addition.
    ///
    /// A batch can hold each bucket once; a point for a bucket already in it waits for the
    /// next batch. With the batch filling up uniformly, about `batch / (2 buckets)` of the
    /// points do, each paying one more pass through the queue. Large batches share the
    /// inversion more widely and queue more points.
    pub(crate) fn for_buckets(buckets: usize, costs: &BucketCosts) -> (Self, f64) {
        let mut best = (Accumulation::Xyzz, XYZZ_ADD);
        let mut batch = MIN_BATCH;
        while batch <= (buckets / 2).min(MAX_BATCH) {
            let collide = batch as f64 / (2.0 * buckets as f64);
            // A colliding point waits for the next batch: one more pass through the queue.
            let cost = costs.affine_add + costs.inversion / batch as f64 + collide * QUEUE_PASS;
            if cost < best.1 {
                best = (Accumulation::Affine { batch }, cost);
            }
            batch *= 2;
        }
        best
    }
}

impl Schedule {
    /// The cheapest shape for `n` points with full-size scalars on `threads` threads, with
    /// buckets costing `costs` and at most `scratch_bytes` of buckets alive at once.
    pub fn plain(n: usize, threads: usize, costs: BucketCosts, scratch_bytes: usize) -> Self {
        Self::for_scalar_bits(n, SCALAR_BITS, threads, costs, scratch_bytes)
    }

    /// As [`plain`](Self::plain), for scalars of at most `scalar_bits` bits: the cheaper of
    /// [`direct`](Self::direct) and [`glv`](Self::glv) (which only pays for scalars above its
    /// halves' size).
    pub fn for_scalar_bits(
        n: usize,
        scalar_bits: u32,
        threads: usize,
        costs: BucketCosts,
        scratch_bytes: usize,
    ) -> Self {
        let direct = Self::direct(n, scalar_bits, threads, costs, scratch_bytes);
        if scalar_bits <= HALF_BITS {
            return direct;
        }
        let split = Self::glv(n, threads, costs, scratch_bytes);
        if split.cost < direct.cost {
            split
        } else {
            direct
        }
    }

    /// The cheapest shape without the GLV split.
    pub fn direct(
        n: usize,
        scalar_bits: u32,
        threads: usize,
        costs: BucketCosts,
        scratch_bytes: usize,
    ) -> Self {
        Self::cheapest(n, threads, costs, scratch_bytes, 0.0, |c| {
            let windows = window_count_for(scalar_bits, c) as usize;
            (windows, windows * n)
        })
        .expect("the narrowest window always fits")
    }

    /// The cheapest shape with the GLV split: `2n` points with [`HALF_BITS`]-bit scalars.
    pub fn glv(n: usize, threads: usize, costs: BucketCosts, scratch_bytes: usize) -> Self {
        let split = Self::cheapest(n, threads, costs, scratch_bytes, ENDOMORPHISM / 2.0, |c| {
            let windows = window_count_for(HALF_BITS, c) as usize;
            (windows, windows * 2 * n)
        })
        .expect("the narrowest window always fits");
        Schedule {
            glv: true,
            cost: split.cost + (n as f64 * SPLIT / threads.max(1) as f64) as u64,
            ..split
        }
    }

    /// The cheapest shape for an MSM over a fixed-base table of `n` points whose table takes
    /// at most `table_bytes` (points of `costs.bytes`), or `None` when no table fits.
    pub fn fixed_base(
        n: usize,
        threads: usize,
        costs: BucketCosts,
        scratch_bytes: usize,
        table_bytes: usize,
    ) -> Option<Self> {
        let fits = |c: u32| {
            (window_count(c) as usize)
                .saturating_mul(n)
                .saturating_mul(costs.bytes)
                <= table_bytes
        };
        let best = Self::cheapest(n, threads, costs, scratch_bytes, 0.0, |c| {
            if fits(c) {
                (1, n * window_count(c) as usize)
            } else {
                (0, 0)
            }
        })?;
        Some(best)
    }

    /// Minimises the critical path over windows and splits. `shape(c)` gives the number of
    /// independent bucket sets per chunk (the windows of a plain MSM, 1 for a table) and the
    /// additions they take in all; `(0, _)` rules `c` out. `extra_per_addition` is added to
    /// every addition's cost.
    fn cheapest(
        n: usize,
        threads: usize,
        costs: BucketCosts,
        scratch_bytes: usize,
        extra_per_addition: f64,
        shape: impl Fn(u32) -> (usize, usize),
    ) -> Option<Self> {
        let threads = threads.max(1);
        let mut best: Option<Schedule> = None;
        for c in MIN_WINDOW_BITS..=MAX_CPU_WINDOW_BITS {
            let (sets, additions) = shape(c);
            if sets == 0 {
                continue;
            }
            let buckets = 1usize << (c - 1);
            let mut chunks = 1;
            while chunks <= 4 * threads && chunks <= n.max(1) {
                let tasks = sets * chunks;
                let (accumulation, add_cost) = Accumulation::for_buckets(buckets, &costs);
                let alive = tasks.min(threads);
                if alive * buckets * costs.bytes <= scratch_bytes || c == MIN_WINDOW_BITS {
                    let reduction = match accumulation {
                        Accumulation::Affine { .. } => costs.affine_reduction(buckets),
                        Accumulation::Xyzz => buckets as f64 * REDUCE_STEP,
                    };
                    let per_task = additions as f64 / tasks as f64
                        * (add_cost + extra_per_addition)
                        + reduction;
                    let rounds = tasks.div_ceil(threads) as f64;
                    let cost = (rounds * per_task) as u64;
                    if best.is_none_or(|b| cost < b.cost) {
                        best = Some(Schedule {
                            window_bits: c,
                            chunks,
                            accumulation,
                            glv: false,
                            cost,
                        });
                    }
                }
                chunks *= 2;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_grow_with_the_size_and_large_ones_batch_inversions() {
        let small = Schedule::plain(1 << 8, 2, BucketCosts::serial(72, 1), DEFAULT_SCRATCH_BYTES);
        let large = Schedule::plain(
            1 << 20,
            2,
            BucketCosts::serial(72, 1),
            DEFAULT_SCRATCH_BYTES,
        );
        assert!(
            small.window_bits < large.window_bits,
            "{small:?} vs {large:?}"
        );
        assert!(
            matches!(large.accumulation, Accumulation::Affine { .. }),
            "{large:?}"
        );
        assert_eq!(
            Schedule::plain(1, 2, BucketCosts::serial(72, 1), DEFAULT_SCRATCH_BYTES).window_bits,
            MIN_WINDOW_BITS
        );
    }

    #[test]
    fn many_threads_split_windows_into_chunks() {
        let s = Schedule::plain(
            1 << 20,
            64,
            BucketCosts::serial(72, 1),
            DEFAULT_SCRATCH_BYTES,
        );
        assert!(
            window_count(s.window_bits) as usize * s.chunks >= 64,
            "{s:?}"
        );
    }

    #[test]
    fn the_scratch_budget_bounds_the_window() {
        let s = Schedule::plain(1 << 24, 64, BucketCosts::serial(136, 2), 16 << 20);
        assert!(
            64 * (1usize << (s.window_bits - 1)) * 136 <= 16 << 20,
            "{s:?}"
        );
    }

    #[test]
    fn a_table_needs_room_and_saves_reductions() {
        assert_eq!(
            Schedule::fixed_base(
                1 << 16,
                2,
                BucketCosts::serial(72, 1),
                DEFAULT_SCRATCH_BYTES,
                1 << 20
            ),
            None
        );
        let plain = Schedule::plain(
            1 << 16,
            2,
            BucketCosts::serial(72, 1),
            DEFAULT_SCRATCH_BYTES,
        );
        let table = Schedule::fixed_base(
            1 << 16,
            2,
            BucketCosts::serial(72, 1),
            DEFAULT_SCRATCH_BYTES,
            1 << 30,
        )
        .unwrap();
        assert!(table.cost < plain.cost, "{table:?} vs {plain:?}");
    }

    #[test]
    fn glv_only_for_full_size_scalars() {
        for log in [8, 12, 16, 20] {
            let s = Schedule::for_scalar_bits(
                1 << log,
                HALF_BITS,
                2,
                BucketCosts::serial(72, 1),
                DEFAULT_SCRATCH_BYTES,
            );
            assert!(!s.glv, "{s:?}");
        }
        // Measured on machine B (BENCHMARKS.md, stop 31, `msm_compare`, lane additions and
        // safegcd inversions): the split wins for small G1 MSMs, where the reductions weigh
        // most (2^10: 3.5 against 4.1 ms), not for G2 (2^10: 8.3 against 7.3 ms), and neither
        // wins at 2^12 (G1 8.9 against 8.1 ms, G2 22.8 against 19.1 ms).
        assert!(Schedule::plain(1 << 10, 2, BucketCosts::lanes(72, 1), DEFAULT_SCRATCH_BYTES).glv);
        for log in [10, 12] {
            let g2 = Schedule::plain(
                1 << log,
                2,
                BucketCosts::lanes(136, 2),
                DEFAULT_SCRATCH_BYTES,
            );
            assert!(!g2.glv, "2^{log}: {g2:?}");
        }
        assert!(!Schedule::plain(1 << 12, 2, BucketCosts::lanes(72, 1), DEFAULT_SCRATCH_BYTES).glv);
        for costs in [BucketCosts::serial(72, 1), BucketCosts::lanes(72, 1)] {
            assert!(!Schedule::plain(1 << 18, 2, costs, DEFAULT_SCRATCH_BYTES).glv);
        }
    }
}
