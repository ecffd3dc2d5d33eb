//! kiln's backend seam: what every backend shares.
//!
//! * [`layout`]: the one byte layout of BN254 data at the device edge, and its conversions.
//! * [`backend`]: the seam every prover calls for MSMs, NTTs and vector operations, with
//!   resident device buffers.
//! * [`arkworks`]: the arkworks reference backend, and [`host_memory`], the host buffers, NTTs
//!   and vector operations it shares with kiln's own `cpu` backend (`host/cpu`).
//! * [`conformance`]: the suite that checks any backend against the reference, and [`faulty`],
//!   a deliberately wrong backend that shows the suite (and the provers' verification) can fail.
//! * [`device`], [`error`]: what a backend reports about its device, and the one error type of
//!   the seam.
//!
//! The other backends are crates of their own beside this one (`host/cpu`, `host/cuda`,
//! `host/wgpu`, `host/fpga`); the facade's registry (`kiln::backends`) lists them. Nothing here knows about a
//! device API or about proof systems (see `kiln-prover` for those).

pub mod arkworks;
pub mod backend;
pub mod conformance;
pub mod device;
pub mod error;
pub mod faulty;
pub mod host_memory;
pub mod layout;
mod sysinfo;

pub use sysinfo::cpu_device_info;

pub use arkworks::ArkworksBackend;
pub use backend::{
    Backend, BackendId, DeviceBuffer, G1Bases, G2Bases, NttOp, Scalars, VecOp, MAX_LOG_NTT,
};
pub use device::{DeviceInfo, DeviceKind};
pub use error::{Error, Result};
