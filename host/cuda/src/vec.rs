//! The CUDA driver of the element-wise Fr vector operations: one launch of `vec_op`
//! (`kernels/cuda/vec.cu`) per operation, in place on resident Montgomery-form scalars.

use ark_bn254::Fr;
use kiln_host::Result;

use crate::ntt::fr_words;
use crate::runner::{blocks_for, KernelParams, THREADS_PER_BLOCK};
use crate::{Kernel, KernelRunner, Program};

const VEC_OP: Kernel = Kernel::new(Program::Vec, "vec_op");

/// Operation codes of `vec_op` (KILN_VEC_* in vec/vec.cuh).
#[repr(u32)]
#[derive(Clone, Copy, Debug)]
pub enum VecCode {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Scale = 3,
    AddScalar = 4,
}

/// `vec_params` in vec/vec.cuh.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct VecParams {
    a: u64,
    b: u64,
    count: u64,
    c: [u32; 8],
    op: u32,
    pad: u32,
}

// SAFETY: #[repr(C)] integers mirroring vec_params.
unsafe impl KernelParams for VecParams {}

/// `a[i] = a[i] op b[i]` (or `op c` for the scalar codes) for `i < count`, then waits.
///
/// # Safety
/// `a` (and `b`, for the element-wise codes) must be device addresses of `count` Fr elements.
pub unsafe fn launch<R: KernelRunner>(
    runner: &R,
    code: VecCode,
    a: u64,
    b: u64,
    count: u64,
    c: Fr,
) -> Result<()> {
    let c_words: [u32; 8] = fr_words(&[c]).try_into().expect("8 words");
    let params = VecParams {
        a,
        b,
        count,
        c: c_words,
        op: code as u32,
        pad: 0,
    };
    // SAFETY: the caller vouches for a and b.
    unsafe { runner.launch(VEC_OP, blocks_for(count)?, THREADS_PER_BLOCK, &params)? };
    runner.synchronize()
}
