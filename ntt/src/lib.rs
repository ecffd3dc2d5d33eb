//! NTT planning shared by every device driver, and the CPU NTT ([`cpu`]).
//!
//! The transforms are those of [`kiln_host::NttOp`]: natural order in and out, arkworks' roots
//! of unity, cosets `g * <w>`. A driver turns an op into a [`plan::NttPlan`] (the root, the
//! pre-scaling by coset powers, the post-scaling by `1/n`), runs radix-2 butterflies in the passes
//! [`plan::passes`] gives for its block size, and checks itself with
//! `kiln_host::conformance::ntt_checks`.

pub mod cpu;
pub mod lanes;
pub mod plan;

pub use plan::{
    bit_reverse, bit_reverse_permute, butterfly_stages, passes, powers, NttPlan, Scaling,
};
