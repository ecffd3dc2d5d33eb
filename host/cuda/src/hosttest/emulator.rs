//! [`HostRunner`]: a [`KernelRunner`] that runs kiln's CUDA kernels on the host.
//!
//! Buffers are host allocations whose addresses the kernels receive exactly as they would
//! receive device addresses; a launch runs the kernel's emulation (emulator.cpp, util/kernel.cuh)
//! to completion before returning. The CUDA MSM and NTT drivers therefore execute their real
//! launch sequences against the real kernel bodies.

use std::ffi::CString;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::runner::KernelParams;
use crate::{DeviceWords, Kernel, KernelRunner};
use kiln_host::{Error, Result};

use super::ffi;

/// A host allocation standing in for device memory.
pub struct HostWords {
    ptr: *mut u32,
    len: usize,
    /// The runner's count of live words, given back on drop.
    live: Arc<AtomicU64>,
}

// SAFETY: the allocation is owned by this handle; kernels only touch it during a launch, which
// the runner executes synchronously.
unsafe impl Send for HostWords {}
unsafe impl Sync for HostWords {}

impl HostWords {
    fn new(data: Vec<u32>, live: Arc<AtomicU64>) -> Self {
        let boxed = data.into_boxed_slice();
        let len = boxed.len();
        HostWords {
            ptr: Box::into_raw(boxed) as *mut u32,
            len,
            live,
        }
    }
}

impl Drop for HostWords {
    fn drop(&mut self) {
        self.live.fetch_sub(self.len as u64, Ordering::Relaxed);
        // SAFETY: ptr and len came from Box::into_raw of a boxed slice of this length.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
    }
}

impl DeviceWords for HostWords {
    fn words(&self) -> usize {
        self.len
    }
    fn address(&self) -> u64 {
        self.ptr as u64
    }
}

/// Runs kernels on the host. A memory limit makes allocations beyond it fail with
/// [`Error::OutOfMemory`], to exercise the drivers' out-of-memory fallback.
pub struct HostRunner {
    limit_words: Option<u64>,
    /// Whether free_memory() tells the drivers about the limit (a GPU does); when it does
    /// not, only a failed allocation reveals the shortage.
    report_free: bool,
    live_words: Arc<AtomicU64>,
    launches: AtomicU64,
}

impl HostRunner {
    pub fn new() -> Self {
        HostRunner {
            limit_words: None,
            report_free: true,
            live_words: Arc::new(AtomicU64::new(0)),
            launches: AtomicU64::new(0),
        }
    }

    /// A runner whose allocations fail with out-of-memory when the words alive at once would
    /// exceed `words`.
    pub fn with_memory_limit(words: u64) -> Self {
        HostRunner {
            limit_words: Some(words),
            ..Self::new()
        }
    }

    /// As [`with_memory_limit`](Self::with_memory_limit), but free_memory() does not report
    /// the limit, so drivers meet it as failed allocations.
    pub fn with_hidden_memory_limit(words: u64) -> Self {
        HostRunner {
            limit_words: Some(words),
            report_free: false,
            ..Self::new()
        }
    }

    /// Kernel launches so far.
    pub fn launches(&self) -> u64 {
        self.launches.load(Ordering::Relaxed)
    }

    fn account(&self, words: usize, what: &str) -> Result<()> {
        let words = words.max(1);
        let total = self.live_words.fetch_add(words as u64, Ordering::Relaxed) + words as u64;
        match self.limit_words {
            Some(limit) if total > limit => {
                self.live_words.fetch_sub(words as u64, Ordering::Relaxed);
                Err(Error::OutOfMemory {
                    what: what.to_string(),
                    needed_bytes: 4 * words as u64,
                })
            }
            _ => Ok(()),
        }
    }
}

impl Default for HostRunner {
    fn default() -> Self {
        Self::new()
    }
}

/// The parameter struct size the emulator compiled for `kernel`, or 0 if it has no such kernel.
pub fn params_size(kernel: &str) -> u32 {
    let name = CString::new(kernel).expect("kernel names have no NUL");
    // SAFETY: a NUL-terminated string.
    unsafe { ffi::kh_params_size(name.as_ptr()) }
}

impl KernelRunner for HostRunner {
    type Buffer = HostWords;

    fn device_name(&self) -> String {
        "host emulation of the CUDA kernels".to_string()
    }

    fn alloc_zeroed(&self, words: usize, what: &str) -> Result<HostWords> {
        self.account(words, what)?;
        Ok(HostWords::new(
            vec![0; words.max(1)],
            self.live_words.clone(),
        ))
    }

    fn upload(&self, data: &[u32], what: &str) -> Result<HostWords> {
        self.account(data.len(), what)?;
        let mut v = data.to_vec();
        if v.is_empty() {
            v.push(0);
        }
        Ok(HostWords::new(v, self.live_words.clone()))
    }

    fn download(&self, buffer: &HostWords, range: Range<usize>) -> Result<Vec<u32>> {
        if range.end > buffer.len || range.start > range.end {
            return Err(Error::InvalidArgument(format!(
                "download of words {range:?} from a buffer of {} words",
                buffer.len
            )));
        }
        // SAFETY: the range is inside the allocation; no launch is running.
        let all = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) };
        Ok(all[range].to_vec())
    }

    fn copy(&self, dst: &mut HostWords, src: &HostWords) -> Result<()> {
        if dst.len != src.len {
            return Err(Error::InvalidArgument(
                "copy between buffers of different lengths".into(),
            ));
        }
        // SAFETY: both allocations hold len words and are distinct (dst is borrowed mutably).
        unsafe { std::ptr::copy_nonoverlapping(src.ptr, dst.ptr, src.len) };
        Ok(())
    }

    unsafe fn launch<P: KernelParams>(
        &self,
        kernel: Kernel,
        grid: u32,
        block: u32,
        params: &P,
    ) -> Result<()> {
        self.launches.fetch_add(1, Ordering::Relaxed);
        let name = CString::new(kernel.name).expect("kernel names have no NUL");
        // SAFETY: the caller guarantees the params (KernelRunner::launch); the C side checks
        // the struct size against the kernel's.
        let status = unsafe {
            ffi::kh_launch(
                name.as_ptr(),
                (params as *const P).cast(),
                std::mem::size_of::<P>() as u32,
                grid.max(1),
                block,
            )
        };
        match status {
            0 => Ok(()),
            -1 => Err(Error::Device {
                op: "launch",
                message: format!("the host emulator has no kernel {}", kernel.name),
            }),
            _ => Err(Error::Device {
                op: "launch",
                message: format!(
                    "{}: parameter struct of {} bytes, the kernel's is {}",
                    kernel.name,
                    std::mem::size_of::<P>(),
                    params_size(kernel.name)
                ),
            }),
        }
    }

    fn synchronize(&self) -> Result<()> {
        Ok(())
    }

    fn free_memory(&self) -> Option<u64> {
        self.limit_words
            .filter(|_| self.report_free)
            .map(|l| 4 * l.saturating_sub(self.live_words.load(Ordering::Relaxed)))
    }
}
