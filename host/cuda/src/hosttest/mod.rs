//! kiln's CUDA kernels, compiled as host C++ and checked without a GPU (feature `emulator`).
//!
//! `build.rs` compiles `src/hosttest/emulator.cpp`, which includes the very headers and kernel entry
//! files that NVRTC compiles for the GPU (`kernels/cuda`). On the host, `util/ptx.cuh` emulates
//! the PTX carry chain instruction by instruction and `util/kernel.cuh` runs each kernel's
//! threads (and a block kernel's barrier-separated phases) one after another. This module gives
//! that code a Rust face:
//!
//! * [`field`]: Fr, Fq and Fq2 arithmetic of `ff/` on arkworks values;
//! * [`curve`]: the XYZZ arithmetic of `ec/xyzz.cuh` on arkworks points;
//! * [`emulator::HostRunner`]: a [`crate::KernelRunner`] that runs kernels on the
//!   host, so the CUDA MSM and NTT drivers (and the whole `cuda` backend) run in CI.
//!
//! What this does not check is what only a GPU does: the inline PTX itself (its semantics are
//! emulated here), warp-level intrinsics, shared-memory races and timing. `make test-gpu` covers
//! those on a GPU machine.

pub mod curve;
pub mod emulator;
pub mod field;

mod ffi {
    use std::ffi::{c_char, c_void};

    extern "C" {
        pub fn kh_field_op(field: u32, op: u32, a: *const u32, b: *const u32, out: *mut u32)
            -> i32;
        pub fn kh_curve_op(
            group: u32,
            op: u32,
            a: *const u32,
            b: *const u32,
            k: u32,
            out: *mut u32,
        ) -> i32;
        pub fn kh_launch(
            name: *const c_char,
            params: *const c_void,
            params_size: u32,
            grid: u32,
            block: u32,
        ) -> i32;
        pub fn kh_params_size(name: *const c_char) -> u32;
    }
}
