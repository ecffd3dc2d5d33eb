//! Errors raised at the device edge.

use thiserror::Error;

/// Everything that can go wrong in a call through the backend seam.
///
/// The checked entry points on `dyn Backend` turn caller mistakes (length mismatches, buffers
/// from another backend, NTT sizes that do not exist) into these errors before any device work
/// starts, so a backend's own code only has to report device failures.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Two inputs that must have the same length do not.
    #[error("{op}: length mismatch: {left_name} has {left} elements, {right_name} has {right}")]
    LengthMismatch {
        op: &'static str,
        left_name: &'static str,
        left: usize,
        right_name: &'static str,
        right: usize,
    },
    /// A buffer made by one backend instance was handed to another.
    #[error("{op}: buffer belongs to backend instance {found} ('{found_name}'), not to this one ({expected})")]
    ForeignBuffer {
        op: &'static str,
        expected: u64,
        found: u64,
        found_name: &'static str,
    },
    /// An NTT length that has no radix-2 domain in BN254's Fr.
    #[error("ntt: length {len} is not supported: {why}")]
    NttLength { len: usize, why: &'static str },
    /// A coset NTT with a shift of zero (the coset would collapse to one point).
    #[error("ntt: the coset shift must be non-zero")]
    ZeroCosetShift,
    /// The device ran out of memory for a request of this many bytes.
    #[error("device out of memory: needed {needed_bytes} bytes for {what}")]
    OutOfMemory { what: String, needed_bytes: u64 },
    /// Any other failure the device reported.
    #[error("device error in {op}: {message}")]
    Device { op: &'static str, message: String },
    /// An argument outside what the operation supports.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Bytes that do not decode under the device data layout.
    #[error("layout: {0}")]
    Layout(#[from] crate::layout::LayoutError),
}

impl Error {
    /// A device's failure of `op`: [`Error::OutOfMemory`] where the device reported the bytes it
    /// could not get, [`Error::Device`] otherwise. For device layers whose own error type knows
    /// which of its failures are memory exhaustion (the FPGA card's transport).
    pub fn from_device(
        op: &'static str,
        out_of_memory_bytes: Option<u64>,
        failure: impl std::fmt::Display,
    ) -> Self {
        match out_of_memory_bytes {
            Some(needed_bytes) => Error::OutOfMemory {
                what: format!("{op} ({failure})"),
                needed_bytes,
            },
            None => Error::Device {
                op,
                message: failure.to_string(),
            },
        }
    }
}

/// Result alias used throughout the host crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
