//! NTTs and vector operations on a kiln FPGA card (or its Verilator model), over `kiln_ffi`.
//!
//! The card's NTT engine transforms up to `2^NTT_LOG_MAX` points in on-chip memory. A plan
//! ([`NttPlan`]) becomes, for `n` points:
//!
//! * the input scaling on the card: a vector multiply by the table `g^i` (coset transforms) or
//!   by a constant;
//! * `n <= 2^NTT_LOG_MAX`: one card transform of the whole vector (bit-reversed load, `log n`
//!   stages, natural-order store), then the output scaling on the card;
//! * larger `n`: the card runs the first `NTT_LOG_MAX` stages on each of `n / 2^NTT_LOG_MAX`
//!   strided blocks (block `b` holds the elements `rev(b) + m * blocks`, which after the card's
//!   bit-reversed load are exactly block `b` of the bit-reversed vector), and the host runs the
//!   remaining stages ([`kiln_ntt::butterfly_stages`]) and the output scaling, then writes the
//!   result back.
//!
//! Twiddle and coset tables are computed on the host and kept in card memory ([`NttState`]),
//! so a prover's repeated transforms of one size upload them once.

use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ark_ff::{Field, One};
use kiln_ffi::{regs, Card, CardMemory, Kernel, Region, RunStats, TransportError};
use kiln_host::layout::{self, Form};
use kiln_host::{Error, NttOp};

use kiln_ntt::plan::{apply, bit_reverse, butterfly_stages, powers, NttPlan, Scaling};

/// Bytes of one Fr element in card memory.
pub const ELEM_BYTES: u64 = layout::FIELD_BYTES as u64;
/// Tables kept on the card before the oldest is dropped.
const MAX_TABLES: usize = 16;

/// What one NTT or vector operation cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NttStats {
    /// Card clock cycles, all kernel runs together.
    pub cycles: u64,
    /// Kernel runs.
    pub runs: u32,
    /// Butterfly stages run on the host (transforms larger than the card's memory).
    pub host_stages: u32,
    /// Host time spent on tables and host stages.
    pub host_time: Duration,
    /// Bytes moved by DMA.
    pub dma_bytes: u64,
}

impl NttStats {
    fn add_run(&mut self, run: RunStats) {
        self.cycles += run.cycles;
        self.runs += 1;
    }
}

/// Maps a card error to the seam's error type.
pub fn device_error(op: &'static str, e: TransportError) -> Error {
    Error::from_device(op, e.out_of_memory_bytes(), e)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TableKey {
    Powers { first: Fr, ratio: Fr, len: usize },
}

/// What the NTT driver keeps on a card between calls: tables in card memory, and which
/// twiddle table the engine's on-chip RAM holds.
#[derive(Debug, Default)]
pub struct NttState {
    tables: Vec<(TableKey, Region)>,
    loaded_twiddles: Option<(u64, u32)>,
}

impl NttState {
    pub fn new() -> Self {
        Self::default()
    }

    /// The table `first * ratio^i, i < len` in card memory, uploaded if not there yet.
    fn table(
        &mut self,
        card: &mut Card,
        memory: &mut CardMemory,
        first: Fr,
        ratio: Fr,
        len: usize,
        stats: &mut NttStats,
    ) -> Result<Region, TransportError> {
        let key = TableKey::Powers { first, ratio, len };
        if let Some(pos) = self.tables.iter().position(|(k, _)| *k == key) {
            let entry = self.tables.remove(pos);
            self.tables.push(entry);
            return Ok(entry.1);
        }
        if self.tables.len() >= MAX_TABLES {
            let (_, old) = self.tables.remove(0);
            if self
                .loaded_twiddles
                .is_some_and(|(addr, _)| addr == old.addr)
            {
                self.loaded_twiddles = None;
            }
            memory.free(old);
        }
        let start = Instant::now();
        let bytes = layout::scalars_to_bytes(&powers(first, ratio, len), Form::Montgomery);
        stats.host_time += start.elapsed();
        let region = memory.alloc(bytes.len() as u64)?;
        if let Err(e) = card.write_mem(region.addr, &bytes) {
            memory.free(region);
            return Err(e);
        }
        stats.dma_bytes += bytes.len() as u64;
        self.tables.push((key, region));
        Ok(region)
    }

    /// Frees every table (when the backend goes away).
    pub fn release(&mut self, memory: &mut CardMemory) {
        for (_, r) in self.tables.drain(..) {
            memory.free(r);
        }
        self.loaded_twiddles = None;
    }
}

/// `dst[i] = a[i] op b[i]` or `a[i] op constant` for `i < len` on the card (`op` is one of
/// `regs::ntt::VEC_*`).
pub fn vec_op(
    card: &mut Card,
    op: u32,
    a: u64,
    b: Option<u64>,
    dst: u64,
    len: usize,
    constant: Option<Fr>,
) -> Result<RunStats, TransportError> {
    let k = Kernel::Ntt;
    let len = u32::try_from(len).map_err(|_| TransportError::OutOfRange {
        addr: a,
        len: len as u64 * ELEM_BYTES,
        size: u64::from(u32::MAX) * ELEM_BYTES,
    })?;
    card.write(k, regs::ntt::OPCODE, regs::ntt::OP_VEC)?;
    card.write(k, regs::ntt::VEC_OP, op)?;
    card.write(k, regs::ntt::LEN, len)?;
    card.write64(k, regs::ntt::A_LO, a)?;
    card.write64(k, regs::ntt::B_LO, b.unwrap_or(a))?;
    card.write64(k, regs::ntt::DST_LO, dst)?;
    if let Some(c) = constant {
        let bytes = layout::fr_to_bytes(&c, Form::Montgomery);
        for (i, word) in bytes.chunks_exact(4).enumerate() {
            let w = u32::from_le_bytes(word.try_into().expect("4 bytes"));
            card.write(k, regs::ntt::CONST0 + 4 * i as u32, w)?;
        }
    }
    card.run(k)
}

/// What one transform works with: the card, its memory, the driver's tables, the running cost.
struct Run<'a> {
    card: &'a mut Card,
    memory: &'a mut CardMemory,
    state: &'a mut NttState,
    stats: NttStats,
}

impl Run<'_> {
    fn scale(&mut self, data: Region, n: usize, scaling: &Scaling) -> Result<(), TransportError> {
        match *scaling {
            Scaling::None => Ok(()),
            Scaling::Constant(c) => {
                let run = vec_op(
                    self.card,
                    regs::ntt::VEC_SCALE,
                    data.addr,
                    None,
                    data.addr,
                    n,
                    Some(c),
                )?;
                self.stats.add_run(run);
                Ok(())
            }
            Scaling::Powers { first, ratio } => {
                let table =
                    self.state
                        .table(self.card, self.memory, first, ratio, n, &mut self.stats)?;
                let run = vec_op(
                    self.card,
                    regs::ntt::VEC_MUL,
                    data.addr,
                    Some(table.addr),
                    data.addr,
                    n,
                    None,
                )?;
                self.stats.add_run(run);
                Ok(())
            }
        }
    }

    /// Runs the card's transform on `2^(log_k + log_blocks)` elements at `data`: the first
    /// `log_k` stages of each strided block (all of them when `log_blocks = 0`) with
    /// `block_root`, a primitive `2^log_k`-th root of unity.
    fn transform(
        &mut self,
        data: Region,
        log_k: u32,
        log_blocks: u32,
        block_root: Fr,
    ) -> Result<(), TransportError> {
        let half = 1usize << (log_k - 1);
        let twiddles = self.state.table(
            self.card,
            self.memory,
            Fr::one(),
            block_root,
            half,
            &mut self.stats,
        )?;
        let load = self.state.loaded_twiddles != Some((twiddles.addr, log_k));
        let k = Kernel::Ntt;
        let card = &mut *self.card;
        card.write(k, regs::ntt::OPCODE, regs::ntt::OP_NTT)?;
        card.write(k, regs::ntt::LOG_N, log_k)?;
        card.write(k, regs::ntt::LOG_BLOCKS, log_blocks)?;
        card.write(
            k,
            regs::ntt::FLAGS,
            if load {
                regs::ntt::FLAG_LOAD_TWIDDLES
            } else {
                0
            },
        )?;
        card.write64(k, regs::ntt::A_LO, data.addr)?;
        card.write64(k, regs::ntt::TW_LO, twiddles.addr)?;
        // If the run fails part-way, the on-chip table is unknown.
        self.state.loaded_twiddles = None;
        let run = card.run(k)?;
        self.state.loaded_twiddles = Some((twiddles.addr, log_k));
        self.stats.add_run(run);
        Ok(())
    }
}

/// Transforms the `n` elements (a power of two) at `data` in place on the card.
pub fn ntt(
    card: &mut Card,
    memory: &mut CardMemory,
    state: &mut NttState,
    data: Region,
    n: usize,
    op: NttOp,
) -> Result<NttStats, Error> {
    let name = op.name();
    if n <= 1 {
        // Every transform of one point is the identity.
        return Ok(NttStats::default());
    }
    if !n.is_power_of_two() || n as u64 * ELEM_BYTES > data.len {
        return Err(Error::InvalidArgument(format!(
            "{name}: {n} elements in a region of {} bytes",
            data.len
        )));
    }
    let info = card.info().clone();
    if !info.has(regs::caps::NTT | regs::caps::VEC) || info.ntt_log_max == 0 {
        return Err(Error::Device {
            op: name,
            message: "the card has no NTT engine".into(),
        });
    }
    let log_n = n.trailing_zeros();
    let start = Instant::now();
    let plan = NttPlan::new(log_n, op);
    let mut run = Run {
        card,
        memory,
        state,
        stats: NttStats::default(),
    };
    run.stats.host_time += start.elapsed();
    let dev = |e| device_error(name, e);

    run.scale(data, n, &plan.before).map_err(dev)?;
    if log_n <= info.ntt_log_max {
        run.transform(data, log_n, 0, plan.root).map_err(dev)?;
        run.scale(data, n, &plan.after).map_err(dev)?;
        return Ok(run.stats);
    }

    // Too large for the card's memory: the card runs the first stages of every block.
    let log_k = info.ntt_log_max;
    let log_blocks = log_n - log_k;
    let block_root = plan.root.pow([1u64 << log_blocks]);
    run.transform(data, log_k, log_blocks, block_root)
        .map_err(dev)?;
    let mut stats = run.stats;
    let mut bytes = vec![0u8; n * ELEM_BYTES as usize];
    run.card.read_mem(data.addr, &mut bytes).map_err(dev)?;
    let strided =
        layout::scalars_from_bytes(&bytes, Form::Montgomery).map_err(|e| Error::Device {
            op: name,
            message: format!("the card returned values that are not field elements: {e}"),
        })?;
    let host_start = Instant::now();
    let (k, blocks) = (1usize << log_k, 1usize << log_blocks);
    let mut values = vec![Fr::one(); n];
    for b in 0..blocks {
        let base = bit_reverse(b, log_blocks);
        for m in 0..k {
            values[b * k + m] = strided[base + m * blocks];
        }
    }
    butterfly_stages(&mut values, plan.root, log_k + 1..=log_n);
    apply(&plan.after, &mut values);
    let out = layout::scalars_to_bytes(&values, Form::Montgomery);
    stats.host_time += host_start.elapsed();
    stats.host_stages = log_blocks;
    run.card.write_mem(data.addr, &out).map_err(dev)?;
    stats.dma_bytes += 2 * bytes.len() as u64;
    Ok(stats)
}
