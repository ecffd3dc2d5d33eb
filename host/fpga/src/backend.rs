//! [`FpgaBackend`]: a kiln card behind the seam, whether reached over XDMA (`fpga`) or as the
//! Verilator model (`fpga-sim`); only how the card is reached differs ([`crate::card`]).
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
//! The card counts its clock cycles; [`crate::card_figures`] reports them for `kiln bench`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;
use kiln_ffi::{regs, Card, CardMemory, Region, TransportError};
use kiln_host::layout::{self, Form};
use kiln_host::{
    Backend, BackendId, DeviceBuffer, DeviceInfo, DeviceKind, Error, G1Bases, G2Bases, NttOp,
    Result, Scalars, VecOp,
};

use crate::counters::{self, Counters};
use crate::{card, msm, ntt, SIM_NAME, XDMA_NAME};

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
    /// The `fpga` backend on the default card ([`card::default_device`]).
    pub fn open_xdma() -> std::result::Result<Self, TransportError> {
        let card = card::default_device().and_then(|p| card::open_xdma_card(&p))?;
        Ok(Self::new(XDMA_NAME, card, false))
    }

    /// The `fpga-sim` backend on a fresh Verilator model (built by `make sim`).
    pub fn open_sim() -> std::result::Result<Self, TransportError> {
        Ok(Self::new(SIM_NAME, card::open_sim_card()?, true))
    }

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
        let id = BackendId::fresh();
        let counters = counters::register(id, i.clock_mhz);
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
