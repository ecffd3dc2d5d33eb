//! The arkworks backend with deliberate faults, for showing that the checks guarding real backends can
//! fail: the conformance suite must reject it, and a prover must refuse to return its proofs.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::Zero;

use crate::arkworks::ArkworksBackend;
use crate::backend::{Backend, BackendId, G1Bases, G2Bases, NttOp, Scalars, VecOp};
use crate::device::DeviceInfo;
use crate::error::Result;

/// One way to be wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// G1 MSMs skip the last pair: the classic off-by-one of a bucket loop.
    MsmG1DropsLastTerm,
    /// G1 MSMs add the generator to their result: well-formed, plausible and false.
    MsmG1AddsGenerator,
    /// Coset NTTs ignore the shift and transform over the subgroup itself.
    CosetIgnoresShift,
}

/// The arkworks backend with the given faults switched on; selected by nobody, named `faulty`.
pub struct FaultyBackend {
    inner: ArkworksBackend,
    faults: Vec<Fault>,
}

impl FaultyBackend {
    pub fn new(faults: &[Fault]) -> Self {
        FaultyBackend {
            inner: ArkworksBackend::new(),
            faults: faults.to_vec(),
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }
}

impl Backend for FaultyBackend {
    fn name(&self) -> &'static str {
        "faulty"
    }
    fn id(&self) -> BackendId {
        self.inner.id()
    }
    fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            backend: self.name(),
            ..self.inner.device_info()
        }
    }
    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        self.inner.upload_g1(bases)
    }
    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        self.inner.upload_g2(bases)
    }
    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        self.inner.upload_scalars(values)
    }
    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        self.inner.download_scalars_unchecked(values)
    }
    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        let mut result = if self.has(Fault::MsmG1DropsLastTerm) {
            let mut values = self.inner.download_scalars_unchecked(scalars)?;
            if let Some(last) = values.last_mut() {
                *last = Fr::zero();
            }
            self.inner
                .msm_g1_unchecked(bases, &self.inner.upload_scalars(&values)?)?
        } else {
            self.inner.msm_g1_unchecked(bases, scalars)?
        };
        if self.has(Fault::MsmG1AddsGenerator) {
            result += G1Affine::generator();
        }
        Ok(result)
    }
    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        self.inner.msm_g2_unchecked(bases, scalars)
    }
    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        let op = match op {
            NttOp::CosetForward(_) if self.has(Fault::CosetIgnoresShift) => NttOp::Forward,
            NttOp::CosetInverse(_) if self.has(Fault::CosetIgnoresShift) => NttOp::Inverse,
            other => other,
        };
        self.inner.ntt_unchecked(values, op)
    }
    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        self.inner.vec_op_unchecked(values, op)
    }
}
