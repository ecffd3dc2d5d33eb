//! Fuzzer bytes as NTTs, and the differential check of kiln's NTT variants against ark-poly.
//!
//! The reference is the arkworks backend through the checked seam (ark-poly's radix-2 domains).
//! The variants are [`NttPlan::run_on_host`] (the textbook plan every device driver follows),
//! the cpu backend's cache-blocked radix-4 transform ([`kiln_ntt::cpu::transform`], its
//! butterflies eight abreast or one at a time as the input says) and a
//! device-shaped run of the same plan: the first stages block by block with the block's
//! own root of unity (as the FPGA card and the GPU's shared-memory passes run them), the rest
//! in [`passes`] over the whole vector. A transform followed by its inverse must give the input.

use arbitrary::Arbitrary;
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, FftField, Field, PrimeField};
use kiln_host::{ArkworksBackend, Backend, Error, NttOp};
use kiln_ntt::plan::apply;
use kiln_ntt::{bit_reverse_permute, butterfly_stages, passes, NttPlan};

/// The largest transform: 2^10 points.
pub const MAX_LOG_N: u8 = 10;

#[derive(Arbitrary, Debug)]
pub struct NttInput {
    pub log_n: u8,
    pub op: OpChoice,
    /// Stages of the first, block-by-block pass (1 to log n), and of the passes after it.
    pub first_pass: u8,
    pub later_passes: u8,
    /// The cpu transform with its eight-lane IFMA butterflies on or off (where the CPU has them).
    pub lanes: bool,
    pub values: Vec<ValueChoice>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum OpChoice {
    Forward,
    Inverse,
    CosetForward(ShiftChoice),
    CosetInverse(ShiftChoice),
}

/// A coset shift: may be zero (the seam must refuse it) or a root of unity (the coset is the
/// subgroup itself).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ShiftChoice {
    Generator,
    Small(u16),
    MinusOne,
    RootOfUnity(u8),
    Bytes([u8; 32]),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ValueChoice {
    Bytes([u8; 32]),
    Small(u16),
    MinusOne,
    Zero,
}

fn shift(choice: ShiftChoice) -> Fr {
    match choice {
        ShiftChoice::Generator => Fr::GENERATOR,
        ShiftChoice::Small(k) => Fr::from(k),
        ShiftChoice::MinusOne => -Fr::ONE,
        ShiftChoice::RootOfUnity(log) => {
            Fr::get_root_of_unity(1u64 << (log % 29)).expect("2-adicity is 28")
        }
        ShiftChoice::Bytes(b) => Fr::from_le_bytes_mod_order(&b),
    }
}

fn value(choice: ValueChoice) -> Fr {
    match choice {
        ValueChoice::Bytes(b) => Fr::from_le_bytes_mod_order(&b),
        ValueChoice::Small(k) => Fr::from(k),
        ValueChoice::MinusOne => -Fr::ONE,
        ValueChoice::Zero => Fr::ZERO,
    }
}

fn op(choice: OpChoice) -> NttOp {
    match choice {
        OpChoice::Forward => NttOp::Forward,
        OpChoice::Inverse => NttOp::Inverse,
        OpChoice::CosetForward(s) => NttOp::CosetForward(shift(s)),
        OpChoice::CosetInverse(s) => NttOp::CosetInverse(shift(s)),
    }
}

fn inverse(op: NttOp) -> NttOp {
    match op {
        NttOp::Forward => NttOp::Inverse,
        NttOp::Inverse => NttOp::Forward,
        NttOp::CosetForward(g) => NttOp::CosetInverse(g),
        NttOp::CosetInverse(g) => NttOp::CosetForward(g),
    }
}

/// The plan run as a device runs it: `first` stages per block of `2^first` points with that
/// block size's root, then passes of at most `later` stages over the whole vector.
fn run_in_passes(plan: &NttPlan, values: &mut [Fr], first: u32, later: u32) {
    apply(&plan.before, values);
    bit_reverse_permute(values);
    if plan.log_n > 0 {
        let block_root = plan.root.pow([1u64 << (plan.log_n - first)]);
        for block in values.chunks_mut(1 << first) {
            butterfly_stages(block, block_root, 1..=first);
        }
        let mut done = first;
        for stages in passes(plan.log_n - first, later) {
            butterfly_stages(values, plan.root, done + 1..=done + stages);
            done += stages;
        }
    }
    apply(&plan.after, values);
}

/// Checks the variants against the reference and the round trip; panics on a mismatch.
pub fn check(input: &NttInput) {
    let log_n = u32::from(input.log_n % (MAX_LOG_N + 1));
    let n = 1usize << log_n;
    let values: Vec<Fr> = if input.values.is_empty() {
        vec![Fr::ZERO; n]
    } else {
        (0..n)
            .map(|i| value(input.values[i % input.values.len()]))
            .collect()
    };
    let op = op(input.op);
    let backend = ArkworksBackend::new();
    let backend: &dyn Backend = &backend;
    let mut resident = backend.upload_scalars(&values).expect("host upload");
    match backend.ntt(&mut resident, op) {
        Err(Error::ZeroCosetShift) => {
            assert!(matches!(op, NttOp::CosetForward(g) | NttOp::CosetInverse(g) if g == Fr::ZERO));
            return;
        }
        other => other.expect("the seam accepts a power-of-two NTT with a non-zero shift"),
    }
    let want = backend.download_scalars(&resident).expect("host download");

    let plan = NttPlan::new(log_n, op);
    let mut textbook = values.clone();
    plan.run_on_host(&mut textbook);
    assert_eq!(textbook, want, "NttPlan::run_on_host, {op:?}, n = {n}");

    let mut cpu = values.clone();
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(input.lanes);
    kiln_ntt::cpu::transform(&mut cpu, op);
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(true);
    assert_eq!(
        cpu, want,
        "kiln_ntt::cpu::transform (the cpu backend's, lanes {}), {op:?}, n = {n}",
        input.lanes
    );

    let first = if log_n == 0 {
        0
    } else {
        1 + u32::from(input.first_pass) % log_n
    };
    let later = 1 + u32::from(input.later_passes) % 11;
    let mut passed = values.clone();
    run_in_passes(&plan, &mut passed, first, later);
    assert_eq!(
        passed, want,
        "in passes ({first}, then {later} at a time), {op:?}, n = {n}"
    );

    let mut back = want;
    NttPlan::new(log_n, inverse(op)).run_on_host(&mut back);
    assert_eq!(back, values, "{op:?} then its inverse, n = {n}");
}
