//! The `arkworks` backend: the arkworks reference algebra behind the seam.
//!
//! MSMs are ark-ec's `VariableBaseMSM` (Pippenger with signed digits and XYZZ buckets, parallel
//! over rayon), NTTs ark-poly's radix-2 domains ([`crate::host_memory`]). Its "device memory" is
//! host memory, so uploads are copies and nothing ever runs out of space before the host does.
//! It is the backend every other backend is compared with: the conformance suite, `kiln
//! selftest` and every bit-for-bit test check against it. (`cpu`, kiln's own faster MSM on the
//! same host buffers, lives in `host/cpu`.)

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;

use crate::backend::{Backend, BackendId, G1Bases, G2Bases, NttOp, Scalars, VecOp};
use crate::device::DeviceInfo;
use crate::error::Result;
use crate::host_memory::{self, host, scalars, wrap, wrap_scalars};

/// The arkworks reference backend.
#[derive(Debug)]
pub struct ArkworksBackend {
    id: BackendId,
}

impl ArkworksBackend {
    /// The name it is selected by.
    pub const NAME: &'static str = "arkworks";

    pub fn new() -> Self {
        ArkworksBackend {
            id: BackendId::fresh(),
        }
    }
}

impl Default for ArkworksBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl Backend for ArkworksBackend {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn id(&self) -> BackendId {
        self.id
    }

    fn device_info(&self) -> DeviceInfo {
        crate::sysinfo::cpu_device_info(Self::NAME)
    }

    fn on_host(&self) -> bool {
        true
    }

    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        Ok(wrap(self, bases.to_vec()))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        Ok(wrap(self, bases.to_vec()))
    }

    fn upload_g1_owned(&self, bases: Vec<G1Affine>) -> Result<G1Bases> {
        Ok(wrap(self, bases))
    }

    fn upload_g2_owned(&self, bases: Vec<G2Affine>) -> Result<G2Bases> {
        Ok(wrap(self, bases))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        Ok(wrap_scalars(self, values.to_vec()))
    }

    fn upload_scalars_owned(&self, values: Vec<Fr>) -> Result<Scalars> {
        Ok(wrap_scalars(self, values))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        Ok(scalars(values, "download")?.values().to_vec())
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, values: &Scalars) -> Result<G1Projective> {
        Ok(G1Projective::msm_unchecked(
            host(bases, "msm-g1")?,
            &scalars(values, "msm-g1")?.values(),
        ))
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, values: &Scalars) -> Result<G2Projective> {
        Ok(G2Projective::msm_unchecked(
            host(bases, "msm-g2")?,
            &scalars(values, "msm-g2")?.values(),
        ))
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        host_memory::ntt(values, op)
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        host_memory::vec_op(values, op)
    }
}
