//! The CUDA NTT driver: [`NttPlan`] as a sequence of launches of `kernels/cuda/ntt.cu`.
//!
//! 1. `ntt_bitrev`: bit reversal in place, fused with the plan's pre-scaling (coset powers).
//! 2. `ntt_pass` for each pass of [`passes`]`(log n, 10)`: up to ten butterfly stages on a tile
//!    of up to 1024 elements in shared memory; the last pass applies the post-scaling
//!    (`1/n`, or `g^-i / n`) as it stores.
//! 3. `ntt_scale` instead, when there is no pass (n = 1).
//!
//! Twiddles (`w^i` for `i < n/2`) are generated on the device once per size and direction and
//! kept ([`CudaNtt`] holds them); scaling sequences travel as two small tables (see
//! `ff/powers.cuh`). Generic over [`KernelRunner`], so the host emulator runs this very code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::runner::{blocks_for, KernelParams, THREADS_PER_BLOCK};
use crate::{DeviceWords, Kernel, KernelRunner, Program};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use kiln_host::layout::{self, Form, FIELD_BYTES};
use kiln_host::{Error, NttOp, Result};

use kiln_ntt::plan::{passes, NttPlan, Scaling};

/// Butterfly stages per pass: a 2^10-element tile fills 32 KiB of shared memory.
pub const MAX_STAGES_PER_PASS: u32 = 10;

const TWIDDLES: Kernel = Kernel::new(Program::Ntt, "ntt_twiddles");
const BITREV: Kernel = Kernel::new(Program::Ntt, "ntt_bitrev");
const SCALE: Kernel = Kernel::new(Program::Ntt, "ntt_scale");
const PASS: Kernel = Kernel::new(Program::Ntt, "ntt_pass");

/// `powers_table` in ff/powers.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PowersTable {
    pub lo: u64,
    pub hi: u64,
    pub lo_bits: u32,
    pub enabled: u32,
}

/// `ntt_twiddles_params` in ntt/ntt.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NttTwiddlesParams {
    pub out: u64,
    pub powers: PowersTable,
    pub count: u64,
}

/// `ntt_bitrev_params` in ntt/ntt.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NttBitrevParams {
    pub data: u64,
    pub before: PowersTable,
    pub log_n: u32,
    pub pad: u32,
}

/// `ntt_scale_params` in ntt/ntt.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NttScaleParams {
    pub data: u64,
    pub factor: PowersTable,
    pub count: u64,
}

/// `ntt_pass_params` in ntt/ntt.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NttPassParams {
    pub data: u64,
    pub twiddles: u64,
    pub after: PowersTable,
    pub log_n: u32,
    pub first_stage: u32,
    pub stages: u32,
    pub log_cols: u32,
}

// SAFETY: #[repr(C)] integer structs mirroring the C++ parameter structs.
unsafe impl KernelParams for PowersTable {}
unsafe impl KernelParams for NttTwiddlesParams {}
unsafe impl KernelParams for NttBitrevParams {}
unsafe impl KernelParams for NttScaleParams {}
unsafe impl KernelParams for NttPassParams {}

/// Words of one Fr element.
const FR_WORDS: usize = FIELD_BYTES / 4;

/// The device-layout words (Montgomery form) of Fr values.
pub fn fr_words(values: &[Fr]) -> Vec<u32> {
    layout::scalars_to_words(values, Form::Montgomery)
}

/// The two tables of `first * ratio^i` for `i < len` (ff/powers.cuh), `lo_bits` chosen so both
/// are about sqrt(len) long.
pub fn powers_tables(first: Fr, ratio: Fr, len: usize) -> (Vec<Fr>, Vec<Fr>, u32) {
    let log_len = len.next_power_of_two().trailing_zeros();
    let lo_bits = log_len.div_ceil(2);
    let lo = kiln_ntt::plan::powers(first, ratio, 1 << lo_bits);
    let step = ratio.pow([1u64 << lo_bits]);
    let hi_len = len.div_ceil(1 << lo_bits).max(1);
    let hi = kiln_ntt::plan::powers(Fr::one(), step, hi_len);
    (lo, hi, lo_bits)
}

/// A scaling's tables, resident for one transform.
struct Resident<B> {
    table: PowersTable,
    _lo: Option<B>,
    _hi: Option<B>,
}

fn upload_scaling<R: KernelRunner>(
    runner: &R,
    scaling: &Scaling,
    len: usize,
) -> Result<Resident<R::Buffer>> {
    let (first, ratio) = match *scaling {
        Scaling::None => {
            return Ok(Resident {
                table: PowersTable::default(),
                _lo: None,
                _hi: None,
            })
        }
        Scaling::Constant(c) => (c, Fr::one()),
        Scaling::Powers { first, ratio } => (first, ratio),
    };
    let (lo, hi, lo_bits) = powers_tables(first, ratio, len);
    let lo = runner.upload(&fr_words(&lo), "ntt scaling table")?;
    let hi = runner.upload(&fr_words(&hi), "ntt scaling table")?;
    Ok(Resident {
        table: PowersTable {
            lo: lo.address(),
            hi: hi.address(),
            lo_bits,
            enabled: 1,
        },
        _lo: Some(lo),
        _hi: Some(hi),
    })
}

/// One pass of the transform as launched: (first stage, stages, log2 columns).
pub fn pass_shapes(log_n: u32) -> Vec<(u32, u32, u32)> {
    let mut first = 0;
    passes(log_n, MAX_STAGES_PER_PASS)
        .into_iter()
        .map(|stages| {
            let log_cols = first.min(MAX_STAGES_PER_PASS - stages);
            let shape = (first, stages, log_cols);
            first += stages;
            shape
        })
        .collect()
}

/// Twiddle tables on the device by (log2 size, inverse).
type TwiddleTables<B> = HashMap<(u32, bool), Arc<B>>;

/// The CUDA NTT, with the twiddle tables it has generated so far.
pub struct CudaNtt<R: KernelRunner> {
    twiddles: Mutex<TwiddleTables<R::Buffer>>,
}

impl<R: KernelRunner> Default for CudaNtt<R> {
    fn default() -> Self {
        CudaNtt {
            twiddles: Mutex::new(HashMap::new()),
        }
    }
}

impl<R: KernelRunner> CudaNtt<R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `root^i` for `i < 2^(log_n - 1)`, generated on the device and kept.
    fn twiddles(&self, runner: &R, log_n: u32, root: Fr, inverse: bool) -> Result<Arc<R::Buffer>> {
        let poisoned = || Error::Device {
            op: "ntt",
            message: "twiddle cache poisoned".into(),
        };
        if let Some(t) = self
            .twiddles
            .lock()
            .map_err(|_| poisoned())?
            .get(&(log_n, inverse))
        {
            return Ok(t.clone());
        }
        let count = 1usize << (log_n - 1);
        let out = match runner.alloc_zeroed(count * FR_WORDS, "ntt twiddles") {
            Ok(out) => out,
            Err(Error::OutOfMemory { .. }) => {
                // Tables of other sizes are only a speed-up: give their memory back and retry.
                self.twiddles.lock().map_err(|_| poisoned())?.clear();
                runner.alloc_zeroed(count * FR_WORDS, "ntt twiddles")?
            }
            Err(e) => return Err(e),
        };
        let powers = upload_scaling(
            runner,
            &Scaling::Powers {
                first: Fr::one(),
                ratio: root,
            },
            count,
        )?;
        let params = NttTwiddlesParams {
            out: out.address(),
            powers: powers.table,
            count: count as u64,
        };
        // SAFETY: out holds count elements; the tables cover every index below count.
        unsafe {
            runner.launch(
                TWIDDLES,
                blocks_for(count as u64)?,
                THREADS_PER_BLOCK,
                &params,
            )?
        };
        runner.synchronize()?;
        let out = Arc::new(out);
        self.twiddles
            .lock()
            .map_err(|_| poisoned())?
            .insert((log_n, inverse), out.clone());
        Ok(out)
    }

    /// Transforms `data` (2^log_n Fr elements in Montgomery form) in place.
    pub fn run(&self, runner: &R, data: &mut R::Buffer, log_n: u32, op: NttOp) -> Result<()> {
        let n = 1usize << log_n;
        if data.words() < n * FR_WORDS {
            return Err(Error::InvalidArgument(format!(
                "ntt of 2^{log_n} elements on a buffer of {} words",
                data.words()
            )));
        }
        let plan = NttPlan::new(log_n, op);
        let inverse = matches!(op, NttOp::Inverse | NttOp::CosetInverse(_));
        let before = upload_scaling(runner, &plan.before, n)?;
        let after = upload_scaling(runner, &plan.after, n)?;
        let shapes = pass_shapes(log_n);
        let twiddles = if shapes.is_empty() {
            None
        } else {
            Some(self.twiddles(runner, log_n, plan.root, inverse)?)
        };

        let bitrev = NttBitrevParams {
            data: data.address(),
            before: before.table,
            log_n,
            pad: 0,
        };
        // SAFETY: data holds 2^log_n elements; the scaling tables cover every index.
        unsafe { runner.launch(BITREV, blocks_for(n as u64)?, THREADS_PER_BLOCK, &bitrev)? };

        for (k, &(first_stage, stages, log_cols)) in shapes.iter().enumerate() {
            let tile_bits = stages + log_cols;
            let last = k + 1 == shapes.len();
            let params = NttPassParams {
                data: data.address(),
                twiddles: twiddles.as_ref().map(|t| t.address()).unwrap_or(0),
                after: if last {
                    after.table
                } else {
                    PowersTable::default()
                },
                log_n,
                first_stage,
                stages,
                log_cols,
            };
            let blocks = u32::try_from(n >> tile_bits).map_err(|_| {
                Error::InvalidArgument(format!("ntt of 2^{log_n} elements exceeds one grid"))
            })?;
            // SAFETY: the shape satisfies ntt_pass's launch contract (pass_shapes); twiddles
            // hold n/2 elements.
            unsafe { runner.launch(PASS, blocks, 1 << (tile_bits - 1), &params)? };
        }
        if shapes.is_empty() && after.table.enabled != 0 {
            let params = NttScaleParams {
                data: data.address(),
                factor: after.table,
                count: n as u64,
            };
            // SAFETY: data holds n elements.
            unsafe { runner.launch(SCALE, blocks_for(n as u64)?, THREADS_PER_BLOCK, &params)? };
        }
        // The scaling tables must outlive the launches that read them.
        runner.synchronize()?;
        drop((before, after));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn pass_shapes_cover_every_stage_within_one_tile() {
        for log_n in 1..=28 {
            let shapes = pass_shapes(log_n);
            let mut next = 0;
            for &(first, stages, log_cols) in &shapes {
                assert_eq!(first, next);
                assert!(stages + log_cols <= MAX_STAGES_PER_PASS);
                assert!(log_cols <= first);
                assert!(stages + log_cols <= log_n, "a tile larger than the data");
                next += stages;
            }
            assert_eq!(next, log_n);
        }
        assert!(pass_shapes(0).is_empty());
    }

    #[test]
    fn powers_tables_reproduce_the_sequence() {
        let mut rng = seeded_rng("powers tables");
        let (first, ratio) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        for len in [1usize, 2, 3, 8, 100, 1024] {
            let (lo, hi, bits) = powers_tables(first, ratio, len);
            let expected = kiln_ntt::plan::powers(first, ratio, len);
            for (i, e) in expected.iter().enumerate() {
                assert_eq!(
                    lo[i & ((1 << bits) - 1)] * hi[i >> bits],
                    *e,
                    "len {len}, i {i}"
                );
            }
        }
    }
}
