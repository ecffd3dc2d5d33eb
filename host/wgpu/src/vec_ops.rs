//! Element-wise operations on resident Fr vectors (`kernels/wgsl/vec.wgsl`).

use ark_bn254::Fr;

use kiln_host::error::{Error, Result};
use kiln_host::layout::FIELD_BYTES;

use super::buffers::FrVec;
use super::context::{Bind, Gpu};
use super::radix::kernel_words;
use super::shader::{module, source, Part};

/// One element-wise operation, `a[i] <- a[i] op ...`.
#[derive(Clone, Copy, Debug)]
pub enum FrOp<'a> {
    Add(&'a FrVec),
    Sub(&'a FrVec),
    Mul(&'a FrVec),
    Scale(Fr),
    AddScalar(Fr),
    /// `a[i] <- rhs[i]`, a device-side copy.
    Copy(&'a FrVec),
}

/// Applies `op` to `a`; any right-hand vector has `a`'s length (the seam checked it).
pub fn apply(gpu: &Gpu, a: &FrVec, op: FrOp<'_>) -> Result<()> {
    let (code, rhs, constant) = match op {
        FrOp::Add(b) => (0u32, Some(b), [0u32; 8]),
        FrOp::Sub(b) => (1, Some(b), [0; 8]),
        FrOp::Mul(b) => (2, Some(b), [0; 8]),
        FrOp::Scale(c) => (3, None, kernel_words(&c, gpu.shape())),
        // Addition is radix-blind: the constant goes in the data's own radix, 2^256.
        FrOp::AddScalar(c) => (
            4,
            None,
            kiln_host::layout::fr_to_bytes(&c, kiln_host::layout::Form::Montgomery)
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect::<Vec<_>>()
                .try_into()
                .expect("8 words"),
        ),
        FrOp::Copy(b) => return copy(gpu, a, b),
    };
    if let Some(b) = rhs {
        same_shape(a, b)?;
    }
    let shape = gpu.shape();
    let pipeline = gpu.pipeline("vec", "vec_op", || {
        module(shape, &[Part::Fr], source::VEC(), &[])
    })?;
    let dummy = gpu.storage_buffer("kiln unused binding", 16)?;
    let mut params = vec![code];
    params.extend_from_slice(&constant);
    let mut batch = gpu.batch("vec-op");
    for (i, chunk) in a.chunks().iter().enumerate() {
        let (_, n) = a.chunk_range(i);
        let rhs_chunk = rhs.map_or(&dummy, |b| &b.chunks()[i]);
        batch.dispatch(
            &pipeline,
            &params,
            &[(1, Bind::from(chunk)), (2, Bind::from(rhs_chunk))],
            n as u64,
        )?;
    }
    batch.submit()
}

fn same_shape(a: &FrVec, b: &FrVec) -> Result<()> {
    if a.len() == b.len() && a.chunk_len() == b.chunk_len() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "vector shapes differ: {} elements in chunks of {} vs {} in chunks of {}",
            a.len(),
            a.chunk_len(),
            b.len(),
            b.chunk_len()
        )))
    }
}

fn copy(gpu: &Gpu, a: &FrVec, b: &FrVec) -> Result<()> {
    same_shape(a, b)?;
    let mut batch = gpu.batch("vec-copy");
    for (i, (dst, src)) in a.chunks().iter().zip(b.chunks()).enumerate() {
        let (_, n) = a.chunk_range(i);
        batch.copy(src, 0, dst, 0, (n * FIELD_BYTES) as u64);
    }
    batch.submit()
}
