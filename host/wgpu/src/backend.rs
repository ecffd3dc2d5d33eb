//! The `wgpu` backend: WGSL kernels on any Vulkan, Metal or DX12 device through wgpu, Mesa's
//! lavapipe included. It combines the device layer ([`crate::context`], [`crate::buffers`]) with
//! the MSM, NTT and vector drivers ([`crate::msm`], [`crate::ntt`], [`crate::vec_ops`]).

use crate::vec_ops::{self, FrOp};
use crate::{FrVec, Gpu, GpuOptions, PointBuf};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use kiln_host::{
    Backend, BackendId, DeviceBuffer, DeviceInfo, Error, G1Bases, G2Bases, NttOp, Result, Scalars,
    VecOp,
};

/// The wgpu backend on one adapter.
#[derive(Debug)]
pub struct WgpuBackend {
    id: BackendId,
    gpu: Gpu,
}

impl WgpuBackend {
    /// The name it is selected by.
    pub const NAME: &'static str = "wgpu";

    /// Opens an adapter (see [`Gpu::open`]); the error says why none could be used.
    pub fn open(options: GpuOptions) -> std::result::Result<WgpuBackend, String> {
        Ok(WgpuBackend {
            id: BackendId::fresh(),
            gpu: Gpu::open(options)?,
        })
    }

    /// The device context, for tests and tools that run kernels directly.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    fn wrap<T, S: Send + Sync + 'static>(&self, len: usize, storage: S) -> DeviceBuffer<T> {
        DeviceBuffer::new(self, len, Box::new(storage))
    }
}

/// The backend's own storage behind a buffer; a mismatch is an internal bug, reported as such.
fn storage<'a, T, S: 'static>(buf: &'a DeviceBuffer<T>, op: &'static str) -> Result<&'a S> {
    buf.storage::<S>().ok_or(Error::Device {
        op,
        message: "buffer storage is not a wgpu buffer".into(),
    })
}

impl Backend for WgpuBackend {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn id(&self) -> BackendId {
        self.id
    }

    fn device_info(&self) -> DeviceInfo {
        self.gpu.device_info(Self::NAME)
    }

    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        Ok(self.wrap(bases.len(), PointBuf::upload_g1(&self.gpu, bases)?))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        Ok(self.wrap(bases.len(), PointBuf::upload_g2(&self.gpu, bases)?))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        Ok(self.wrap(values.len(), FrVec::upload(&self.gpu, values)?))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        storage::<_, FrVec>(values, "download")?.download(&self.gpu)
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        crate::msm::msm_g1(
            &self.gpu,
            storage(bases, "msm-g1")?,
            storage(scalars, "msm-g1")?,
        )
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        crate::msm::msm_g2(
            &self.gpu,
            storage(bases, "msm-g2")?,
            storage(scalars, "msm-g2")?,
        )
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        crate::ntt::ntt(&self.gpu, storage(values, op.name())?, op)
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        let name = op.name();
        if values.is_empty() {
            return Ok(());
        }
        let a: &FrVec = storage(values, name)?;
        let op = match op {
            VecOp::Add(b) => FrOp::Add(storage(b, name)?),
            VecOp::Sub(b) => FrOp::Sub(storage(b, name)?),
            VecOp::Mul(b) => FrOp::Mul(storage(b, name)?),
            VecOp::Copy(b) => FrOp::Copy(storage(b, name)?),
            VecOp::Scale(c) => FrOp::Scale(c),
            VecOp::AddScalar(c) => FrOp::AddScalar(c),
        };
        vec_ops::apply(&self.gpu, a, op)
    }
}
