//! kiln's backend seam: what every backend shares.
//!
//! * [`layout`]: the one byte layout of BN254 data at the device edge, and its conversions;
//!   [`subgroup`]: G2 subgroup membership of many points at once (a proving key's B query).
//! * [`backend`]: the seam every prover calls for MSMs, NTTs and vector operations, with
//!   resident device buffers.
//! * [`cpu`]: the arkworks reference backend.
//! * [`conformance`]: the suite that checks any backend against the reference, and [`faulty`],
//!   a deliberately wrong backend that shows the suite (and the provers' verification) can fail.
//! * [`device`], [`error`]: what a backend reports about its device, and the one error type of
//!   the seam.
//!
//! The device backends are crates of their own beside this one (`host/cuda`, `host/wgpu`,
//! `host/fpga`); the facade's registry (`kiln::backends`) lists them. Nothing here knows about a
//! device API or about proof systems (see `kiln-prover` for those).

pub mod backend;
pub mod conformance;
pub mod cpu;
pub mod device;
pub mod error;
pub mod faulty;
pub mod layout;
pub mod subgroup;
mod sysinfo;

pub use backend::{
    Backend, BackendId, DeviceBuffer, G1Bases, G2Bases, NttOp, Scalars, VecOp, MAX_LOG_NTT,
};
pub use cpu::CpuBackend;
pub use device::{DeviceInfo, DeviceKind};
pub use error::{Error, Result};
