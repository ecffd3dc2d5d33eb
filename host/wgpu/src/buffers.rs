//! Resident data of the wgpu backend, in the device layout of [`kiln_host::layout`] byte for byte.
//!
//! * [`FrVec`]: Fr vectors (Montgomery form, 32 bytes per element), split into power-of-two
//!   chunks that each fit one storage binding, so an NTT of 2^24 values works on a device whose
//!   bindings are smaller than the vector.
//! * [`PointBuf`]: affine G1 or G2 bases (`x || y`, infinity all zeros): one buffer when they fit
//!   one storage binding, else parts of a power-of-two length that each do. The MSM reads a
//!   part's bases at random, so it runs part by part (each against the matching range of the
//!   scalars, [`FrVec::bind_range`]) and adds the results.

use ark_bn254::{Fr, G1Affine, G2Affine};

use kiln_host::error::{Error, Result};
use kiln_host::layout::{self, Form, FIELD_BYTES};

use super::context::{Bind, Gpu};

/// Bases per part are a multiple of this, so that the matching range of the scalars starts at a
/// storage-binding offset every adapter allows (WebGPU's largest minimum alignment, 256 bytes,
/// is eight Fr elements).
const PART_ALIGN: usize = 8;

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

    /// A binding of elements `start .. start + len`, which must lie in one chunk and start at a
    /// multiple of eight elements (256 bytes, an offset every adapter accepts).
    pub fn bind_range(&self, start: usize, len: usize) -> Result<Bind<'_>> {
        let chunk = start / self.chunk_len.max(1);
        let offset = start % self.chunk_len.max(1);
        let fits = len > 0
            && start + len <= self.len
            && offset + len <= self.chunk_len
            && offset.is_multiple_of(PART_ALIGN);
        if !fits {
            return Err(Error::InvalidArgument(format!(
                "elements {start}..{} of a {}-element vector in chunks of {}: not one aligned range of a chunk",
                start + len,
                self.len,
                self.chunk_len
            )));
        }
        Ok(Bind {
            buffer: &self.chunks[chunk],
            offset: (offset * FIELD_BYTES) as u64,
            size: Some((len * FIELD_BYTES) as u64),
        })
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
    parts: Vec<wgpu::Buffer>,
    part_len: usize,
    group: Group,
    len: usize,
}

impl PointBuf {
    /// Bases per part when `len` bases of `point_bytes` do not fit one binding of `max` bytes:
    /// the largest power of two that fits, so that a part never straddles two chunks of an
    /// [`FrVec`] (whose chunks are larger powers of two).
    fn part_len_for(len: usize, point_bytes: usize, max: u64) -> Option<usize> {
        if (len * point_bytes) as u64 <= max {
            return Some(len.max(1));
        }
        let fit = max / point_bytes as u64;
        let part = 1usize << (63 - fit.max(1).leading_zeros()).min(40);
        (fit > 0 && part >= PART_ALIGN).then_some(part)
    }

    fn upload_bytes(gpu: &Gpu, group: Group, len: usize, bytes: &[u8]) -> Result<PointBuf> {
        let max = gpu.max_binding_bytes();
        let point_bytes = 4 * group.affine_words() as usize;
        let part_len = Self::part_len_for(len, point_bytes, max).ok_or_else(|| {
            Error::OutOfMemory {
                what: format!(
                    "{len} {group:?} bases: the device's largest storage binding ({max} bytes) holds fewer than {PART_ALIGN} points"
                ),
                needed_bytes: (PART_ALIGN * point_bytes) as u64,
            }
        })?;
        let parts = bytes
            .chunks((part_len * point_bytes).max(1))
            .map(|part| gpu.buffer_with("kiln bases", part))
            .collect::<Result<Vec<_>>>()?;
        Ok(PointBuf {
            parts,
            part_len,
            group,
            len,
        })
    }

    /// Uploads G1 bases.
    pub fn upload_g1(gpu: &Gpu, bases: &[G1Affine]) -> Result<PointBuf> {
        Self::upload_bytes(gpu, Group::G1, bases.len(), &layout::points_to_bytes(bases))
    }

    /// Uploads G2 bases.
    pub fn upload_g2(gpu: &Gpu, bases: &[G2Affine]) -> Result<PointBuf> {
        Self::upload_bytes(gpu, Group::G2, bases.len(), &layout::points_to_bytes(bases))
    }

    /// The part buffers, in order: one unless the bases exceed a binding.
    pub fn parts(&self) -> &[wgpu::Buffer] {
        &self.parts
    }

    /// First point and point count of part `i`.
    pub fn part_range(&self, i: usize) -> (usize, usize) {
        let start = i * self.part_len;
        (start, self.part_len.min(self.len - start))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_that_fit_one_binding_stay_in_one_part() {
        assert_eq!(PointBuf::part_len_for(1000, 64, 64_000), Some(1000));
        assert_eq!(PointBuf::part_len_for(0, 64, 64), Some(1));
    }

    #[test]
    fn larger_bases_split_into_aligned_power_of_two_parts() {
        // 1001 G1 points over a 64,000-byte binding: 1000 would fit, parts of 512.
        assert_eq!(PointBuf::part_len_for(1001, 64, 64_000), Some(512));
        assert_eq!(PointBuf::part_len_for(1 << 20, 128, 1 << 20), Some(8192));
        // A binding below eight points cannot hold an aligned part.
        assert_eq!(PointBuf::part_len_for(100, 128, 7 * 128), None);
        assert_eq!(PointBuf::part_len_for(100, 128, 100), None);
    }
}
