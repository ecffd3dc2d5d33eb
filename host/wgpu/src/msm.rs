//! The WGSL MSM driver (`kernels/wgsl/msm_sort.wgsl`, `msm_accumulate.wgsl`), for the wgpu
//! backend: the signed-digit bucket method of [`kiln_msm::plan`] with the O(n) work on the device.
//!
//! Per batch of windows, one submission runs:
//!
//! 1. `digits_and_counts`: scalars out of Montgomery form, cut into signed `c`-bit digits, and a
//!    histogram of bucket sizes (atomics); bases at infinity get no digits;
//! 2. `scan`: bucket offsets per window (a counting sort's prefix sum);
//! 3. `scatter`: point indices (sign in bit 31) into their buckets' slots;
//! 4. `accumulate` and `combine`: bucket sums with load balance, each thread adding at most K
//!    points (mixed XYZZ additions) plus, for buckets spread over several chunks, their partials;
//! 5. `reduce`: per window, S segment sums `sum b * bucket_b`.
//!
//! The host then adds the S segment sums of each window and combines the windows with
//! [`combine_windows`]: a few hundred group operations on a few KB of data, which on the device
//! would be one thread's serial work after a full synchronisation; the O(n) and O(buckets) work
//! stays on the device. The result is checked to be on the curve and in the subgroup.
//!
//! Bases larger than one storage binding are held in parts ([`PointBuf`]); the MSM runs the
//! above once per part, against the same range of the scalars, and adds the parts' results.

use crate::radix::{xyzz_to_jacobian, KernelCoordinate};
use crate::shader::{curve_module, module, source, Part};
use crate::{device_error, Bind, FrVec, Gpu, Group, PointBuf, WORKGROUP};
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ec::CurveGroup;
use ark_ff::Zero;
use kiln_host::{Error, Result};
use wgpu::{Buffer, ComputePipeline};

use kiln_msm::plan::{MsmPlan, MAX_WINDOW_BITS};
use kiln_msm::reduce::combine_windows;

/// The widest window the device kernels take: digits are extracted from at most two words.
pub const MAX_DEVICE_WINDOW: u32 = 16;

/// Sorted slots each `accumulate` thread adds (the load-balancing chunk).
pub const CHUNK: u32 = 64;

/// Largest number of reduction segments per window.
pub const MAX_SEGMENTS: u32 = 128;

/// Device memory for one MSM's scratch buffers, at most; larger MSMs run in window batches.
const SCRATCH_BUDGET: u64 = 1 << 30;

/// G1 MSM over resident bases and scalars of equal, non-zero length.
pub fn msm_g1(gpu: &Gpu, bases: &PointBuf, scalars: &FrVec) -> Result<G1Projective> {
    msm(gpu, bases, scalars)
}

/// G2 MSM over resident bases and scalars of equal, non-zero length.
pub fn msm_g2(gpu: &Gpu, bases: &PointBuf, scalars: &FrVec) -> Result<G2Projective> {
    msm(gpu, bases, scalars)
}

/// The window a device MSM of `n` points uses.
pub fn plan(n: usize) -> MsmPlan {
    MsmPlan::with_max_window(n, MAX_DEVICE_WINDOW.min(MAX_WINDOW_BITS))
}

struct Pipelines {
    digits: ComputePipeline,
    scan: ComputePipeline,
    scatter: ComputePipeline,
    accumulate: ComputePipeline,
    combine: ComputePipeline,
    reduce: ComputePipeline,
}

impl Pipelines {
    fn new(gpu: &Gpu, group: Group) -> Result<Pipelines> {
        let shape = gpu.shape();
        let sort = |entry| {
            gpu.pipeline("msm-sort", entry, || {
                module(shape, &[Part::Fr], source::MSM_SORT(), &[])
            })
        };
        let g2 = group == Group::G2;
        let key = if g2 { "msm-g2" } else { "msm-g1" };
        let acc = |entry| {
            gpu.pipeline(key, entry, || {
                curve_module(shape, g2, source::MSM_ACCUMULATE())
            })
        };
        Ok(Pipelines {
            digits: sort("digits_and_counts")?,
            scan: sort("scan")?,
            scatter: sort("scatter")?,
            accumulate: acc("accumulate")?,
            combine: acc("combine")?,
            reduce: acc("reduce")?,
        })
    }
}

/// Sizes of one MSM on the device.
struct Shape {
    n: u32,
    c: u32,
    windows: u32,
    buckets: u32,
    stride: u32,
    chunks: u32,
    segments: u32,
    xyzz_bytes: u64,
}

impl Shape {
    /// Bytes of each scratch buffer for one window; the largest must fit one binding.
    fn per_window(&self) -> [u64; 5] {
        let n = u64::from(self.n);
        [
            4 * n,                                        // digits, sorted
            4 * u64::from(self.stride),                   // counts, offsets
            u64::from(self.buckets) * self.xyzz_bytes,    // buckets
            2 * u64::from(self.chunks) * self.xyzz_bytes, // partials
            u64::from(self.segments) * self.xyzz_bytes,   // out
        ]
    }

    /// Windows per batch: as many as fit one binding per buffer and the scratch budget.
    fn batch_windows(&self, max_binding: u64) -> Result<u32> {
        let per = self.per_window();
        let largest = per.iter().copied().max().unwrap_or(1).max(1);
        let total: u64 = 2 * per[0] + 2 * per[1] + per[2] + per[3] + per[4];
        if largest > max_binding {
            return Err(Error::OutOfMemory {
                what: format!(
                    "msm of {} points: one window's scratch exceeds the device's largest binding ({max_binding} bytes)",
                    self.n
                ),
                needed_bytes: largest,
            });
        }
        let by_binding = max_binding / largest;
        let by_budget = (SCRATCH_BUDGET / total.max(1)).max(1);
        Ok(self.windows.min(by_binding.min(by_budget) as u32).max(1))
    }
}

fn msm<P>(gpu: &Gpu, bases: &PointBuf, scalars: &FrVec) -> Result<Projective<P>>
where
    P: SWCurveConfig<ScalarField = Fr>,
    P::BaseField: KernelCoordinate,
{
    let n = scalars.len();
    if n == 0 || n >= 1 << 31 || bases.len() != n {
        return Err(Error::InvalidArgument(format!(
            "msm: {} bases and {} scalars",
            bases.len(),
            n
        )));
    }
    let pipelines = Pipelines::new(gpu, bases.group())?;
    // Bases beyond one storage binding come in parts: one MSM per part, against the same range
    // of the scalars, and the sum of their results.
    let mut result = Projective::<P>::zero();
    for (i, part) in bases.parts().iter().enumerate() {
        let (start, len) = bases.part_range(i);
        let part_bases = Bases {
            buffer: part,
            group: bases.group(),
        };
        result += msm_part::<P>(
            gpu,
            &pipelines,
            part_bases,
            scalars.bind_range(start, len)?,
            len as u32,
        )?;
    }
    let affine = result.into_affine();
    if !affine.is_on_curve() || !affine.is_in_correct_subgroup_assuming_on_curve() {
        return Err(device_error(
            "msm",
            "the device's result is not a point of the group",
        ));
    }
    Ok(result)
}

/// One buffer of bases, all of one group.
#[derive(Clone, Copy)]
struct Bases<'a> {
    buffer: &'a Buffer,
    group: Group,
}

/// The MSM of `n` bases in one buffer with the scalars bound at `scalars`.
fn msm_part<P>(
    gpu: &Gpu,
    pipelines: &Pipelines,
    bases: Bases<'_>,
    scalars: Bind<'_>,
    n: u32,
) -> Result<Projective<P>>
where
    P: SWCurveConfig<ScalarField = Fr>,
    P::BaseField: KernelCoordinate,
{
    let plan = plan(n as usize);
    let buckets = plan.buckets_per_window();
    let shape = Shape {
        n,
        c: plan.window_bits,
        windows: plan.windows(),
        buckets,
        stride: buckets + 2,
        chunks: n.div_ceil(CHUNK),
        segments: buckets.min(MAX_SEGMENTS),
        xyzz_bytes: u64::from(bases.group.xyzz_words()) * 4,
    };
    let nw = shape.batch_windows(gpu.max_binding_bytes())?;
    let scratch = |what: &str, bytes: u64| gpu.storage_buffer(what, bytes);
    let per = shape.per_window();
    let nw64 = u64::from(nw);
    let bufs = Scratch {
        digits: scratch("msm digits", nw64 * per[0])?,
        sorted: scratch("msm sorted", nw64 * per[0])?,
        counts: scratch("msm counts", nw64 * per[1])?,
        offsets: scratch("msm offsets", nw64 * per[1])?,
        buckets: scratch("msm buckets", nw64 * per[2])?,
        partials: scratch("msm partials", nw64 * per[3])?,
        out: scratch("msm out", nw64 * per[4])?,
    };

    let mut window_sums = vec![Projective::<P>::zero(); shape.windows as usize];
    let mut w0 = 0;
    while w0 < shape.windows {
        let batch_nw = nw.min(shape.windows - w0);
        let sums = run_batch::<P>(gpu, pipelines, &bufs, &shape, bases, scalars, w0, batch_nw)?;
        window_sums[w0 as usize..(w0 + batch_nw) as usize].copy_from_slice(&sums);
        w0 += batch_nw;
    }
    Ok(combine_windows(&window_sums, shape.c))
}

struct Scratch {
    digits: Buffer,
    sorted: Buffer,
    counts: Buffer,
    offsets: Buffer,
    buckets: Buffer,
    partials: Buffer,
    out: Buffer,
}

/// Runs windows `w0 .. w0 + nw` and returns each window's sum `sum_b b * bucket_b`.
#[allow(clippy::too_many_arguments)]
fn run_batch<P>(
    gpu: &Gpu,
    p: &Pipelines,
    s: &Scratch,
    shape: &Shape,
    bases: Bases<'_>,
    scalars: Bind<'_>,
    w0: u32,
    nw: u32,
) -> Result<Vec<Projective<P>>>
where
    P: SWCurveConfig,
    P::BaseField: KernelCoordinate,
{
    let op = if bases.group == Group::G2 {
        "msm-g2"
    } else {
        "msm-g1"
    };
    let mut batch = gpu.batch(op);
    batch.clear(&s.counts);
    batch.clear(&s.buckets);
    let words = bases.group.affine_words();
    // The first word is the index of the first point the dispatch handles: all of them here.
    let sort_params = [0, shape.n, shape.c, w0, nw, words];
    batch.dispatch(
        &p.digits,
        &sort_params,
        &[
            (1, scalars),
            (2, Bind::from(bases.buffer)),
            (3, Bind::from(&s.digits)),
            (4, Bind::from(&s.counts)),
        ],
        u64::from(shape.n),
    )?;
    batch.dispatch(
        &p.scan,
        &sort_params,
        &[(4, Bind::from(&s.counts)), (5, Bind::from(&s.offsets))],
        u64::from(nw) * u64::from(WORKGROUP),
    )?;
    batch.dispatch(
        &p.scatter,
        &sort_params,
        &[
            (3, Bind::from(&s.digits)),
            (4, Bind::from(&s.counts)),
            (6, Bind::from(&s.sorted)),
        ],
        u64::from(shape.n),
    )?;
    let acc_params = [shape.n, shape.c, nw, CHUNK, shape.chunks, shape.segments];
    batch.dispatch(
        &p.accumulate,
        &acc_params,
        &[
            (1, Bind::from(bases.buffer)),
            (2, Bind::from(&s.digits)),
            (3, Bind::from(&s.sorted)),
            (4, Bind::from(&s.offsets)),
            (5, Bind::from(&s.buckets)),
            (6, Bind::from(&s.partials)),
        ],
        u64::from(nw) * u64::from(shape.chunks),
    )?;
    batch.dispatch(
        &p.combine,
        &acc_params,
        &[
            (4, Bind::from(&s.offsets)),
            (5, Bind::from(&s.buckets)),
            (6, Bind::from(&s.partials)),
        ],
        u64::from(nw) * u64::from(shape.buckets),
    )?;
    batch.dispatch(
        &p.reduce,
        &acc_params,
        &[(5, Bind::from(&s.buckets)), (7, Bind::from(&s.out))],
        u64::from(nw) * u64::from(shape.segments),
    )?;
    batch.submit()?;
    let bytes = u64::from(nw) * u64::from(shape.segments) * shape.xyzz_bytes;
    let points = xyzz_to_jacobian::<P>(&gpu.read(op, &s.out, 0, bytes)?, gpu.shape())?;
    Ok(points
        .chunks_exact(shape.segments as usize)
        .map(|segs| segs.iter().sum())
        .collect())
}
