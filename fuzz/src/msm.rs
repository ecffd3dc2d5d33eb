//! Fuzzer bytes as MSM inputs, and the differential check of kiln's CPU MSM against arkworks.
//!
//! Points are `t * G` for discrete logs `t` the input chooses, so besides arkworks'
//! `VariableBaseMSM` there is a second reference that shares no code with any MSM:
//! `(sum s_i t_i) * G`. The choices aim at what breaks bucket methods: a point repeated or next
//! to its negation (`P + P` and `P + (-P)` in one affine batch), infinity, scalars at `r - k`,
//! at window boundaries (`2^(c w) * 2^(c-1) +- k`, where a signed digit flips and carries), one
//! digit repeated in every window (all points in one bucket), and forced shapes small enough
//! that buckets collide within a batch at fuzz-friendly sizes.

use arbitrary::Arbitrary;
use ark_bn254::Fr;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use kiln_msm::cpu::digits::MIN_WINDOW_BITS;
use kiln_msm::cpu::schedule::{Accumulation, Schedule};
use kiln_msm::cpu::{arkworks_msm, msm, msm_with, CpuCurve, FixedBaseTable};
use kiln_msm::window_count;
use std::sync::OnceLock;

/// At most this many terms per input: enough for every bucket of a small window to collide.
pub const MAX_TERMS: usize = 96;

/// One MSM to check.
#[derive(Arbitrary, Debug)]
pub struct MsmInput {
    pub shape: ForcedShape,
    pub terms: Vec<Term>,
    /// Also check a fixed-base table built with the forced shape.
    pub table: bool,
}

/// A window of 5 to 8 bits, 1 to 4 chunks, XYZZ buckets (`batch == 0`) or affine ones
/// flushing `batch` additions at a time, scalars GLV-split or not, affine batches on eight
/// IFMA lanes or one at a time (`lanes`; on CPUs with AVX-512 IFMA).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct ForcedShape {
    pub window_bits: u8,
    pub chunks: u8,
    pub batch: u8,
    pub glv: bool,
    pub lanes: bool,
}

impl ForcedShape {
    pub fn schedule(self) -> Schedule {
        Schedule {
            // Up to 8 bits: a run's fixed cost is the reduction of every bucket of every window
            // (2^(c-1) each), which at 12 bits held the MSM targets near 100 executions a second
            // whatever the input; with at most 96 terms, 128 buckets already collide often.
            // Wider windows are the same index arithmetic, checked by the unit and conformance
            // tests at sizes that pick them.
            window_bits: MIN_WINDOW_BITS + u32::from(self.window_bits % 4),
            chunks: 1 + usize::from(self.chunks % 4),
            accumulation: match self.batch % 65 {
                0 => Accumulation::Xyzz,
                b => Accumulation::Affine {
                    batch: usize::from(b),
                },
            },
            glv: self.glv,
            cost: 0,
        }
    }
}

#[derive(Arbitrary, Debug)]
pub struct Term {
    pub point: PointChoice,
    pub scalar: ScalarChoice,
}

/// A base, by its discrete log.
#[derive(Arbitrary, Debug)]
pub enum PointChoice {
    /// `k * G`.
    Multiple(u32),
    /// The base of an earlier term (index modulo the terms so far).
    Repeat(u8),
    /// The negation of an earlier term's base.
    Negate(u8),
    Infinity,
    Generator,
}

/// A scalar; `c` below is the forced window width.
#[derive(Arbitrary, Debug)]
pub enum ScalarChoice {
    /// 32 little-endian bytes reduced mod r.
    Bytes([u8; 32]),
    /// `r - 1 - k`.
    NearR(u16),
    Small(u16),
    /// `2^(c w) * 2^(c-1) + k`: the signed-digit boundary of window `w`.
    WindowEdge {
        window: u8,
        offset: i8,
    },
    /// The same `c`-bit digit in every window.
    RepeatedDigit(u16),
    /// An earlier term's scalar.
    Repeat(u8),
    /// An earlier term's scalar, negated.
    Negate(u8),
    Zero,
}

fn earlier<T: Copy>(so_far: &[T], i: u8) -> Option<T> {
    (!so_far.is_empty()).then(|| so_far[usize::from(i) % so_far.len()])
}

fn discrete_log(choice: &PointChoice, so_far: &[Fr]) -> Fr {
    match *choice {
        PointChoice::Multiple(k) => Fr::from(k),
        PointChoice::Repeat(i) => earlier(so_far, i).unwrap_or(Fr::ONE),
        PointChoice::Negate(i) => -earlier(so_far, i).unwrap_or(Fr::ONE),
        PointChoice::Infinity => Fr::ZERO,
        PointChoice::Generator => Fr::ONE,
    }
}

fn scalar(choice: &ScalarChoice, c: u32, so_far: &[Fr]) -> Fr {
    let two = Fr::from(2u64);
    match *choice {
        ScalarChoice::Bytes(b) => Fr::from_le_bytes_mod_order(&b),
        ScalarChoice::NearR(k) => -Fr::ONE - Fr::from(k),
        ScalarChoice::Small(k) => Fr::from(k),
        ScalarChoice::WindowEdge { window, offset } => {
            let w = u64::from(window) % u64::from(window_count(c) + 1);
            let edge = two.pow([c as u64 * w + u64::from(c - 1)]);
            edge + Fr::from(i64::from(offset))
        }
        ScalarChoice::RepeatedDigit(d) => {
            let digit = Fr::from(u64::from(d) & ((1 << c) - 1));
            (0..window_count(c))
                .map(|w| digit * two.pow([u64::from(c * w)]))
                .sum()
        }
        ScalarChoice::Repeat(i) => earlier(so_far, i).unwrap_or(Fr::ZERO),
        ScalarChoice::Negate(i) => -earlier(so_far, i).unwrap_or(Fr::ZERO),
        ScalarChoice::Zero => Fr::ZERO,
    }
}

/// The input's discrete logs and scalars.
pub fn decode(input: &MsmInput) -> (Vec<Fr>, Vec<Fr>) {
    let c = input.shape.schedule().window_bits;
    let (mut dlogs, mut scalars) = (Vec::new(), Vec::new());
    for term in input.terms.iter().take(MAX_TERMS) {
        let t = discrete_log(&term.point, &dlogs);
        let s = scalar(&term.scalar, c, &scalars);
        dlogs.push(t);
        scalars.push(s);
    }
    (dlogs, scalars)
}

/// A curve the MSM targets run on, with its generator's multiples table made once per process:
/// building that table for every input (what `batch_mul` on the generator does) took about
/// half of each execution.
pub trait FuzzCurve: CpuCurve {
    fn generator_table() -> &'static BatchMulPreprocessing<Projective<Self>>;
}

fn table_for<P: CpuCurve>(
    cell: &'static OnceLock<BatchMulPreprocessing<Projective<P>>>,
) -> &'static BatchMulPreprocessing<Projective<P>> {
    cell.get_or_init(|| BatchMulPreprocessing::new(Projective::<P>::generator(), MAX_TERMS))
}

impl FuzzCurve for ark_bn254::g1::Config {
    fn generator_table() -> &'static BatchMulPreprocessing<Projective<Self>> {
        static TABLE: OnceLock<BatchMulPreprocessing<Projective<ark_bn254::g1::Config>>> =
            OnceLock::new();
        table_for(&TABLE)
    }
}

impl FuzzCurve for ark_bn254::g2::Config {
    fn generator_table() -> &'static BatchMulPreprocessing<Projective<Self>> {
        static TABLE: OnceLock<BatchMulPreprocessing<Projective<ark_bn254::g2::Config>>> =
            OnceLock::new();
        table_for(&TABLE)
    }
}

/// Checks kiln's CPU MSM in group `P` (the cost model's shape, the forced one and, if asked,
/// a fixed-base table) against arkworks and against `(sum s_i t_i) * G`; panics on a mismatch.
pub fn check<P: FuzzCurve>(input: &MsmInput) {
    let (dlogs, scalars) = decode(input);
    let generator = P::generator_table();
    let bases: Vec<Affine<P>> = generator.batch_mul(&dlogs);
    let by_dlog: Fr = dlogs.iter().zip(&scalars).map(|(t, s)| *t * s).sum();
    let want = generator.batch_mul(&[by_dlog])[0];
    assert_eq!(
        arkworks_msm(&bases, &scalars).into_affine(),
        want,
        "arkworks disagrees with the discrete-log answer"
    );
    assert_eq!(
        msm(&bases, &scalars).into_affine(),
        want,
        "cost-model shape"
    );
    let schedule = input.shape.schedule();
    // The forced shape and the table run with the lanes as the input says; the cost model's
    // shape above ran with them on (where the CPU has them).
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(input.shape.lanes);
    assert_eq!(
        msm_with(&bases, &scalars, &schedule).into_affine(),
        want,
        "forced shape {schedule:?}"
    );
    if input.table && !bases.is_empty() {
        let table = FixedBaseTable::new(&bases, schedule);
        assert_eq!(
            table.msm(&scalars).into_affine(),
            want,
            "fixed-base table, {schedule:?}"
        );
    }
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(true);
}
