//! kiln's `cuda` backend: the CUDA kernels of `kernels/cuda` on NVIDIA GPUs, behind the seam.
//!
//! Read in this order:
//!
//! * [`backend`]: [`CudaBackend`], the seam's operations as uploads and kernel launches; generic
//!   over the [`KernelRunner`] that executes them.
//! * [`msm`], [`ntt`], [`vec`]: the drivers, each a sequence of launches (the device-neutral
//!   planning comes from `kiln-msm` and `kiln-ntt`).
//! * [`runner`]: [`KernelRunner`], what a driver needs from a device: word buffers and kernel
//!   launches. Two implement it: [`device::CudaRunner`] (a GPU, through cudarc) and, with the
//!   `emulator` feature, [`hosttest::emulator::HostRunner`] (the same kernel bodies compiled as
//!   host C++), so the drivers and the whole backend run in CI without a GPU.
//! * [`sources`]: the CUDA sources, embedded in the binary, and the programs NVRTC compiles;
//!   [`nvrtc`] finds NVRTC at run time and compiles a program to a cubin with the ptxas report;
//!   [`cache`] keeps compiled cubins on disk, keyed by source hash and architecture.
//! * [`driver`]: the probe for the NVIDIA driver, which decides whether the backend has a
//!   device at all; without a driver it answers "no NVIDIA driver found" instead of crashing.
//! * [`device`]: the cudarc-backed runner: context, stream, modules, device allocations.
//! * [`constants`]: generates `kernels/cuda/ff/bn254_constants.cuh` from arkworks.
//!
//! This crate is the only one that loads `kernels/cuda`: NVRTC compiles the sources embedded by
//! [`sources`], and the `emulator` feature compiles the same files with g++ (`build.rs`).

pub mod backend;
pub mod cache;
pub mod constants;
pub mod device;
pub mod driver;
#[cfg(feature = "emulator")]
pub mod hosttest;
pub mod msm;
pub mod ntt;
pub mod nvrtc;
pub mod runner;
pub mod sources;
pub mod vec;

pub use backend::CudaBackend;
pub use device::CudaRunner;
pub use runner::{DeviceWords, Kernel, KernelRunner, Program};
