//! A global allocator that refuses single allocations above a bound, for fuzz builds without a
//! sanitizer.
//!
//! libFuzzer's `-malloc_limit_mb` relies on a sanitizer's allocator hooks: in a build with
//! `--sanitizer none` (several times the executions per second of an AddressSanitizer build,
//! which throughput campaigns want) it silently checks nothing, and a reader that sizes a vector
//! from a length field would only be caught if it also touched the memory. With the
//! `allocation-limit` feature every target's allocator aborts on a request above
//! `KILN_FUZZ_MALLOC_MB` mebibytes (`fuzz/run.sh` sets it from `MALLOC_MB`; 512 when unset),
//! which libFuzzer reports as a crash and saves the input of.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Requests up to this size are never checked (nor is the environment read for them).
const UNCHECKED: usize = 1 << 20;
const DEFAULT_LIMIT_MB: usize = 512;

/// The bound in bytes; 0 until the first request above [`UNCHECKED`] reads the environment.
static LIMIT: AtomicUsize = AtomicUsize::new(0);

pub struct BoundedAlloc;

impl BoundedAlloc {
    fn limit() -> usize {
        match LIMIT.load(Ordering::Relaxed) {
            0 => {
                // Reading the variable allocates a little, below UNCHECKED: no recursion here.
                let mb = std::env::var("KILN_FUZZ_MALLOC_MB")
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(DEFAULT_LIMIT_MB);
                let bytes = mb.saturating_mul(1 << 20).max(UNCHECKED);
                LIMIT.store(bytes, Ordering::Relaxed);
                bytes
            }
            bytes => bytes,
        }
    }

    #[inline]
    fn check(size: usize) {
        if size > UNCHECKED && size > Self::limit() {
            // No formatting machinery: the message is written in pieces, without allocating.
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"==kiln-fuzz== allocation of ");
            let _ = err.write_all(decimal(size).as_slice());
            let _ = err.write_all(b" bytes exceeds KILN_FUZZ_MALLOC_MB (malloc limit)\n");
            drop(err);
            std::process::abort();
        }
    }
}

/// `n` in decimal, in a fixed buffer.
fn decimal(mut n: usize) -> DecimalDigits {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    DecimalDigits { digits, start }
}

struct DecimalDigits {
    digits: [u8; 20],
    start: usize,
}

impl DecimalDigits {
    fn as_slice(&self) -> &[u8] {
        &self.digits[self.start..]
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged once the size is allowed.
unsafe impl GlobalAlloc for BoundedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[cfg(feature = "allocation-limit")]
#[global_allocator]
static GLOBAL: BoundedAlloc = BoundedAlloc;
