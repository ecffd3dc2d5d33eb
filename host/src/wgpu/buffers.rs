//! Resident data of the wgpu backend, in the device layout of [`crate::layout`] byte for byte.
//!
//! * [`FrVec`]: Fr vectors (Montgomery form, 32 bytes per element), split into power-of-two
//!   chunks that each fit one storage binding, so an NTT of 2^24 values works on a device whose
//!   bindings are smaller than the vector.
//! * [`PointBuf`]: affine G1 or G2 bases (`x || y`, infinity all zeros) in one buffer; the MSM
//!   reads them at random, so they must fit one binding.

use ark_bn254::{Fr, G1Affine, G2Affine};

use crate::error::{Error, Result};
use crate::layout::{self, Form, FIELD_BYTES};

use super::context::Gpu;

/// A resident Fr vector.
#[derive(Debug)]
pub struct FrVec {
    chunks: Vec<wgpu::Buffer>,
    chunk_len: usize,
    len: usize,
}

impl FrVec {
    /// Elements per chunk on `gpu`: the largest power of two whose bytes fit one binding.
    pub fn chunk_len_for(gpu: &Gpu) -> usize {
        let max = (gpu.max_binding_bytes() / FIELD_BYTES as u64).max(1);
        1usize << (63 - max.leading_zeros()).min(40)
    }

    /// An uninitialised (zeroed) vector of `len` elements.
    pub fn zeroed(gpu: &Gpu, len: usize) -> Result<FrVec> {
        let chunk_len = Self::chunk_len_for(gpu);
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < len {
            let n = chunk_len.min(len - start);
            chunks.push(gpu.storage_buffer("kiln Fr vector", (n * FIELD_BYTES) as u64)?);
            start += n;
        }
        Ok(FrVec {
            chunks,
            chunk_len,
            len,
        })
    }

    /// Uploads `values` in Montgomery form.
    pub fn upload(gpu: &Gpu, values: &[Fr]) -> Result<FrVec> {
        let v = Self::zeroed(gpu, values.len())?;
        for (i, chunk) in v.chunks.iter().enumerate() {
            let (start, n) = v.chunk_range(i);
            let bytes = layout::scalars_to_bytes(&values[start..start + n], Form::Montgomery);
            gpu.write(chunk, 0, &bytes);
        }
        Ok(v)
    }

    /// Reads the vector back, validating every element (a device that returns an unreduced
    /// integer is caught here).
    pub fn download(&self, gpu: &Gpu) -> Result<Vec<Fr>> {
        let mut out = Vec::with_capacity(self.len);
        for (i, chunk) in self.chunks.iter().enumerate() {
            let (_, n) = self.chunk_range(i);
            let bytes = gpu.read("download", chunk, 0, (n * FIELD_BYTES) as u64)?;
            out.extend(layout::scalars_from_bytes(&bytes, Form::Montgomery)?);
        }
        Ok(out)
    }

    /// Elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Elements per chunk (a power of two); every chunk but the last is full.
    pub fn chunk_len(&self) -> usize {
        self.chunk_len
    }

    /// The chunk buffers, in order.
    pub fn chunks(&self) -> &[wgpu::Buffer] {
        &self.chunks
    }

    /// First element and element count of chunk `i`.
    pub fn chunk_range(&self, i: usize) -> (usize, usize) {
        let start = i * self.chunk_len;
        (start, self.chunk_len.min(self.len - start))
    }
}

/// Which group a [`PointBuf`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    G1,
    G2,
}

impl Group {
    /// u32 words of one affine point in the device layout.
    pub fn affine_words(self) -> u32 {
        match self {
            Group::G1 => 16,
            Group::G2 => 32,
        }
    }

    /// u32 words of one XYZZ point as the kernels store it (four packed coordinates).
    pub fn xyzz_words(self) -> u32 {
        2 * self.affine_words()
    }
}

/// Resident affine bases.
#[derive(Debug)]
pub struct PointBuf {
    buffer: wgpu::Buffer,
    group: Group,
    len: usize,
}

impl PointBuf {
    fn upload_bytes(gpu: &Gpu, group: Group, len: usize, bytes: &[u8]) -> Result<PointBuf> {
        let max = gpu.max_binding_bytes();
        if bytes.len() as u64 > max {
            return Err(Error::OutOfMemory {
                what: format!(
                    "{len} {group:?} bases: more than the device's largest storage binding ({max} bytes)"
                ),
                needed_bytes: bytes.len() as u64,
            });
        }
        let buffer = gpu.buffer_with("kiln bases", bytes)?;
        Ok(PointBuf { buffer, group, len })
    }

    /// Uploads G1 bases.
    pub fn upload_g1(gpu: &Gpu, bases: &[G1Affine]) -> Result<PointBuf> {
        Self::upload_bytes(gpu, Group::G1, bases.len(), &layout::points_to_bytes(bases))
    }

    /// Uploads G2 bases.
    pub fn upload_g2(gpu: &Gpu, bases: &[G2Affine]) -> Result<PointBuf> {
        Self::upload_bytes(gpu, Group::G2, bases.len(), &layout::points_to_bytes(bases))
    }

    /// The buffer.
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// The group.
    pub fn group(&self) -> Group {
        self.group
    }

    /// Points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
