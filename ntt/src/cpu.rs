//! kiln's CPU NTT: radix-2 decimation in frequency, depth first, so that most stages run on a
//! block already in cache.
//!
//! An iterative radix-2 transform (arkworks' `Radix2EvaluationDomain`) streams the whole vector
//! through memory once per stage: 21 passes over 64 MB for a 2^21-point transform, the size of a
//! PLONK quotient at 2^19 constraints. Here a block of `m` values runs its first two stages
//! (fused into one radix-4 pass) and then recurses into its four quarters, so once a block fits
//! in cache (about 2^13 values, 256 KB) every later stage of it runs there; only the stages of
//! larger blocks stream through memory, two per pass, in parallel over the block, and the
//! quarters of a large block go to different threads.
//!
//! Butterflies add and subtract branch-free ([`kiln_field`]), which alone makes them 8% to 32%
//! faster than with arkworks' operators (`field/examples/field_ops.rs`). Where the CPU has
//! AVX-512 IFMA they run eight abreast instead ([`crate::lanes`]: blocks of up to
//! [`LANE_BLOCK`] values convert to lanes once and run every remaining stage there), as do the
//! coset and twiddle powers and the `1/n` scaling.
//!
//! The transforms are those of [`kiln_host::NttOp`] (natural order in and out, arkworks' roots,
//! cosets `g * <w>`), planned by [`NttPlan`]: scale the input, decimate in frequency (natural in,
//! bit-reversed out), put the output back in natural order, scale the output. Results equal
//! arkworks' exactly; `ntt/tests/cpu_ntt.rs` checks every op against it.

use ark_bn254::Fr;
use ark_ff::{Field, One};
use kiln_field::{add, sub};
use kiln_host::NttOp;
use rayon::prelude::*;

use crate::lanes::{LaneNtt, Powers, LANE_BLOCK, MIN_LANE_BLOCK};
use crate::plan::{bit_reverse, NttPlan, Scaling};

/// Blocks of at least this many values split their stage and their halves over threads.
const PARALLEL_BLOCK: usize = 1 << 12;
/// Values per parallel work item when a stage or a scaling is split.
const CHUNK: usize = 1 << 11;

/// `op` on `values` in place. The length must be a power of two of at most 2^28 (the checked
/// seam guarantees it) and a coset shift non-zero.
pub fn transform(values: &mut [Fr], op: NttOp) {
    let n = values.len();
    assert!(
        n.is_power_of_two() && n <= 1 << 28,
        "NTT length {n} is not a power of two of at most 2^28"
    );
    let plan = NttPlan::new(n.trailing_zeros(), op);
    let lanes = LaneNtt::new();
    let lanes = lanes.as_ref();
    scale(values, &plan.before, lanes);
    if n > 1 {
        let mut roots = vec![Fr::one(); n / 2];
        for_each_power(&mut roots, Fr::one(), plan.root, Powers::Write, lanes);
        decimate_in_frequency(values, &roots, 1, lanes);
        bit_reverse_parallel(values);
    }
    scale(values, &plan.after, lanes);
}

/// Frees the block scratch every thread of the current rayon pool (and this thread) keeps
/// between transforms ([`crate::lanes`]), for a caller done with NTTs for a while.
pub fn release_scratch() {
    rayon::broadcast(|_| crate::lanes::release_thread_scratch());
    crate::lanes::release_thread_scratch();
}

/// One block's DIF stages: `values` holds a block of `m` values of an `n`-point transform,
/// `roots[k] = w^k` for `k < n / 2`, and `stride = n / m`, so the block's twiddles are
/// `roots[j * stride]`. Leaves the block's transform in bit-reversed order.
///
/// Stages run two at a time (a radix-4 step: the block's first stage and the first stage of
/// each half, fused), so a block too large for the cache is streamed once per two stages.
/// With `lanes` (AVX-512 IFMA), blocks of at most [`LANE_BLOCK`] values run all their stages
/// eight abreast, and larger blocks their radix-4 steps ([`crate::lanes`]).
fn decimate_in_frequency(values: &mut [Fr], roots: &[Fr], stride: usize, lanes: Option<&LaneNtt>) {
    let m = values.len();
    if let Some(lanes) = lanes {
        if (MIN_LANE_BLOCK..=LANE_BLOCK).contains(&m) {
            lanes.block(values, roots, stride);
            return;
        }
    }
    if m < 4 {
        if m == 2 {
            let (a, b) = (values[0], values[1]);
            values[0] = add(&a, &b);
            values[1] = sub(&a, &b);
        }
        return;
    }
    let quarter = m / 4;
    let (first, second) = values.split_at_mut(2 * quarter);
    let (q0, q1) = first.split_at_mut(quarter);
    let (q2, q3) = second.split_at_mut(quarter);
    // Stage one pairs (j, j + m/2) with w_m^j; stage two pairs (j, j + m/4) in each half with
    // w_{m/2}^j = w_m^(2j).
    let radix4 = |offset: usize, q0: &mut [Fr], q1: &mut [Fr], q2: &mut [Fr], q3: &mut [Fr]| {
        // (Only blocks above LANE_BLOCK get here with lanes; their chunks are multiples of 8.)
        if let Some(lanes) = lanes.filter(|_| m > LANE_BLOCK) {
            return lanes.radix4(offset, [q0, q1, q2, q3], roots, stride, quarter);
        }
        for (k, (((a, b), c), d)) in q0
            .iter_mut()
            .zip(q1.iter_mut())
            .zip(q2.iter_mut())
            .zip(q3.iter_mut())
            .enumerate()
        {
            let j = offset + k;
            let a1 = add(a, c);
            let c1 = sub(a, c) * roots[j * stride];
            let b1 = add(b, d);
            let d1 = sub(b, d) * roots[(j + quarter) * stride];
            let w2 = &roots[2 * j * stride];
            *a = add(&a1, &b1);
            *b = sub(&a1, &b1) * w2;
            *c = add(&c1, &d1);
            *d = sub(&c1, &d1) * w2;
        }
    };
    let inner = 4 * stride;
    if m >= PARALLEL_BLOCK {
        q0.par_chunks_mut(CHUNK)
            .zip(q1.par_chunks_mut(CHUNK))
            .zip(q2.par_chunks_mut(CHUNK).zip(q3.par_chunks_mut(CHUNK)))
            .enumerate()
            .for_each(|(c, ((q0, q1), (q2, q3)))| radix4(c * CHUNK, q0, q1, q2, q3));
        rayon::join(
            || {
                rayon::join(
                    || decimate_in_frequency(q0, roots, inner, lanes),
                    || decimate_in_frequency(q1, roots, inner, lanes),
                )
            },
            || {
                rayon::join(
                    || decimate_in_frequency(q2, roots, inner, lanes),
                    || decimate_in_frequency(q3, roots, inner, lanes),
                )
            },
        );
    } else {
        radix4(0, q0, q1, q2, q3);
        for q in [q0, q1, q2, q3] {
            decimate_in_frequency(q, roots, inner, lanes);
        }
    }
}

/// `first * ratio^k` for `k < len`, in parallel chunks ([`crate::powers`] in one thread).
pub fn powers_parallel(first: Fr, ratio: Fr, len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::one(); len];
    for_each_power(
        &mut out,
        first,
        ratio,
        Powers::Write,
        LaneNtt::new().as_ref(),
    );
    out
}

/// Writes `first * ratio^k` to `values[k]`, or multiplies it in ([`Powers`]), in parallel
/// chunks that each start with one `pow`; eight abreast with `lanes`.
fn for_each_power(values: &mut [Fr], first: Fr, ratio: Fr, what: Powers, lanes: Option<&LaneNtt>) {
    values
        .par_chunks_mut(CHUNK * 8)
        .enumerate()
        .for_each(|(c, chunk)| {
            let start = first * ratio.pow([(c * CHUNK * 8) as u64]);
            if let Some(lanes) = lanes {
                return lanes.powers(chunk, start, ratio, what);
            }
            let mut p = start;
            for v in chunk {
                match what {
                    Powers::Write => *v = p,
                    Powers::Multiply => *v *= p,
                }
                p *= ratio;
            }
        });
}

/// Applies a plan's scaling, in parallel (eight abreast with `lanes`).
fn scale(values: &mut [Fr], scaling: &Scaling, lanes: Option<&LaneNtt>) {
    match *scaling {
        Scaling::None => {}
        Scaling::Constant(c) => match lanes {
            Some(lanes) => values
                .par_chunks_mut(CHUNK)
                .for_each(|chunk| lanes.scale(chunk, c)),
            None => values.par_iter_mut().for_each(|v| *v *= c),
        },
        Scaling::Powers { first, ratio } => {
            for_each_power(values, first, ratio, Powers::Multiply, lanes)
        }
    }
}

/// A pointer that may be shared by the threads of [`bit_reverse_parallel`].
#[derive(Clone, Copy)]
struct SharedSlice(*mut Fr);
// SAFETY: the threads write through it only at disjoint index pairs (see bit_reverse_parallel).
unsafe impl Send for SharedSlice {}
unsafe impl Sync for SharedSlice {}

impl SharedSlice {
    /// The address of element `i` (a method, so that closures capture the whole wrapper).
    fn at(self, i: usize) -> *mut Fr {
        self.0.wrapping_add(i)
    }
}

/// Puts a power-of-two-length slice into bit-reversed order, in parallel.
fn bit_reverse_parallel(values: &mut [Fr]) {
    let n = values.len();
    let bits = n.trailing_zeros();
    if n < PARALLEL_BLOCK {
        crate::plan::bit_reverse_permute(values);
        return;
    }
    let base = SharedSlice(values.as_mut_ptr());
    (0..n).into_par_iter().with_min_len(CHUNK).for_each(|i| {
        let j = bit_reverse(i, bits);
        if i < j {
            // SAFETY: i, j < n; the pair {i, j} is swapped only by the task holding its smaller
            // index, and bit reversal is an involution, so no two tasks touch the same element.
            unsafe { std::ptr::swap(base.at(i), base.at(j)) };
        }
    });
}
