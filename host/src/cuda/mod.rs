//! The CUDA device layer (feature `cuda`).
//!
//! * [`constants`]: generates `kernels/cuda/ff/bn254_constants.cuh` from arkworks.
//! * [`sources`]: the CUDA sources, embedded in the binary, and the programs NVRTC compiles.
//! * [`nvrtc`]: finds NVRTC at run time and compiles a program to a cubin, with the ptxas report.
//! * [`cache`]: compiled cubins on disk, keyed by source hash and architecture.
//! * [`runner`]: [`KernelRunner`], what a kernel driver (`kiln-msm`, `kiln-ntt`) needs from a
//!   device: word buffers and kernel launches. Two implement it: [`device::CudaRunner`] (a GPU,
//!   through cudarc) and the host emulator of `kiln-cuda-hosttest` (the same kernel bodies
//!   compiled as C++), so the drivers run in CI without a GPU.
//! * [`driver`]: the probe for the NVIDIA driver, which decides whether the `cuda` backend has a
//!   device at all; without a driver it answers "no driver found" instead of crashing.
//! * [`device`]: the cudarc-backed runner: context, stream, modules, plain device allocations.

pub mod cache;
pub mod constants;
pub mod device;
pub mod driver;
pub mod nvrtc;
pub mod runner;
pub mod sources;

pub use device::CudaRunner;
pub use runner::{DeviceWords, Kernel, KernelRunner, Program};
