//! The FPGA backends: `fpga`, a kiln card behind the Xilinx XDMA driver, and `fpga-sim`, the
//! Verilator model of `hdl/` (built by `make sim`). Both are the same code over
//! `kiln_ffi::Transport`; only how the card is reached differs.
//!
//! Where the work runs:
//!
//! | operation | card | host |
//! | --- | --- | --- |
//! | G1 MSM | bucket accumulation (kiln_msm_engine) | signed digits, bucket and window sums |
//! | G2 MSM | - | all of it (arkworks): the card has no Fq2 datapath |
//! | NTT | transforms up to the on-chip size, scalings | stages beyond the on-chip size |
//! | vector ops | all of them (kiln_ntt_engine's VEC mode) | - |
//!
//! Resident G1 bases and Fr vectors live in card memory ([`CardMemory`]); G2 bases stay on the
//! host. `open_best` never picks `fpga-sim`: a simulated card is far slower than the cpu.
//! The card counts its clock cycles; [`card_figures`] reports them for `kiln bench`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;
use kiln_ffi::sim::{SimConfig, SimTransport};
use kiln_ffi::xdma::XdmaTransport;
use kiln_ffi::{regs, Card, CardMemory, Region, Transport, TransportError};
use kiln_host::layout::{self, Form};
use kiln_host::{
    Backend, BackendId, DeviceBuffer, DeviceInfo, DeviceKind, Error, G1Bases, G2Bases, NttOp,
    Result, Scalars, VecOp,
};
use kiln_msm::fpga as msm;
use kiln_ntt::fpga as ntt;

/// The name of the backend on a real card.
pub const XDMA_NAME: &str = "fpga";
/// The name of the backend on the Verilator model.
pub const SIM_NAME: &str = "fpga-sim";

/// How long one kernel may run: a real card finishes in seconds; the model simulates every
/// clock cycle, so it gets longer. `KILN_FPGA_TIMEOUT_S` overrides both.
fn kernel_timeout(sim: bool) -> Duration {
    std::env::var("KILN_FPGA_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(if sim {
            Duration::from_secs(3600)
        } else {
            kiln_ffi::card::DEFAULT_TIMEOUT
        })
}

/// Running totals of what the card did, for `kiln bench`.
#[derive(Debug, Default)]
struct Counters {
    cycles: AtomicU64,
    host_nanos: AtomicU64,
    dma_bytes: AtomicU64,
    runs: AtomicU64,
}

impl Counters {
    fn add(&self, cycles: u64, host: Duration, dma_bytes: u64, runs: u64) {
        self.cycles.fetch_add(cycles, Ordering::Relaxed);
        self.host_nanos
            .fetch_add(host.as_nanos() as u64, Ordering::Relaxed);
        self.dma_bytes.fetch_add(dma_bytes, Ordering::Relaxed);
        self.runs.fetch_add(runs, Ordering::Relaxed);
    }
}

/// What a card backend has done since it opened: card clock cycles, host-side compute,
/// bytes over DMA, kernel runs, and the clock the design is built for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CardFigures {
    pub cycles: u64,
    pub host_time: Duration,
    pub dma_bytes: u64,
    pub runs: u64,
    pub clock_mhz: u32,
}

impl CardFigures {
    /// The figures accumulated between `earlier` and `self`.
    pub fn since(&self, earlier: &CardFigures) -> CardFigures {
        CardFigures {
            cycles: self.cycles - earlier.cycles,
            host_time: self.host_time.saturating_sub(earlier.host_time),
            dma_bytes: self.dma_bytes - earlier.dma_bytes,
            runs: self.runs - earlier.runs,
            clock_mhz: self.clock_mhz,
        }
    }

    /// The card time the cycles take at the design's clock.
    pub fn card_time(&self) -> Duration {
        Duration::from_secs_f64(self.cycles as f64 / (f64::from(self.clock_mhz.max(1)) * 1e6))
    }
}

/// Every live card backend's counters, by backend id (the seam has no downcast).
fn registry() -> MutexGuard<'static, Vec<(BackendId, Weak<Counters>, u32)>> {
    static REGISTRY: Mutex<Vec<(BackendId, Weak<Counters>, u32)>> = Mutex::new(Vec::new());
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// The counters of `backend` if it is a card backend (`fpga` or `fpga-sim`).
pub fn card_figures(backend: &dyn Backend) -> Option<CardFigures> {
    let mut reg = registry();
    reg.retain(|(_, w, _)| w.strong_count() > 0);
    let (_, counters, clock_mhz) = reg.iter().find(|(id, _, _)| *id == backend.id())?;
    let c = counters.upgrade()?;
    Some(CardFigures {
        cycles: c.cycles.load(Ordering::Relaxed),
        host_time: Duration::from_nanos(c.host_nanos.load(Ordering::Relaxed)),
        dma_bytes: c.dma_bytes.load(Ordering::Relaxed),
        runs: c.runs.load(Ordering::Relaxed),
        clock_mhz: *clock_mhz,
    })
}

/// Card memory behind a resident buffer; freed when the buffer is dropped.
struct CardBuffer {
    region: Region,
    memory: Arc<Mutex<CardMemory>>,
}

impl Drop for CardBuffer {
    fn drop(&mut self) {
        lock(&self.memory).free(self.region);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Device {
    card: Card,
    ntt: ntt::NttState,
}

/// A kiln card as a backend.
pub struct FpgaBackend {
    name: &'static str,
    id: BackendId,
    device: Mutex<Device>,
    memory: Arc<Mutex<CardMemory>>,
    counters: Arc<Counters>,
    info: DeviceInfo,
}

impl FpgaBackend {
    /// A backend on an opened card. Lock order: `device`, then `memory`.
    pub fn new(name: &'static str, card: Card, simulated: bool) -> Self {
        let i = card.info().clone();
        let kind = if simulated {
            DeviceKind::Simulator
        } else {
            DeviceKind::Fpga
        };
        let info = DeviceInfo {
            backend: name,
            kind,
            name: format!("kiln card {:#010x} ({})", i.card_id, card.describe()),
            properties: vec![
                ("register map".into(), i.version_string()),
                ("capabilities".into(), i.caps_string()),
                ("clock".into(), format!("{} MHz", i.clock_mhz)),
                ("card memory".into(), format!("{} MiB", i.dram_bytes >> 20)),
                (
                    "msm engine".into(),
                    format!(
                        "{} buckets, adder latency {} cycles, G1 only (G2 on the host)",
                        i.msm_buckets, i.msm_latency
                    ),
                ),
                (
                    "ntt engine".into(),
                    format!("2^{} points on chip", i.ntt_log_max),
                ),
            ],
        };
        let memory = Arc::new(Mutex::new(CardMemory::new(i.dram_bytes)));
        let counters = Arc::new(Counters::default());
        let id = BackendId::fresh();
        registry().push((id, Arc::downgrade(&counters), i.clock_mhz));
        FpgaBackend {
            name,
            id,
            device: Mutex::new(Device {
                card,
                ntt: ntt::NttState::new(),
            }),
            memory,
            counters,
            info,
        }
    }

    fn wrap<T>(&self, len: usize, region: Region) -> DeviceBuffer<T> {
        let storage = CardBuffer {
            region,
            memory: self.memory.clone(),
        };
        DeviceBuffer::new(self, len, Box::new(storage))
    }

    fn upload(&self, op: &'static str, bytes: &[u8]) -> Result<Region> {
        let region = lock(&self.memory)
            .alloc(bytes.len() as u64)
            .map_err(|e| msm::device_error(op, e))?;
        let written = lock(&self.device).card.write_mem(region.addr, bytes);
        if let Err(e) = written {
            lock(&self.memory).free(region);
            return Err(msm::device_error(op, e));
        }
        self.counters.add(0, Duration::ZERO, bytes.len() as u64, 0);
        Ok(region)
    }

    fn download_fr(&self, op: &'static str, buf: &Scalars) -> Result<Vec<Fr>> {
        let region = region_of(buf, op)?;
        let mut bytes = vec![0u8; buf.len() * layout::FIELD_BYTES];
        lock(&self.device)
            .card
            .read_mem(region.addr, &mut bytes)
            .map_err(|e| msm::device_error(op, e))?;
        self.counters.add(0, Duration::ZERO, bytes.len() as u64, 0);
        layout::scalars_from_bytes(&bytes, Form::Montgomery).map_err(|e| Error::Device {
            op,
            message: format!("the card returned values that are not field elements: {e}"),
        })
    }
}

fn region_of<T>(buf: &DeviceBuffer<T>, op: &'static str) -> Result<Region> {
    buf.storage::<CardBuffer>()
        .map(|b| b.region)
        .ok_or(Error::Device {
            op,
            message: "buffer storage is not a card buffer".into(),
        })
}

impl Drop for FpgaBackend {
    fn drop(&mut self) {
        let mut device = lock(&self.device);
        device.ntt.release(&mut lock(&self.memory));
    }
}

impl Backend for FpgaBackend {
    fn name(&self) -> &'static str {
        self.name
    }

    fn id(&self) -> BackendId {
        self.id
    }

    fn device_info(&self) -> DeviceInfo {
        self.info.clone()
    }

    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        let bytes = layout::points_to_bytes(bases);
        let region = self.upload("upload-g1", &bytes)?;
        Ok(self.wrap(bases.len(), region))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        // G2 MSMs run on the host: the bases stay there.
        Ok(DeviceBuffer::new(
            self,
            bases.len(),
            Box::new(bases.to_vec()),
        ))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        let bytes = layout::scalars_to_bytes(values, Form::Montgomery);
        let region = self.upload("upload", &bytes)?;
        Ok(self.wrap(values.len(), region))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        self.download_fr("download", values)
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        let scalars = self.download_fr("msm-g1", scalars)?;
        let bases = region_of(bases, "msm-g1")?;
        let mut device = lock(&self.device);
        let (result, stats) =
            msm::msm_g1(&mut device.card, &mut lock(&self.memory), bases, &scalars)?;
        self.counters
            .add(stats.cycles, stats.host_time, stats.dma_bytes, 1);
        Ok(result)
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        let scalars = self.download_fr("msm-g2", scalars)?;
        let bases = bases.storage::<Vec<G2Affine>>().ok_or(Error::Device {
            op: "msm-g2",
            message: "buffer storage is not a host G2 buffer".into(),
        })?;
        let start = std::time::Instant::now();
        let result = G2Projective::msm_unchecked(bases, &scalars);
        self.counters.add(0, start.elapsed(), 0, 0);
        Ok(result)
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        let region = region_of(values, op.name())?;
        let mut device = lock(&self.device);
        let Device { card, ntt: state } = &mut *device;
        let stats = ntt::ntt(
            card,
            &mut lock(&self.memory),
            state,
            region,
            values.len(),
            op,
        )?;
        self.counters.add(
            stats.cycles,
            stats.host_time,
            stats.dma_bytes,
            u64::from(stats.runs),
        );
        Ok(())
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        let name = op.name();
        let a = region_of(values, name)?.addr;
        let n = values.len();
        if n == 0 {
            return Ok(());
        }
        let (code, b, constant) = match op {
            VecOp::Add(rhs) => (regs::ntt::VEC_ADD, Some(rhs), None),
            VecOp::Sub(rhs) => (regs::ntt::VEC_SUB, Some(rhs), None),
            VecOp::Mul(rhs) => (regs::ntt::VEC_MUL, Some(rhs), None),
            VecOp::Copy(rhs) => (regs::ntt::VEC_COPY, Some(rhs), None),
            VecOp::Scale(c) => (regs::ntt::VEC_SCALE, None, Some(c)),
            VecOp::AddScalar(c) => (regs::ntt::VEC_ADDC, None, Some(c)),
        };
        let b = b.map(|r| region_of(r, name).map(|r| r.addr)).transpose()?;
        let mut device = lock(&self.device);
        let run = ntt::vec_op(&mut device.card, code, a, b, a, n, constant)
            .map_err(|e| ntt::device_error(name, e))?;
        self.counters.add(run.cycles, Duration::ZERO, 0, 1);
        Ok(())
    }
}

fn no_device(name: &str, available: String, e: TransportError) -> super::OpenError {
    super::OpenError::NoDevice {
        name: name.to_string(),
        reason: e.to_string(),
        available,
    }
}

/// Opens the card at `prefix` (`/dev/xdma0`) as an identified [`Card`].
pub fn open_xdma_card(prefix: &std::path::Path) -> std::result::Result<Card, TransportError> {
    let transport = XdmaTransport::open(prefix)?;
    let mut card = Card::open(Box::new(transport) as Box<dyn Transport>)?;
    card.set_timeout(kernel_timeout(false));
    Ok(card)
}

/// A fresh Verilator model of the card as an identified [`Card`].
pub fn open_sim_card() -> std::result::Result<Card, TransportError> {
    let transport = SimTransport::open(SimConfig::default())?;
    let mut card = Card::open(Box::new(transport) as Box<dyn Transport>)?;
    card.set_timeout(kernel_timeout(true));
    Ok(card)
}

/// The card the `fpga` backend uses: `$KILN_FPGA_DEVICE` if set, else the first
/// `/dev/xdma<N>` the driver made.
pub fn default_device() -> std::result::Result<std::path::PathBuf, TransportError> {
    if let Some(p) = std::env::var_os("KILN_FPGA_DEVICE") {
        return Ok(p.into());
    }
    XdmaTransport::discover(std::path::Path::new("/dev"))
        .into_iter()
        .next()
        .ok_or_else(|| TransportError::NoDevice {
            path: "/dev/xdma*".into(),
            reason: "no xdma<N>_user device files (is the Xilinx XDMA driver loaded and a kiln \
                     bitstream on the card?)"
                .into(),
        })
}

/// Whether [`default_device`] names a card whose register device exists.
pub fn card_present() -> bool {
    default_device()
        .map(|p| kiln_ffi::xdma::XdmaPaths::for_prefix(&p).user.exists())
        .unwrap_or(false)
}

/// The `fpga` backend on the default card.
pub fn open_xdma(available: String) -> std::result::Result<Box<dyn Backend>, super::OpenError> {
    let card = default_device()
        .and_then(|p| open_xdma_card(&p))
        .map_err(|e| no_device(XDMA_NAME, available, e))?;
    Ok(Box::new(FpgaBackend::new(XDMA_NAME, card, false)))
}

/// The `fpga-sim` backend on a fresh Verilator model.
pub fn open_sim(available: String) -> std::result::Result<Box<dyn Backend>, super::OpenError> {
    let card = open_sim_card().map_err(|e| no_device(SIM_NAME, available, e))?;
    Ok(Box::new(FpgaBackend::new(SIM_NAME, card, true)))
}
