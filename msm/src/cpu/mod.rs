//! kiln's CPU multi-scalar multiplication, for G1 and G2 (any short Weierstrass curve over
//! BN254's scalar field).
//!
//! The signed-digit bucket method of [`crate::plan`], shaped for CPUs:
//!
//! - the window, the accumulation (batched affine or XYZZ buckets, [`buckets`]) and the split
//!   into parallel tasks come from a cost model ([`schedule`]) given the size and the thread
//!   count, so 2 to 64 threads stay busy and the buckets alive at once fit a scratch budget;
//! - every task is one window of one chunk of points; digits are recomputed per task from the
//!   scalars and one carry word each ([`digits`]), so no `n * windows` digit table is stored,
//!   and the windows cover only the scalars' significant bits;
//! - full-size scalars may be split by the GLV endomorphism ([`glv`]) into two half-size ones,
//!   halving the windows, when the cost model prices that cheaper;
//! - [`FixedBaseTable`] trades memory for work on bases that never change (a proving key's):
//!   it stores `2^(c j) P` for every window `j`, so one set of buckets serves all windows.
//!
//! Results equal arkworks' `VariableBaseMSM` exactly (same group element); the tests in
//! `host/cpu/tests` and `msm/tests` check it on random and edge-case inputs.

pub mod buckets;
pub mod digits;
pub mod glv;
pub mod running_sum;
pub mod schedule;

use std::borrow::{Borrow, Cow};
use std::ops::Range;

use ark_bn254::Fr;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Zero};
use kiln_field::ChordBatch;
use rayon::prelude::*;

use buckets::{AffineBuckets, Buckets, XyzzBuckets};
use digits::{canonical, significant_bits, WindowDigits};
use glv::SplitScalars;
use schedule::{Accumulation, BucketCosts, Schedule, DEFAULT_SCRATCH_BYTES};

use crate::reduce::combine_windows;

/// A curve kiln's CPU MSM runs on: BN254's scalar field, a base field with branch-free
/// addition and subtraction (G1's `Fq`, G2's `Fq2`), and the GLV endomorphism.
pub trait CpuCurve: SWCurveConfig<ScalarField = Fr, BaseField: ChordBatch> + GLVConfig {}

impl<P: SWCurveConfig<ScalarField = Fr, BaseField: ChordBatch> + GLVConfig> CpuCurve for P {}

/// `sum_i scalars[i] * bases[i]` over the shorter of the two, on the rayon pool, in the shape
/// the cost model picks for these scalars' size.
pub fn msm<P: CpuCurve>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    msm_canonical(bases, canonical(&scalars[..n]))
}

/// As [`msm`], for scalars already out of Montgomery form (little-endian limbs, each below
/// the group order): a `Vec` made for this MSM, or a slice several MSMs share.
pub fn msm_canonical<'s, P: CpuCurve>(
    bases: &[Affine<P>],
    scalars: impl Into<Cow<'s, [[u64; 4]]>>,
) -> Projective<P> {
    let scalars = truncated(scalars.into(), bases.len());
    let n = scalars.len();
    let schedule = Schedule::for_scalar_bits(
        n,
        significant_bits(&scalars),
        rayon::current_num_threads(),
        bucket_costs::<P>(),
        DEFAULT_SCRATCH_BYTES,
    );
    run(&bases[..n], scalars, &schedule)
}

/// What `P`'s buckets cost the model here: their size, and whether their affine additions
/// run on eight IFMA lanes (on CPUs with AVX-512 IFMA) or one at a time.
pub fn bucket_costs<P: CpuCurve>() -> BucketCosts {
    let bytes = std::mem::size_of::<Affine<P>>();
    let degree = <P::BaseField as ark_ff::Field>::extension_degree();
    if P::BaseField::lanes_available() {
        BucketCosts::lanes(bytes, degree)
    } else {
        BucketCosts::serial(bytes, degree)
    }
}

/// As [`msm`], with an explicit shape (for tests and benchmarks of the cost model).
pub fn msm_with<P: CpuCurve>(
    bases: &[Affine<P>],
    scalars: &[Fr],
    schedule: &Schedule,
) -> Projective<P> {
    assert_eq!(
        bases.len(),
        scalars.len(),
        "bases and scalars differ in length"
    );
    run(bases, Cow::Owned(canonical(scalars)), schedule)
}

/// The first `n` of `scalars` (all of them if fewer), without copying.
fn truncated(scalars: Cow<'_, [[u64; 4]]>, n: usize) -> Cow<'_, [[u64; 4]]> {
    match scalars {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..n.min(s.len())]),
        Cow::Owned(mut s) => {
            s.truncate(n);
            Cow::Owned(s)
        }
    }
}

fn run<P: CpuCurve>(
    bases: &[Affine<P>],
    scalars: Cow<'_, [[u64; 4]]>,
    schedule: &Schedule,
) -> Projective<P> {
    let n = bases.len();
    if n == 0 {
        return Projective::zero();
    }
    let c = schedule.window_bits;
    let costs = bucket_costs::<P>();
    if !schedule.glv {
        let digits = WindowDigits::from_limbs(scalars, c);
        return by_windows(n, digits.windows(), schedule, |points, j| {
            let signed = points.filter_map(|i| signed_point(&bases[i], digits.digit(i, j)));
            accumulate_window(schedule, &costs, digits.buckets(j), signed)
        });
    }
    let split = SplitScalars::new::<P>(&scalars);
    drop(scalars);
    let digits = WindowDigits::from_limbs(split.halves, c);
    let negative = split.negative;
    by_windows(n, digits.windows(), schedule, |points, j| {
        let signed = points.flat_map(|i| {
            let base = &bases[i];
            let flip = |digit: i64, bit: u8| {
                if negative[i] & bit != 0 {
                    -digit
                } else {
                    digit
                }
            };
            let d1 = flip(digits.digit(2 * i, j), 1);
            let d2 = flip(digits.digit(2 * i + 1, j), 2);
            let first = signed_point(*base, d1);
            // phi(P) = (beta x, y): one multiplication, only for a nonzero digit.
            let second = if d2 == 0 {
                None
            } else {
                signed_point(P::endomorphism_affine(base), d2)
            };
            first.into_iter().chain(second)
        });
        accumulate_window(schedule, &costs, digits.buckets(j), signed)
    })
}

/// Accumulates one window of a plain MSM into the `buckets` its digits can reach: the
/// schedule's accumulation for a full window, and for a narrower one (the top window) the one
/// the cost model picks for its bucket count. A batch of affine additions can take each bucket
/// once, so the top window's 65,536 points into 128 buckets (2^16 full-size scalars, 13-bit
/// windows) would otherwise fill a 1,024-addition batch with 128 and queue or divert the rest.
fn accumulate_window<P: CpuCurve, Q: Borrow<Affine<P>>>(
    schedule: &Schedule,
    costs: &BucketCosts,
    buckets: usize,
    points: impl Iterator<Item = (usize, Q, bool)>,
) -> Projective<P> {
    let how = if buckets < 1 << (schedule.window_bits - 1) {
        Accumulation::for_buckets(buckets, costs).0
    } else {
        schedule.accumulation
    };
    accumulate(how, buckets, points)
}

/// Runs `window_sum(points, j)` for every window `j` of every chunk of the `n` points as
/// parallel tasks, adds each window's chunks and combines the windows.
fn by_windows<P: SWCurveConfig>(
    n: usize,
    windows: u32,
    schedule: &Schedule,
    window_sum: impl Fn(Range<usize>, u32) -> Projective<P> + Sync,
) -> Projective<P> {
    let chunk = n.div_ceil(schedule.chunks);
    let tasks: Vec<(u32, usize)> = (0..windows)
        .flat_map(|j| (0..n).step_by(chunk).map(move |start| (j, start)))
        .collect();
    let sums: Vec<(u32, Projective<P>)> = tasks
        .into_par_iter()
        .map(|(j, start)| (j, window_sum(start..(start + chunk).min(n), j)))
        .collect();
    let mut per_window = vec![Projective::<P>::zero(); windows as usize];
    for (j, sum) in sums {
        per_window[j as usize] += sum;
    }
    combine_windows(&per_window, schedule.window_bits)
}

/// `(bucket, base, negate)` for a nonzero digit; `None` for a zero digit or the identity. The
/// base is passed on as it is (a reference where the bases lie in memory, the endomorphism's
/// point by value) and its sign as a flag, so no negated copy is written only to be read back.
#[inline]
fn signed_point<P: SWCurveConfig, Q: Borrow<Affine<P>>>(
    base: Q,
    digit: i64,
) -> Option<(usize, Q, bool)> {
    if digit == 0 || base.borrow().is_zero() {
        return None;
    }
    Some((digit.unsigned_abs() as usize - 1, base, digit < 0))
}

/// Accumulates `points` (bucket, point, negate) into `n_buckets` buckets and returns their
/// weighted sum.
fn accumulate<P: CpuCurve, Q: Borrow<Affine<P>>>(
    how: Accumulation,
    n_buckets: usize,
    points: impl Iterator<Item = (usize, Q, bool)>,
) -> Projective<P> {
    fn run<P: SWCurveConfig, B: Buckets<P>, Q: Borrow<Affine<P>>>(
        mut buckets: B,
        points: impl Iterator<Item = (usize, Q, bool)>,
    ) -> Projective<P> {
        for (b, p, negate) in points {
            buckets.add(b, p.borrow(), negate);
        }
        buckets.window_sum()
    }
    match how {
        Accumulation::Affine { batch } => run(AffineBuckets::new(n_buckets, batch), points),
        Accumulation::Xyzz => run(XyzzBuckets::new(n_buckets), points),
    }
}

/// Fixed bases with every window's shift precomputed: `2^(c j) P_i` for each window `j`.
/// (Scalars are not GLV-split here: the table already removes the per-window reductions that
/// the split halves.)
///
/// An MSM over the table accumulates all `n * windows` points into one set of buckets per task
/// and reduces those once: no per-window reductions and no doublings between windows, so the
/// cost model can take a wider window than a plain MSM affords. Building the table costs about
/// `254 n` doublings (tens of plain MSMs), and it holds `windows` copies of the bases: worth it
/// for a key that stays loaded for many proofs, within a memory budget
/// ([`FixedBaseTable::plan`]).
pub struct FixedBaseTable<P: SWCurveConfig> {
    schedule: Schedule,
    windows: usize,
    /// Point-major: `points[i * windows + j] = 2^(c j) bases[i]`.
    points: Vec<Affine<P>>,
}

impl<P: CpuCurve> FixedBaseTable<P> {
    /// The shape of a table for `n` bases within `table_bytes`, if one fits and beats a plain MSM.
    pub fn plan(n: usize, table_bytes: usize) -> Option<Schedule> {
        let threads = rayon::current_num_threads();
        let costs = bucket_costs::<P>();
        let plain = Schedule::plain(n, threads, costs, DEFAULT_SCRATCH_BYTES);
        Schedule::fixed_base(n, threads, costs, DEFAULT_SCRATCH_BYTES, table_bytes)
            .filter(|table| table.cost < plain.cost)
    }

    /// The table's size in bytes for `n` bases with `schedule`.
    pub fn bytes(n: usize, schedule: &Schedule) -> usize {
        n * crate::plan::window_count(schedule.window_bits) as usize
            * std::mem::size_of::<Affine<P>>()
    }

    /// Builds the table (in parallel over points).
    pub fn new(bases: &[Affine<P>], schedule: Schedule) -> Self {
        let c = schedule.window_bits;
        let windows = crate::plan::window_count(c) as usize;
        let mut points = vec![Affine::<P>::identity(); bases.len() * windows];
        points
            .par_chunks_mut(windows * 1024)
            .zip(bases.par_chunks(1024))
            .for_each(|(out, bases)| {
                let mut shifted: Vec<Projective<P>> = Vec::with_capacity(out.len());
                for base in bases {
                    let mut p = Projective::<P>::from(*base);
                    for _ in 0..windows {
                        shifted.push(p);
                        for _ in 0..c {
                            p.double_in_place();
                        }
                    }
                }
                out.copy_from_slice(&Projective::normalize_batch(&shifted));
            });
        FixedBaseTable {
            schedule,
            windows,
            points,
        }
    }

    /// Number of bases.
    pub fn len(&self) -> usize {
        self.points.len() / self.windows
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// `sum_i scalars[i] * bases[i]`.
    pub fn msm(&self, scalars: &[Fr]) -> Projective<P> {
        let n = self.len().min(scalars.len());
        self.msm_canonical(canonical(&scalars[..n]))
    }

    /// As [`msm`](Self::msm), for canonical scalars ([`msm_canonical`]).
    pub fn msm_canonical<'s>(&self, scalars: impl Into<Cow<'s, [[u64; 4]]>>) -> Projective<P> {
        let scalars = truncated(scalars.into(), self.len());
        let n = scalars.len();
        if n == 0 {
            return Projective::zero();
        }
        let c = self.schedule.window_bits;
        let digits = WindowDigits::from_limbs(scalars, c);
        let chunk = n.div_ceil(self.schedule.chunks);
        let windows = self.windows;
        let used = digits.windows() as usize;
        (0..n)
            .step_by(chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let signed = (start..(start + chunk).min(n)).flat_map(|i| {
                    let row = &self.points[i * windows..(i + 1) * windows];
                    let digits = &digits;
                    (0..used).filter_map(move |j| signed_point(&row[j], digits.digit(i, j as u32)))
                });
                accumulate(self.schedule.accumulation, 1 << (c - 1), signed)
            })
            .reduce(Projective::zero, |a, b| a + b)
    }
}

/// `sum_i scalars[i] * bases[i]` by arkworks, for comparisons.
pub fn arkworks_msm<P: SWCurveConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    scalars: &[Fr],
) -> Projective<P> {
    <Projective<P> as ark_ec::VariableBaseMSM>::msm_unchecked(bases, scalars)
}
