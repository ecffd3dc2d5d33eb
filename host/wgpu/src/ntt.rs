//! The WGSL NTT driver (`kernels/wgsl/ntt.wgsl`), for the wgpu backend.
//!
//! It runs [`NttPlan`] as planned: input scaling, bit reversal, `log n` radix-2 butterfly stages
//! (one dispatch each), output scaling, all recorded into one submission and awaited once (with
//! the device context's timeout). Vectors larger than one storage binding are already split into
//! power-of-two chunks by [`FrVec`]; a stage whose butterflies span two chunks binds both (the
//! `_pair` kernels), so the transform size is bounded by device memory, not by the binding limit.
//!
//! Powers (twiddles, coset factors) come from two tables of about `sqrt(n)` entries each,
//! `lo[e mod L] * hi[e / L]`, built on the host per call: no `n`-entry table is built or uploaded.

use crate::radix::fr_table_bytes;
use crate::shader::{module, source, Part};
use crate::{Batch, Bind, FrVec, Gpu};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use kiln_host::{NttOp, Result};

use kiln_ntt::plan::{powers, NttPlan, Scaling};

/// Two tables giving `first * ratio^e` for every `e < range` as `lo[e mod L] * hi[e / L]`.
struct PowerTables {
    bits: u32,
    lo: wgpu::Buffer,
    hi: wgpu::Buffer,
}

impl PowerTables {
    fn new(gpu: &Gpu, first: Fr, ratio: Fr, range: usize) -> Result<PowerTables> {
        let range = range.max(1);
        let log = range.next_power_of_two().trailing_zeros();
        let bits = log.div_ceil(2);
        let l = 1usize << bits;
        let h = range.div_ceil(l);
        let lo = powers(Fr::one(), ratio, l);
        let hi = powers(first, ratio.pow([l as u64]), h);
        let shape = gpu.shape();
        Ok(PowerTables {
            bits,
            lo: gpu.buffer_with("ntt table lo", &fr_table_bytes(&lo, shape))?,
            hi: gpu.buffer_with("ntt table hi", &fr_table_bytes(&hi, shape))?,
        })
    }
}

/// The chunking of one vector as the kernels see it.
struct Layout {
    log_n: u32,
    chunk_bits: u32,
    chunks: usize,
}

fn scale(gpu: &Gpu, batch: &mut Batch<'_>, v: &FrVec, at: &Layout, scaling: Scaling) -> Result<()> {
    let (first, ratio) = match scaling {
        Scaling::None => return Ok(()),
        Scaling::Constant(c) => (c, Fr::one()),
        Scaling::Powers { first, ratio } => (first, ratio),
    };
    let tables = PowerTables::new(gpu, first, ratio, v.len())?;
    let pipeline = pipeline(gpu, "scale")?;
    for c in 0..at.chunks {
        let (_, n) = v.chunk_range(c);
        batch.dispatch(
            &pipeline,
            &[at.log_n, at.chunk_bits, c as u32, 0, 0, tables.bits],
            &[
                (1, Bind::from(&v.chunks()[c])),
                (3, Bind::from(&tables.lo)),
                (4, Bind::from(&tables.hi)),
            ],
            n as u64,
        )?;
    }
    Ok(())
}

fn pipeline(gpu: &Gpu, entry: &'static str) -> Result<wgpu::ComputePipeline> {
    let shape = gpu.shape();
    gpu.pipeline("ntt", entry, || {
        module(shape, &[Part::Fr], source::NTT(), &[])
    })
}

/// Applies `op` in place to `v`, whose length is a power of two no larger than 2^28.
pub fn ntt(gpu: &Gpu, v: &FrVec, op: NttOp) -> Result<()> {
    let n = v.len();
    let log_n = n.trailing_zeros();
    let plan = NttPlan::new(log_n, op);
    let at = Layout {
        log_n,
        chunk_bits: v.chunk_len().trailing_zeros().min(log_n),
        chunks: v.chunks().len(),
    };
    let chunk = 1usize << at.chunk_bits;
    let mut batch = gpu.batch(op.name());
    scale(gpu, &mut batch, v, &at, plan.before)?;

    if log_n > 0 {
        let bitrev_same = pipeline(gpu, "bitrev_same")?;
        let bitrev_pair = pipeline(gpu, "bitrev_pair")?;
        for a in 0..at.chunks {
            let params = [log_n, at.chunk_bits, a as u32, 0, 0, 0];
            batch.dispatch(
                &bitrev_same,
                &params,
                &[(1, Bind::from(&v.chunks()[a]))],
                chunk as u64,
            )?;
            for b in a + 1..at.chunks {
                let params = [log_n, at.chunk_bits, a as u32, b as u32, 0, 0];
                let binds = [
                    (1, Bind::from(&v.chunks()[a])),
                    (2, Bind::from(&v.chunks()[b])),
                ];
                batch.dispatch(&bitrev_pair, &params, &binds, chunk as u64)?;
            }
        }

        let twiddles = PowerTables::new(gpu, Fr::one(), plan.root, n / 2)?;
        let same = pipeline(gpu, "butterfly_same")?;
        let pair = pipeline(gpu, "butterfly_pair")?;
        let tables = [(3, Bind::from(&twiddles.lo)), (4, Bind::from(&twiddles.hi))];
        let mut half = 1usize;
        while half < n {
            if half < chunk {
                for a in 0..at.chunks {
                    let params = [
                        log_n,
                        at.chunk_bits,
                        a as u32,
                        0,
                        half as u32,
                        twiddles.bits,
                    ];
                    let binds = [(1, Bind::from(&v.chunks()[a])), tables[0], tables[1]];
                    batch.dispatch(&same, &params, &binds, (chunk / 2) as u64)?;
                }
            } else {
                let step = half / chunk;
                for a in (0..at.chunks).filter(|a| (a * chunk) % (2 * half) < half) {
                    let b = a + step;
                    let params = [
                        log_n,
                        at.chunk_bits,
                        a as u32,
                        b as u32,
                        half as u32,
                        twiddles.bits,
                    ];
                    let binds = [
                        (1, Bind::from(&v.chunks()[a])),
                        (2, Bind::from(&v.chunks()[b])),
                        tables[0],
                        tables[1],
                    ];
                    batch.dispatch(&pair, &params, &binds, chunk as u64)?;
                }
            }
            half *= 2;
        }
    }

    scale(gpu, &mut batch, v, &at, plan.after)?;
    batch.submit()
}
