//! The `cpu` backend: the arkworks reference algebra behind the seam.
//!
//! MSMs are ark-ec's `VariableBaseMSM` (Pippenger with signed digits, parallel over rayon), NTTs
//! ark-poly's radix-2 domains. Its "device memory" is host memory, so uploads are copies and
//! nothing ever runs out of space before the host does. It is the backend every other backend is
//! compared with, and the one provers fall back on for small inputs.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::backend::{Backend, BackendId, DeviceBuffer, G1Bases, G2Bases, NttOp, Scalars, VecOp};
use crate::device::DeviceInfo;
use crate::error::{Error, Result};

/// The arkworks CPU backend.
#[derive(Debug)]
pub struct CpuBackend {
    id: BackendId,
}

impl CpuBackend {
    /// The name it is selected by.
    pub const NAME: &'static str = "cpu";

    pub fn new() -> Self {
        CpuBackend {
            id: BackendId::fresh(),
        }
    }

    fn wrap<T: Send + Sync + 'static>(&self, values: Vec<T>) -> DeviceBuffer<T> {
        let len = values.len();
        DeviceBuffer::new(self, len, Box::new(values))
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

/// The host storage behind every cpu buffer. A failed downcast means a buffer whose owner id
/// matched but whose storage is not ours: an internal bug, reported rather than panicked on.
fn host<'a, T: 'static>(buf: &'a DeviceBuffer<T>, op: &'static str) -> Result<&'a Vec<T>> {
    buf.storage::<Vec<T>>().ok_or(Error::Device {
        op,
        message: "buffer storage is not a cpu buffer".into(),
    })
}

fn host_mut<'a, T: 'static>(
    buf: &'a mut DeviceBuffer<T>,
    op: &'static str,
) -> Result<&'a mut Vec<T>> {
    buf.storage_mut::<Vec<T>>().ok_or(Error::Device {
        op,
        message: "buffer storage is not a cpu buffer".into(),
    })
}

fn domain(len: usize) -> Result<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::new(len).ok_or(Error::NttLength {
        len,
        why: "no radix-2 domain of this size",
    })
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn id(&self) -> BackendId {
        self.id
    }

    fn device_info(&self) -> DeviceInfo {
        crate::sysinfo::cpu_device_info(Self::NAME)
    }

    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        Ok(self.wrap(bases.to_vec()))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        Ok(self.wrap(bases.to_vec()))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        Ok(self.wrap(values.to_vec()))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        Ok(host(values, "download")?.clone())
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        Ok(G1Projective::msm_unchecked(
            host(bases, "msm-g1")?,
            host(scalars, "msm-g1")?,
        ))
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        Ok(G2Projective::msm_unchecked(
            host(bases, "msm-g2")?,
            host(scalars, "msm-g2")?,
        ))
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        let v = host_mut(values, op.name())?;
        let subgroup = domain(v.len())?;
        let coset = |g| {
            subgroup.get_coset(g).ok_or(Error::NttLength {
                len: v.len(),
                why: "no coset domain of this size",
            })
        };
        match op {
            NttOp::Forward => subgroup.fft_in_place(v),
            NttOp::Inverse => subgroup.ifft_in_place(v),
            NttOp::CosetForward(g) => coset(g)?.fft_in_place(v),
            NttOp::CosetInverse(g) => coset(g)?.ifft_in_place(v),
        }
        Ok(())
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        let name = op.name();
        let (rhs, f): (&Scalars, fn(&mut Fr, &Fr)) = match op {
            VecOp::Add(rhs) => (rhs, |a, b| *a += b),
            VecOp::Sub(rhs) => (rhs, |a, b| *a -= b),
            VecOp::Mul(rhs) => (rhs, |a, b| *a *= b),
            VecOp::Copy(rhs) => (rhs, |a, b| *a = *b),
            VecOp::Scale(c) => {
                host_mut(values, name)?.par_iter_mut().for_each(|a| *a *= c);
                return Ok(());
            }
            VecOp::AddScalar(c) => {
                host_mut(values, name)?.par_iter_mut().for_each(|a| *a += c);
                return Ok(());
            }
        };
        let rhs = host(rhs, name)?;
        let lhs = host_mut(values, name)?;
        lhs.par_iter_mut()
            .zip(rhs.par_iter())
            .for_each(|(a, b)| f(a, b));
        Ok(())
    }
}
