//! Errors at the card edge.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// Everything that can go wrong between the host and a card (or its model).
#[derive(Debug, Error)]
pub enum TransportError {
    /// No card where one was looked for.
    #[error("no FPGA card at {path}: {reason}")]
    NoDevice { path: PathBuf, reason: String },
    /// The Verilator model library is not there.
    #[error("the Verilator card model is not built: run `make sim` (looked for {looked})")]
    ModelNotBuilt { looked: String },
    /// The model library is there but could not be used.
    #[error("loading the Verilator model {path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },
    /// An assertion in the RTL failed in the Verilator model, which stopped there: a design bug
    /// (or a unit driven outside its contract). Verilator printed the assertion's name.
    #[error("an RTL assertion failed at {at}: the Verilator model stopped (its %Error line names the assertion)")]
    Assertion { at: String },
    /// A system call on a device file failed.
    #[error("{op} on {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A device file transferred fewer bytes than asked and then stopped.
    #[error("short {op} on {path} at offset {offset:#x}: {done} of {wanted} bytes")]
    Short {
        op: &'static str,
        path: PathBuf,
        offset: u64,
        done: usize,
        wanted: usize,
    },
    /// Register offsets are 4-byte aligned (the XDMA driver refuses others with EPROTO).
    #[error("register offset {offset:#x} is not 4-byte aligned")]
    Misaligned { offset: u32 },
    /// A card-memory transfer outside the card's memory.
    #[error("card memory access of {len} bytes at {addr:#x} is outside the card's {size} bytes")]
    OutOfRange { addr: u64, len: u64, size: u64 },
    /// The card answered a register access with an error (AXI SLVERR/DECERR).
    #[error("the card refused the register {op} at offset {offset:#x}")]
    Refused { op: &'static str, offset: u32 },
    /// The card did not finish in time.
    #[error("timed out after {waited:?} waiting for {what}: {detail}")]
    Timeout {
        what: String,
        waited: Duration,
        detail: String,
    },
    /// A kernel or the flash controller finished with error flags set.
    #[error("{what} reported error flags {flags:#x} ({detail})")]
    CardError {
        what: &'static str,
        flags: u32,
        detail: String,
    },
    /// The device does not identify as a kiln card.
    #[error("not a kiln card: the ID register reads {found:#010x}, expected {expected:#010x}")]
    NotKiln { found: u32, expected: u32 },
    /// The card's register map is of another major version.
    #[error("the card's register map version {found:#x} is not compatible with this host's {expected:#x}")]
    Version { found: u32, expected: u32 },
    /// Card memory is exhausted.
    #[error("card memory full: {needed} bytes requested, {largest_free} bytes is the largest free block of {size}")]
    OutOfMemory {
        needed: u64,
        largest_free: u64,
        size: u64,
    },
    /// A flash image that must not be written to this card, or a flash operation that failed.
    #[error("flash: {0}")]
    Flash(String),
    /// The caller stopped a long operation (a flash) through its progress callback.
    #[error("{0} stopped before it finished")]
    Aborted(&'static str),
}

impl TransportError {
    /// The bytes that could not be allocated, when this is card memory running out: callers
    /// above the transport report it as out of memory rather than as a device fault.
    pub fn out_of_memory_bytes(&self) -> Option<u64> {
        match self {
            TransportError::OutOfMemory { needed, .. } => Some(*needed),
            _ => None,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = TransportError> = std::result::Result<T, E>;
