//! MSM planning shared by every device driver: the bucket (Pippenger) method with signed digits.
//!
//! `sum_i s_i P_i` is computed window by window. Each scalar is split into `c`-bit signed digits
//! ([`plan::signed_digits`]), so a window has `2^(c-1)` buckets instead of `2^c - 1`: a digit
//! `d < 0` adds `-P` to bucket `|d|`. Within a window every bucket accumulates its points; the
//! window's sum is `sum_b b * B_b`, computed by a running sum ([`reduce::window_sum`]); the
//! windows are combined by `c` doublings each ([`reduce::combine_windows`]).
//!
//! Devices do the accumulation (the O(n) part); where the O(2^c) reduction runs is the driver's
//! choice. [`reference_msm`] runs the whole method on the host: it is the oracle the device
//! drivers' intermediate results (digits, buckets, window sums) are tested against.

pub mod cpu;
pub mod plan;
pub mod reduce;
pub mod subgroup;

pub use plan::{signed_digits, window_count, Digit, MsmPlan, SCALAR_BITS};
pub use reduce::{combine_windows, reference_msm, window_sum};
