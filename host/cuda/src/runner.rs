//! What a kernel driver needs from a device: buffers of 32-bit words and kernel launches.
//!
//! The MSM and NTT drivers (`kiln-msm`, `kiln-ntt`, feature `cuda`) are written against
//! [`KernelRunner`], not against cudarc, so that the whole launch sequence (buffer sizes, grid
//! shapes, the level loop of the MSM's segmented reduction, the NTT's passes) runs unchanged on
//! two implementations: [`crate::CudaRunner`] on a GPU, and the host emulator
//! `hosttest::emulator::HostRunner` (feature `emulator`), which executes the same kernel bodies
//! compiled as C++ thread by thread.
//! CI therefore checks the drivers and the kernels' logic against arkworks without a GPU.
//!
//! Kernels take one argument: a `#[repr(C)]` parameter struct mirroring the C++ struct of the
//! same name in `kernels/cuda` field for field, with device addresses as `u64`.

use std::ops::Range;

use kiln_host::error::Result;

pub use crate::sources::Program;

/// One kernel: the program that defines it and its `extern "C"` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kernel {
    pub program: Program,
    pub name: &'static str,
}

impl Kernel {
    pub const fn new(program: Program, name: &'static str) -> Self {
        Kernel { program, name }
    }
}

/// A kernel's parameter struct.
///
/// # Safety
/// The type must be `#[repr(C)]`, contain only integers (addresses as `u64`), and match the
/// layout of the C++ parameter struct of the kernels it is passed to.
pub unsafe trait KernelParams: Copy + Send + Sync + 'static {}

/// A device allocation of 32-bit words.
pub trait DeviceWords: Send + Sync + 'static {
    /// Length in words.
    fn words(&self) -> usize;
    /// The device address of word 0, as kernels see it.
    fn address(&self) -> u64;
    /// The device address of word `offset`.
    fn address_at(&self, offset: usize) -> u64 {
        debug_assert!(offset <= self.words());
        self.address() + 4 * offset as u64
    }
}

/// Threads per block for kernels whose threads are independent.
pub const THREADS_PER_BLOCK: u32 = 256;

/// Blocks of [`THREADS_PER_BLOCK`] threads covering `threads` threads, or an error if the grid
/// would exceed CUDA's 2^31 - 1 blocks.
pub fn blocks_for(threads: u64) -> Result<u32> {
    let blocks = threads.div_ceil(u64::from(THREADS_PER_BLOCK)).max(1);
    u32::try_from(blocks)
        .ok()
        .filter(|&b| b < (1 << 31))
        .ok_or_else(|| {
            kiln_host::Error::InvalidArgument(format!("{threads} threads exceed one kernel grid"))
        })
}

/// A device that runs kiln's CUDA kernels.
pub trait KernelRunner: Send + Sync {
    type Buffer: DeviceWords;

    /// A short description of the device, for errors and reports.
    fn device_name(&self) -> String;

    /// `words` zeroed words. Running out of device memory is [`kiln_host::Error::OutOfMemory`],
    /// which the drivers answer by working in smaller chunks.
    fn alloc_zeroed(&self, words: usize, what: &str) -> Result<Self::Buffer>;

    /// A new buffer holding `data`.
    fn upload(&self, data: &[u32], what: &str) -> Result<Self::Buffer>;

    /// Words `range` of `buffer`, copied to the host (after all launched work has finished).
    fn download(&self, buffer: &Self::Buffer, range: Range<usize>) -> Result<Vec<u32>>;

    /// Copies `src` into `dst` on the device; the lengths are equal.
    fn copy(&self, dst: &mut Self::Buffer, src: &Self::Buffer) -> Result<()>;

    /// Launches `kernel` on `grid` blocks of `block` threads.
    ///
    /// # Safety
    /// `params` is the kernel's parameter struct and every address in it points into a live
    /// buffer of this runner, large enough for every index the launch touches.
    unsafe fn launch<P: KernelParams>(
        &self,
        kernel: Kernel,
        grid: u32,
        block: u32,
        params: &P,
    ) -> Result<()>;

    /// Waits for all launched work (bounded by the runner's timeout).
    fn synchronize(&self) -> Result<()>;

    /// Free device memory in bytes, if the device can tell.
    fn free_memory(&self) -> Option<u64>;
}
