//! kiln's device layer.
//!
//! * [`layout`]: the one byte layout of BN254 data at the device edge, and its conversions.
//! * [`backend`]: the seam every prover calls for MSMs, NTTs and vector operations, with
//!   resident device buffers.
//! * [`cpu`]: the arkworks reference backend.
//! * [`conformance`]: the suite that checks any backend against the reference, and [`faulty`],
//!   a deliberately wrong backend that shows the suite (and the provers' verification) can fail.
//!
//! Nothing here knows about proof systems; see `kiln-prover` for those.

pub mod backend;
pub mod conformance;
pub mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod device;
pub mod error;
pub mod faulty;
pub mod layout;
mod sysinfo;
#[cfg(feature = "wgpu")]
pub mod wgpu;

pub use backend::{
    Backend, BackendId, DeviceBuffer, G1Bases, G2Bases, NttOp, Scalars, VecOp, MAX_LOG_NTT,
};
pub use cpu::CpuBackend;
pub use device::{DeviceInfo, DeviceKind};
pub use error::{Error, Result};
