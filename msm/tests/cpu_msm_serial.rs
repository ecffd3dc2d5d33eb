//! The CPU MSM with its batched affine additions run one at a time (the path of CPUs without
//! AVX-512 IFMA), against arkworks on the conformance cases and the forced shapes. Where the
//! CPU has IFMA, `cpu_msm.rs` runs the eight-lane path; this file turns it off for its whole
//! process (its own test binary, so the other files are unaffected).

mod common;

use ark_bn254::{g1, g2};
use common::check_group;

fn serial_only() {
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(false);
    assert!(!<ark_bn254::Fq as kiln_field::ChordBatch>::lanes_available());
}

#[test]
fn g1_serial_additions_match_arkworks() {
    serial_only();
    check_group::<g1::Config>("cpu msm g1, serial additions", &[1, 2, 100, 1 << 10]);
}

#[test]
fn g2_serial_additions_match_arkworks() {
    serial_only();
    check_group::<g2::Config>("cpu msm g2, serial additions", &[1, 3, 1 << 10]);
}
