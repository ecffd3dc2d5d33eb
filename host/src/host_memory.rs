//! Buffers in host memory, shared by the two CPU backends (`arkworks`, the reference, and
//! `cpu`, kiln's own MSM in `host/cpu`): the same storage, NTTs and vector operations, so the
//! backends differ only where they mean to, in their MSMs.
//!
//! Scalars are stored as a `Vec<Fr>` (Montgomery form, as arkworks keeps them). NTTs are
//! ark-poly's radix-2 domains and vector operations run on the rayon pool.

use ark_bn254::Fr;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::backend::{Backend, DeviceBuffer, NttOp, Scalars, VecOp};
use crate::error::{Error, Result};

/// Wraps host `values` as a buffer of `backend`.
pub fn wrap<T: Send + Sync + 'static>(backend: &dyn Backend, values: Vec<T>) -> DeviceBuffer<T> {
    let len = values.len();
    DeviceBuffer::new(backend, len, Box::new(values))
}

/// The host storage behind a buffer. A failed downcast means a buffer whose owner id matched
/// but whose storage is not a host `Vec`: an internal bug, reported rather than panicked on.
pub fn host<'a, T: 'static>(buf: &'a DeviceBuffer<T>, op: &'static str) -> Result<&'a Vec<T>> {
    buf.storage::<Vec<T>>().ok_or(not_host(op))
}

/// As [`host`], mutably.
pub fn host_mut<'a, T: 'static>(
    buf: &'a mut DeviceBuffer<T>,
    op: &'static str,
) -> Result<&'a mut Vec<T>> {
    buf.storage_mut::<Vec<T>>().ok_or(not_host(op))
}

fn not_host(op: &'static str) -> Error {
    Error::Device {
        op,
        message: "buffer storage is not a host buffer".into(),
    }
}

fn domain(len: usize) -> Result<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::new(len).ok_or(Error::NttLength {
        len,
        why: "no radix-2 domain of this size",
    })
}

/// `op` on a host scalar buffer, in place.
pub fn ntt(values: &mut Scalars, op: NttOp) -> Result<()> {
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

/// `op` element-wise on host scalar buffers, in place.
pub fn vec_op(values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
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
