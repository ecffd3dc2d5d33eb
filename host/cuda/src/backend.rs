//! The `cuda` backend: kiln's CUDA kernels behind the seam.
//!
//! [`CudaBackend`] is generic over the [`KernelRunner`] that executes the kernels: on a GPU
//! that is [`CudaRunner`] (cudarc; the default), and in CI the host emulator
//! `hosttest::emulator::HostRunner` (feature `emulator`), which runs the same kernel bodies
//! compiled as C++. Everything above the runner (uploads in the device layout, the MSM and NTT drivers, the vector operations) is the
//! same code in both.
//!
//! Resident data is device memory: a proving key's bases are uploaded once and stay; scalars
//! are uploaded per proof; NTT and vector operations work in place without a host round trip.
//! Scalars are kept in Montgomery form (what the NTT and vector kernels compute in); the MSM's
//! digit kernel converts them to canonical form itself, so an NTT's output feeds an MSM
//! directly.

use crate::msm::{MsmConfig, G1, G2};
use crate::ntt::{fr_words, CudaNtt};
use crate::vec::VecCode;
use crate::{CudaRunner, DeviceWords, KernelRunner};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::Field;
use kiln_host::layout::{self, Form};
use kiln_host::{
    Backend, BackendId, DeviceBuffer, DeviceInfo, DeviceKind, Error, G1Bases, G2Bases, NttOp,
    Result, Scalars, VecOp,
};

/// The CUDA backend over a kernel runner.
pub struct CudaBackend<R: KernelRunner = CudaRunner> {
    id: BackendId,
    name: &'static str,
    runner: R,
    ntt: CudaNtt<R>,
    msm: MsmConfig,
    info: DeviceInfo,
}

impl CudaBackend<CudaRunner> {
    /// The backend on CUDA device 0; without an NVIDIA driver or device this is an error
    /// saying so ("no NVIDIA driver found").
    pub fn open() -> std::result::Result<Self, String> {
        Self::open_device(0)
    }

    /// The backend on CUDA device `ordinal`.
    pub fn open_device(ordinal: usize) -> std::result::Result<Self, String> {
        let runner = CudaRunner::open(ordinal).map_err(|e| match e {
            Error::Device { message, .. } => message,
            other => other.to_string(),
        })?;
        let gpu = runner.info().clone();
        let mut properties = vec![
            (
                "compute capability".to_string(),
                format!(
                    "{}.{} ({})",
                    gpu.compute_capability.0,
                    gpu.compute_capability.1,
                    gpu.arch()
                ),
            ),
            (
                "memory".to_string(),
                format!("{:.1} GiB", gpu.total_memory as f64 / (1u64 << 30) as f64),
            ),
            (
                "multiprocessors".to_string(),
                gpu.multiprocessors.to_string(),
            ),
        ];
        properties.push((
            "NVRTC".to_string(),
            crate::nvrtc::version_string()
                .unwrap_or_else(|| "not found (kernels must come from the cache)".to_string()),
        ));
        properties.push((
            "kernel cache".to_string(),
            runner
                .cache()
                .dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "off".to_string()),
        ));
        let info = DeviceInfo {
            backend: "cuda",
            kind: DeviceKind::Gpu,
            name: gpu.name.clone(),
            properties,
        };
        Ok(Self::with_runner("cuda", runner, info))
    }
}

impl<R: KernelRunner + 'static> CudaBackend<R> {
    /// The backend over any runner (the host emulator in CI), reporting `name` and `info`.
    pub fn with_runner(name: &'static str, runner: R, info: DeviceInfo) -> Self {
        CudaBackend {
            id: BackendId::fresh(),
            name,
            runner,
            ntt: CudaNtt::new(),
            msm: MsmConfig::default(),
            info,
        }
    }

    /// The runner executing the kernels.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Tunes the MSM (window size, chunking; tests use this to force small chunks).
    pub fn set_msm_config(&mut self, config: MsmConfig) {
        self.msm = config;
    }

    fn wrap<T>(&self, len: usize, buffer: R::Buffer) -> DeviceBuffer<T> {
        DeviceBuffer::new(self, len, Box::new(buffer))
    }

    fn words<'a, T>(&self, buf: &'a DeviceBuffer<T>, op: &'static str) -> Result<&'a R::Buffer> {
        buf.storage::<R::Buffer>().ok_or(Error::Device {
            op,
            message: "buffer storage is not a cuda buffer".into(),
        })
    }

    fn words_mut<'a, T>(
        &self,
        buf: &'a mut DeviceBuffer<T>,
        op: &'static str,
    ) -> Result<&'a mut R::Buffer> {
        buf.storage_mut::<R::Buffer>().ok_or(Error::Device {
            op,
            message: "buffer storage is not a cuda buffer".into(),
        })
    }
}

impl<R: KernelRunner + 'static> Backend for CudaBackend<R> {
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
        let words = layout::bytes_to_words(&layout::points_to_bytes(bases));
        Ok(self.wrap(bases.len(), self.runner.upload(&words, "G1 bases")?))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        let words = layout::bytes_to_words(&layout::points_to_bytes(bases));
        Ok(self.wrap(bases.len(), self.runner.upload(&words, "G2 bases")?))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        Ok(self.wrap(
            values.len(),
            self.runner.upload(&fr_words(values), "scalars")?,
        ))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        let words = self
            .runner
            .download(self.words(values, "download")?, 0..8 * values.len())?;
        Ok(layout::scalars_from_bytes(
            &layout::words_to_bytes(&words),
            Form::Montgomery,
        )?)
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        crate::msm::msm::<G1, R>(
            &self.runner,
            self.words(bases, "msm-g1")?,
            self.words(scalars, "msm-g1")?,
            scalars.len(),
            &self.msm,
        )
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        crate::msm::msm::<G2, R>(
            &self.runner,
            self.words(bases, "msm-g2")?,
            self.words(scalars, "msm-g2")?,
            scalars.len(),
            &self.msm,
        )
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        let log_n = values.len().trailing_zeros();
        let data = self.words_mut(values, op.name())?;
        self.ntt.run(&self.runner, data, log_n, op)
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        let name = op.name();
        let count = values.len() as u64;
        let (code, rhs, c) = match op {
            VecOp::Copy(rhs) => {
                let src = self.words(rhs, name)?;
                let dst = self.words_mut(values, name)?;
                return self.runner.copy(dst, src);
            }
            VecOp::Add(rhs) => (VecCode::Add, Some(rhs), Fr::ONE),
            VecOp::Sub(rhs) => (VecCode::Sub, Some(rhs), Fr::ONE),
            VecOp::Mul(rhs) => (VecCode::Mul, Some(rhs), Fr::ONE),
            VecOp::Scale(c) => (VecCode::Scale, None, c),
            VecOp::AddScalar(c) => (VecCode::AddScalar, None, c),
        };
        let b = match rhs {
            Some(rhs) => self.words(rhs, name)?.address(),
            None => 0,
        };
        let a = self.words(values, name)?.address();
        // SAFETY: a and b (when used) hold count elements (the checked seam matched lengths).
        unsafe { crate::vec::launch(&self.runner, code, a, b, count, c) }
    }
}
