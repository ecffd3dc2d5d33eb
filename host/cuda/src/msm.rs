//! The CUDA MSM driver: the signed-digit bucket method of [`kiln_msm::plan`] as launches of
//! `kernels/cuda/msm_sort.cu` and `msm_g1.cu` / `msm_g2.cu`.
//!
//! Per chunk of points (the whole MSM unless memory is short):
//!
//! 1. `msm_digits`: scalars (Montgomery form, as resident) to canonical, then one bucket key
//!    per window and point (`window * B + |digit| - 1`, or NULL for a zero digit) and the point
//!    index with the digit's sign;
//! 2. `msm_histogram`, `scan_blocks`/`scan_add`, `msm_scatter`: a counting sort of the entries
//!    by key, all windows at once;
//! 3. `msm_<g>_accumulate`: the segmented reduction of `accumulate.cuh`, level 0 over points
//!    and then over partial sums until one chunk is left, adding into XYZZ buckets.
//!
//! Then, once: `msm_<g>_bucket_reduce` (running sums over segments of each window's buckets),
//! `msm_<g>_pairwise` (a tree over the segments), `msm_<g>_to_jacobian`; the host decodes the
//! window sums through the device layout (which rejects points off the curve) and combines
//! them with [`combine_windows`].
//!
//! Memory: the bases stay resident (uploaded once by the backend); only scalars are streamed.
//! When an allocation fails for lack of device memory, the chunk is halved and retried, down to
//! [`MIN_CHUNK`] points; the buckets are only ever added to, so chunks accumulate into the same
//! buckets. Generic over [`KernelRunner`], so the host emulator runs this very code in CI.

use crate::runner::{blocks_for, KernelParams, THREADS_PER_BLOCK};
use crate::{DeviceWords, Kernel, KernelRunner, Program};
use ark_bn254::{G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::Zero;
use kiln_host::layout;
use kiln_host::{Error, Result};

use kiln_msm::plan::{window_count, MsmPlan};
use kiln_msm::reduce::combine_windows;

/// The smallest chunk the out-of-memory fallback goes down to.
pub const MIN_CHUNK: usize = 1 << 10;

/// Words per Fr scalar.
const FR_WORDS: usize = 8;

/// A group the CUDA kernels do MSMs in.
pub trait CudaGroup {
    /// The arkworks group of the result.
    type Group: CurveGroup;
    const NAME: &'static str;
    const PROGRAM: Program;
    /// Words of an affine point (the resident bases).
    const AFFINE_WORDS: usize;
    /// Words of an XYZZ bucket.
    const XYZZ_WORDS: usize;
    /// Words of a Jacobian result.
    const JACOBIAN_WORDS: usize;
    /// The largest window the driver picks: bucket memory grows as 2^c.
    const MAX_WINDOW_BITS: u32;
    const ACCUMULATE: Kernel;
    const BUCKET_REDUCE: Kernel;
    const PAIRWISE: Kernel;
    const TO_JACOBIAN: Kernel;
    /// Decodes one window sum (device layout, Jacobian form), validating it.
    fn decode(bytes: &[u8]) -> Result<Self::Group>;
}

/// G1: coordinates in Fq.
pub struct G1;
/// G2: coordinates in Fq2.
pub struct G2;

impl CudaGroup for G1 {
    type Group = G1Projective;
    const NAME: &'static str = "msm-g1";
    const PROGRAM: Program = Program::MsmG1;
    const AFFINE_WORDS: usize = 16;
    const XYZZ_WORDS: usize = 32;
    const JACOBIAN_WORDS: usize = 24;
    const MAX_WINDOW_BITS: u32 = 18;
    const ACCUMULATE: Kernel = Kernel::new(Program::MsmG1, "msm_g1_accumulate");
    const BUCKET_REDUCE: Kernel = Kernel::new(Program::MsmG1, "msm_g1_bucket_reduce");
    const PAIRWISE: Kernel = Kernel::new(Program::MsmG1, "msm_g1_pairwise");
    const TO_JACOBIAN: Kernel = Kernel::new(Program::MsmG1, "msm_g1_to_jacobian");
    fn decode(bytes: &[u8]) -> Result<G1Projective> {
        Ok(layout::jacobian_from_bytes(bytes, "msm-g1 window sum")?)
    }
}

impl CudaGroup for G2 {
    type Group = G2Projective;
    const NAME: &'static str = "msm-g2";
    const PROGRAM: Program = Program::MsmG2;
    const AFFINE_WORDS: usize = 32;
    const XYZZ_WORDS: usize = 64;
    const JACOBIAN_WORDS: usize = 48;
    const MAX_WINDOW_BITS: u32 = 16;
    const ACCUMULATE: Kernel = Kernel::new(Program::MsmG2, "msm_g2_accumulate");
    const BUCKET_REDUCE: Kernel = Kernel::new(Program::MsmG2, "msm_g2_bucket_reduce");
    const PAIRWISE: Kernel = Kernel::new(Program::MsmG2, "msm_g2_pairwise");
    const TO_JACOBIAN: Kernel = Kernel::new(Program::MsmG2, "msm_g2_to_jacobian");
    fn decode(bytes: &[u8]) -> Result<G2Projective> {
        Ok(layout::jacobian_from_bytes(bytes, "msm-g2 window sum")?)
    }
}

const DIGITS: Kernel = Kernel::new(Program::MsmSort, "msm_digits");
const HISTOGRAM: Kernel = Kernel::new(Program::MsmSort, "msm_histogram");
const SCATTER: Kernel = Kernel::new(Program::MsmSort, "msm_scatter");
const SCAN_BLOCKS: Kernel = Kernel::new(Program::MsmSort, "scan_blocks");
const SCAN_ADD: Kernel = Kernel::new(Program::MsmSort, "scan_add");
/// Threads of `scan_blocks` (KILN_SCAN_BLOCK in msm/sort.cuh).
pub const SCAN_BLOCK: u32 = 1024;

/// `msm_digits_params` in msm/sort.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmDigitsParams {
    pub scalars: u64,
    pub keys: u64,
    pub vals: u64,
    pub first: u64,
    pub count: u32,
    pub window_bits: u32,
    pub windows: u32,
    pub null_key: u32,
}

/// `msm_histogram_params` in msm/sort.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmHistogramParams {
    pub keys: u64,
    pub counts: u64,
    pub entries: u64,
}

/// `msm_scatter_params` in msm/sort.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmScatterParams {
    pub keys: u64,
    pub vals: u64,
    pub cursor: u64,
    pub sorted_keys: u64,
    pub sorted_vals: u64,
    pub entries: u64,
}

/// `scan_params` in msm/sort.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ScanParams {
    pub data: u64,
    pub block_sums: u64,
    pub count: u64,
}

/// `msm_accumulate_params` in msm/accumulate.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmAccumulateParams {
    pub keys: u64,
    pub vals: u64,
    pub partials: u64,
    pub bases: u64,
    pub valid_count: u64,
    pub buckets: u64,
    pub out_keys: u64,
    pub out_partials: u64,
    pub entries: u64,
    pub chunk: u32,
    pub null_key: u32,
    pub level0: u32,
    pub final_level: u32,
}

/// `msm_bucket_reduce_params` in msm/accumulate.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmBucketReduceParams {
    pub buckets: u64,
    pub sums: u64,
    pub windows: u32,
    pub buckets_per_window: u32,
    pub segments: u32,
    pub pad: u32,
}

/// `msm_pairwise_params` in msm/accumulate.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmPairwiseParams {
    pub sums: u64,
    pub windows: u32,
    pub stride: u32,
    pub half: u32,
    pub pad: u32,
}

/// `msm_to_jacobian_params` in msm/accumulate.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MsmToJacobianParams {
    pub sums: u64,
    pub out: u64,
    pub windows: u32,
    pub stride: u32,
}

// SAFETY: #[repr(C)] integer structs mirroring the C++ parameter structs.
unsafe impl KernelParams for MsmDigitsParams {}
unsafe impl KernelParams for MsmHistogramParams {}
unsafe impl KernelParams for MsmScatterParams {}
unsafe impl KernelParams for ScanParams {}
unsafe impl KernelParams for MsmAccumulateParams {}
unsafe impl KernelParams for MsmBucketReduceParams {}
unsafe impl KernelParams for MsmPairwiseParams {}
unsafe impl KernelParams for MsmToJacobianParams {}

/// Tuning of the CUDA MSM.
#[derive(Clone, Copy, Debug)]
pub struct MsmConfig {
    /// Window bits; `None`: [`MsmPlan::with_max_window`] with the group's maximum.
    pub window_bits: Option<u32>,
    /// Points per chunk at most; `None`: as many as device memory allows.
    pub max_chunk: Option<usize>,
    /// Threads the first accumulation level aims for (sets its entries per thread).
    pub target_threads: u64,
    /// Entries per thread in the later accumulation levels.
    pub level_chunk: u32,
    /// Segments per window in the bucket reduction (a power of two, capped at the buckets).
    pub segments: u32,
}

impl Default for MsmConfig {
    fn default() -> Self {
        MsmConfig {
            window_bits: None,
            max_chunk: None,
            target_threads: 1 << 17,
            level_chunk: 16,
            segments: 1 << 12,
        }
    }
}

/// The shape of one MSM as the driver runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsmShape {
    pub window_bits: u32,
    pub windows: u32,
    pub buckets_per_window: u32,
    /// Keys W * B; key W * B is NULL.
    pub keys: u32,
    pub segments: u32,
}

impl MsmShape {
    pub fn new<C: CudaGroup>(len: usize, config: &MsmConfig) -> Self {
        let window_bits = config
            .window_bits
            .unwrap_or_else(|| MsmPlan::with_max_window(len, C::MAX_WINDOW_BITS).window_bits);
        let windows = window_count(window_bits);
        let buckets_per_window = 1u32 << (window_bits - 1);
        let segments = config
            .segments
            .next_power_of_two()
            .clamp(1, buckets_per_window);
        MsmShape {
            window_bits,
            windows,
            buckets_per_window,
            keys: windows * buckets_per_window,
            segments,
        }
    }

    /// Device bytes a chunk of `m` points needs beyond the buckets (an estimate for sizing).
    pub fn chunk_bytes<C: CudaGroup>(&self, m: usize, config: &MsmConfig) -> u64 {
        let entries = u64::from(self.windows) * m as u64;
        let first_level = entries.div_ceil(u64::from(level0_chunk(entries, config)));
        let level = 2 * first_level * (1 + C::XYZZ_WORDS as u64) * 4;
        16 * entries + 3 * 4 * (u64::from(self.keys) + 1) + 2 * level
    }
}

fn level0_chunk(entries: u64, config: &MsmConfig) -> u32 {
    entries.div_ceil(config.target_threads.max(1)).clamp(8, 512) as u32
}

fn oom<T>(r: &Result<T>) -> bool {
    matches!(r, Err(Error::OutOfMemory { .. }))
}

/// Exclusive prefix sum of `count` words of `data`, in place, on the device.
pub fn exclusive_scan<R: KernelRunner>(
    runner: &R,
    data: &R::Buffer,
    offset: usize,
    count: usize,
) -> Result<()> {
    let blocks = count.div_ceil(SCAN_BLOCK as usize).max(1);
    let sums = runner.alloc_zeroed(blocks, "msm scan block sums")?;
    let params = ScanParams {
        data: data.address_at(offset),
        block_sums: sums.address(),
        count: count as u64,
    };
    // SAFETY: data holds count words from offset; sums holds one word per block.
    unsafe { runner.launch(SCAN_BLOCKS, blocks as u32, SCAN_BLOCK, &params)? };
    if blocks > 1 {
        exclusive_scan(runner, &sums, 0, blocks)?;
        // SAFETY: as above.
        unsafe {
            runner.launch(
                SCAN_ADD,
                blocks_for(count as u64)?,
                THREADS_PER_BLOCK,
                &params,
            )?
        };
    }
    runner.synchronize()
}

/// Sorts and accumulates points `first .. first + m` into the buckets.
#[allow(clippy::too_many_arguments)]
fn accumulate_chunk<C: CudaGroup, R: KernelRunner>(
    runner: &R,
    shape: &MsmShape,
    config: &MsmConfig,
    bases: &R::Buffer,
    scalars: &R::Buffer,
    buckets: &R::Buffer,
    first: usize,
    m: usize,
) -> Result<()> {
    let entries = u64::from(shape.windows) * m as u64;
    let entries_usize = usize::try_from(entries)
        .ok()
        .filter(|&e| e < (1 << 31))
        .ok_or_else(|| Error::InvalidArgument(format!("{m} points per chunk is too many")))?;
    let keys_len = shape.keys as usize + 1;
    let s0 = level0_chunk(entries, config);
    let t0 = entries.div_ceil(u64::from(s0)) as usize;

    // Every allocation first: a shortage then fails before any bucket is touched.
    let keys = runner.alloc_zeroed(entries_usize, "msm keys")?;
    let vals = runner.alloc_zeroed(entries_usize, "msm values")?;
    let sorted_keys = runner.alloc_zeroed(entries_usize, "msm sorted keys")?;
    let sorted_vals = runner.alloc_zeroed(entries_usize, "msm sorted values")?;
    let offsets = runner.alloc_zeroed(keys_len, "msm bucket offsets")?;
    let mut cursor = runner.alloc_zeroed(keys_len, "msm bucket cursors")?;
    let level_keys = [
        runner.alloc_zeroed(2 * t0, "msm partial keys")?,
        runner.alloc_zeroed(2 * t0, "msm partial keys")?,
    ];
    let level_sums = [
        runner.alloc_zeroed(2 * t0 * C::XYZZ_WORDS, "msm partial sums")?,
        runner.alloc_zeroed(2 * t0 * C::XYZZ_WORDS, "msm partial sums")?,
    ];

    let digits = MsmDigitsParams {
        scalars: scalars.address(),
        keys: keys.address(),
        vals: vals.address(),
        first: first as u64,
        count: m as u32,
        window_bits: shape.window_bits,
        windows: shape.windows,
        null_key: shape.keys,
    };
    let histogram = MsmHistogramParams {
        keys: keys.address(),
        counts: offsets.address(),
        entries,
    };
    // SAFETY: scalars hold first + m elements (checked by the caller); keys and vals hold
    // windows * m words; offsets holds a word per key including NULL.
    unsafe {
        runner.launch(DIGITS, blocks_for(m as u64)?, THREADS_PER_BLOCK, &digits)?;
        runner.launch(
            HISTOGRAM,
            blocks_for(entries)?,
            THREADS_PER_BLOCK,
            &histogram,
        )?;
    }
    exclusive_scan(runner, &offsets, 0, keys_len)?;
    runner.copy(&mut cursor, &offsets)?;
    let scatter = MsmScatterParams {
        keys: keys.address(),
        vals: vals.address(),
        cursor: cursor.address(),
        sorted_keys: sorted_keys.address(),
        sorted_vals: sorted_vals.address(),
        entries,
    };
    // SAFETY: the cursors start at the exclusive prefix sums, so positions stay below entries.
    unsafe { runner.launch(SCATTER, blocks_for(entries)?, THREADS_PER_BLOCK, &scatter)? };

    // Level 0 over points, then over partial sums, until one chunk remains.
    let mut level_entries = entries;
    let mut chunk = s0;
    let mut input: Option<usize> = None; // which level buffer holds the input (None: points)
    loop {
        let final_level = level_entries <= u64::from(chunk);
        let threads = if final_level {
            1
        } else {
            level_entries.div_ceil(u64::from(chunk))
        };
        let out = input.map(|i| 1 - i).unwrap_or(0);
        let params = MsmAccumulateParams {
            keys: match input {
                None => sorted_keys.address(),
                Some(i) => level_keys[i].address(),
            },
            vals: sorted_vals.address(),
            partials: input.map(|i| level_sums[i].address()).unwrap_or(0),
            bases: bases.address(),
            valid_count: offsets.address_at(shape.keys as usize),
            buckets: buckets.address(),
            out_keys: level_keys[out].address(),
            out_partials: level_sums[out].address(),
            entries: level_entries,
            chunk,
            null_key: shape.keys,
            level0: u32::from(input.is_none()),
            final_level: u32::from(final_level),
        };
        // SAFETY: the level buffers hold two entries per thread of level 0, the largest level;
        // bases hold every index the scalars name.
        unsafe {
            runner.launch(
                C::ACCUMULATE,
                blocks_for(threads)?,
                THREADS_PER_BLOCK,
                &params,
            )?
        };
        if final_level {
            break;
        }
        level_entries = 2 * threads;
        chunk = config.level_chunk.max(2);
        input = Some(out);
    }
    runner.synchronize()
}

/// Window sums from the buckets: segment running sums, a tree per window, Jacobian output.
fn reduce_buckets<C: CudaGroup, R: KernelRunner>(
    runner: &R,
    shape: &MsmShape,
    buckets: &R::Buffer,
) -> Result<Vec<C::Group>> {
    let windows = shape.windows;
    let segments = shape.segments;
    let sums = runner.alloc_zeroed(
        windows as usize * segments as usize * C::XYZZ_WORDS,
        "msm window segment sums",
    )?;
    let out = runner.alloc_zeroed(windows as usize * C::JACOBIAN_WORDS, "msm window sums")?;
    let reduce = MsmBucketReduceParams {
        buckets: buckets.address(),
        sums: sums.address(),
        windows,
        buckets_per_window: shape.buckets_per_window,
        segments,
        pad: 0,
    };
    // SAFETY: buckets hold windows * B points, sums windows * segments.
    unsafe {
        runner.launch(
            C::BUCKET_REDUCE,
            blocks_for(u64::from(windows) * u64::from(segments))?,
            THREADS_PER_BLOCK,
            &reduce,
        )?
    };
    let mut half = segments / 2;
    while half >= 1 {
        let pairwise = MsmPairwiseParams {
            sums: sums.address(),
            windows,
            stride: segments,
            half,
            pad: 0,
        };
        // SAFETY: indices below windows * segments.
        unsafe {
            runner.launch(
                C::PAIRWISE,
                blocks_for(u64::from(windows) * u64::from(half))?,
                THREADS_PER_BLOCK,
                &pairwise,
            )?
        };
        half /= 2;
    }
    let to_jacobian = MsmToJacobianParams {
        sums: sums.address(),
        out: out.address(),
        windows,
        stride: segments,
    };
    // SAFETY: out holds one Jacobian point per window.
    unsafe {
        runner.launch(
            C::TO_JACOBIAN,
            blocks_for(u64::from(windows))?,
            THREADS_PER_BLOCK,
            &to_jacobian,
        )?
    };
    let words = runner.download(&out, 0..windows as usize * C::JACOBIAN_WORDS)?;
    layout::words_to_bytes(&words)
        .chunks_exact(C::JACOBIAN_WORDS * 4)
        .map(C::decode)
        .collect()
}

/// `sum_i scalars[i] * bases[i]` for `i < len`, on the device. `bases` holds at least `len`
/// affine points and `scalars` at least `len` Fr elements in Montgomery form.
pub fn msm<C: CudaGroup, R: KernelRunner>(
    runner: &R,
    bases: &R::Buffer,
    scalars: &R::Buffer,
    len: usize,
    config: &MsmConfig,
) -> Result<C::Group> {
    if len == 0 {
        return Ok(C::Group::zero());
    }
    if bases.words() < len * C::AFFINE_WORDS || scalars.words() < len * FR_WORDS {
        return Err(Error::InvalidArgument(format!(
            "{}: {len} points need {} base words and {} scalar words, got {} and {}",
            C::NAME,
            len * C::AFFINE_WORDS,
            len * FR_WORDS,
            bases.words(),
            scalars.words()
        )));
    }
    if len >= 1 << 31 {
        return Err(Error::InvalidArgument(format!(
            "{}: {len} points is too many",
            C::NAME
        )));
    }
    let shape = MsmShape::new::<C>(len, config);
    let buckets = runner.alloc_zeroed(shape.keys as usize * C::XYZZ_WORDS, "msm buckets")?;

    // Entries (windows x points) are counted in u32 on the device.
    let max_points = ((1usize << 31) - 1) / shape.windows as usize;
    let mut chunk = config
        .max_chunk
        .unwrap_or(len)
        .clamp(1, len)
        .min(max_points);
    if let Some(free) = runner.free_memory() {
        // Leave a tenth of the free memory to the rest of the process.
        while chunk > MIN_CHUNK && shape.chunk_bytes::<C>(chunk, config) > free / 10 * 9 {
            chunk /= 2;
        }
    }
    let mut first = 0;
    while first < len {
        let m = chunk.min(len - first);
        let r =
            accumulate_chunk::<C, R>(runner, &shape, config, bases, scalars, &buckets, first, m);
        if oom(&r) && chunk > MIN_CHUNK {
            chunk = (chunk / 2).max(MIN_CHUNK);
            continue;
        }
        r?;
        first += m;
    }
    let window_sums = reduce_buckets::<C, R>(runner, &shape, &buckets)?;
    Ok(combine_windows(&window_sums, shape.window_bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_the_plan_and_stay_in_bounds() {
        let config = MsmConfig::default();
        for log in 0..=24 {
            let s = MsmShape::new::<G1>(1 << log, &config);
            assert!(s.window_bits <= G1::MAX_WINDOW_BITS);
            assert_eq!(s.keys, s.windows * s.buckets_per_window);
            assert!(s.segments.is_power_of_two() && s.segments <= s.buckets_per_window);
            let s2 = MsmShape::new::<G2>(1 << log, &config);
            assert!(s2.window_bits <= G2::MAX_WINDOW_BITS);
        }
        let fixed = MsmShape::new::<G1>(
            100,
            &MsmConfig {
                window_bits: Some(5),
                segments: 64,
                ..config
            },
        );
        assert_eq!(
            (fixed.windows, fixed.buckets_per_window, fixed.segments),
            (51, 16, 16)
        );
    }
}
