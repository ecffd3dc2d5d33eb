//! Domains, twiddles, cosets, bit reversal and the split of a transform into passes.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use kiln_host::NttOp;

/// How a transform's input or output is scaled element-wise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scaling {
    /// Unchanged.
    None,
    /// Element `i` times `g^i` (a forward coset transform's input), or times `c * g^i`.
    Powers { first: Fr, ratio: Fr },
    /// Every element times `c` (an inverse transform's `1/n`).
    Constant(Fr),
}

/// One transform as a device runs it: scale the input, run the plain cyclic NTT with `root`
/// (a primitive `n`-th root of unity), scale the output.
///
/// * Forward: `root = w`, no scaling.
/// * Inverse: `root = w^-1`, output times `1/n`.
/// * CosetForward(g): input `i` times `g^i`, then forward.
/// * CosetInverse(g): inverse, then output `i` times `g^-i / n` (the `1/n` folded into the powers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NttPlan {
    pub log_n: u32,
    pub root: Fr,
    pub before: Scaling,
    pub after: Scaling,
}

impl NttPlan {
    /// The plan for `op` on `2^log_n` values. `log_n` must be at most 28 and any coset shift
    /// non-zero, as the checked seam guarantees.
    pub fn new(log_n: u32, op: NttOp) -> Self {
        let n = 1u64 << log_n;
        let w = Fr::get_root_of_unity(n).expect("log_n <= 28");
        let n_inv = Fr::from(n).inverse().expect("n < r");
        let (root, before, after) = match op {
            NttOp::Forward => (w, Scaling::None, Scaling::None),
            NttOp::Inverse => (inv(w), Scaling::None, Scaling::Constant(n_inv)),
            NttOp::CosetForward(g) => (
                w,
                Scaling::Powers {
                    first: Fr::one(),
                    ratio: g,
                },
                Scaling::None,
            ),
            NttOp::CosetInverse(g) => (
                inv(w),
                Scaling::None,
                Scaling::Powers {
                    first: n_inv,
                    ratio: inv(g),
                },
            ),
        };
        NttPlan {
            log_n,
            root,
            before,
            after,
        }
    }

    /// Values the transform takes, `2^log_n`.
    pub fn size(&self) -> usize {
        1 << self.log_n
    }

    /// Runs the plan on the host with textbook radix-2 butterflies: the reference the device
    /// drivers' pass structure follows (bit-reverse, then `log_n` stages of butterflies).
    pub fn run_on_host(&self, values: &mut [Fr]) {
        assert_eq!(values.len(), self.size(), "plan and data differ in length");
        apply(&self.before, values);
        bit_reverse_permute(values);
        butterfly_stages(values, self.root, 1..=self.log_n);
        apply(&self.after, values);
    }
}

/// Runs butterfly stages `stages` of a radix-2 decimation-in-time transform in place: stage `s`
/// combines blocks of `2^(s-1)` into blocks of `2^s` with twiddles `root^(n / 2^s * j)`, where
/// `root` is a primitive `n`-th root of unity, `n = values.len()`. All `log n` stages on
/// bit-reversed input give the natural-order transform ([`NttPlan::run_on_host`]); a device
/// that ran the first stages block by block leaves the rest to this.
pub fn butterfly_stages(values: &mut [Fr], root: Fr, stages: std::ops::RangeInclusive<u32>) {
    let n = values.len();
    for s in stages {
        let half = 1usize << (s - 1);
        if 2 * half > n {
            break;
        }
        let step = root.pow([(n / (2 * half)) as u64]);
        let twiddles = powers(Fr::one(), step, half);
        for block in values.chunks_mut(2 * half) {
            let (lo, hi) = block.split_at_mut(half);
            for ((a, b), t) in lo.iter_mut().zip(hi.iter_mut()).zip(&twiddles) {
                let u = *a;
                let v = *b * t;
                *a = u + v;
                *b = u - v;
            }
        }
    }
}

fn inv(x: Fr) -> Fr {
    x.inverse()
        .expect("roots of unity and coset shifts are non-zero")
}

/// Applies a scaling on the host.
pub fn apply(scaling: &Scaling, values: &mut [Fr]) {
    match *scaling {
        Scaling::None => {}
        Scaling::Constant(c) => values.iter_mut().for_each(|v| *v *= c),
        Scaling::Powers { first, ratio } => {
            let mut p = first;
            for v in values {
                *v *= p;
                p *= ratio;
            }
        }
    }
}

/// `first * ratio^i` for `i < len`: twiddle and coset tables.
pub fn powers(first: Fr, ratio: Fr, len: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(len);
    let mut p = first;
    for _ in 0..len {
        out.push(p);
        p *= ratio;
    }
    out
}

/// `i` with its low `bits` bits reversed.
pub fn bit_reverse(i: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Permutes a power-of-two-length slice into bit-reversed order (an involution).
pub fn bit_reverse_permute<T>(values: &mut [T]) {
    let n = values.len();
    assert!(n.is_power_of_two(), "length {n} is not a power of two");
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = bit_reverse(i, bits);
        if i < j {
            values.swap(i, j);
        }
    }
}

/// Splits `log_n` butterfly stages into passes of at most `max_stages_per_pass` stages each,
/// as evenly as possible: a device runs each pass with its block in fast memory (shared memory,
/// workgroup memory, on-chip RAM). Returns the stage count of each pass, summing to `log_n`.
pub fn passes(log_n: u32, max_stages_per_pass: u32) -> Vec<u32> {
    assert!(
        max_stages_per_pass > 0,
        "a pass must run at least one stage"
    );
    if log_n == 0 {
        return Vec::new();
    }
    let count = log_n.div_ceil(max_stages_per_pass);
    let base = log_n / count;
    let extra = log_n % count;
    (0..count).map(|i| base + u32::from(i < extra)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn host_plan_matches_arkworks_for_every_op() {
        let mut rng = seeded_rng("ntt plan");
        let g = Fr::rand(&mut rng);
        for log_n in 0..=10u32 {
            let n = 1usize << log_n;
            let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let coset = d.get_coset(g).unwrap();
            let cases = [
                (NttOp::Forward, d.fft(&input)),
                (NttOp::Inverse, d.ifft(&input)),
                (NttOp::CosetForward(g), coset.fft(&input)),
                (NttOp::CosetInverse(g), coset.ifft(&input)),
            ];
            for (op, expected) in cases {
                let mut v = input.clone();
                NttPlan::new(log_n, op).run_on_host(&mut v);
                assert_eq!(v, expected, "{op:?} at 2^{log_n}");
            }
        }
    }

    #[test]
    fn bit_reversal_is_an_involution() {
        let mut v: Vec<usize> = (0..64).collect();
        bit_reverse_permute(&mut v);
        assert_eq!(v[1], 32);
        assert_eq!(v[6], 24);
        bit_reverse_permute(&mut v);
        assert_eq!(v, (0..64).collect::<Vec<_>>());
        assert_eq!(bit_reverse(0, 0), 0);
    }

    #[test]
    fn passes_cover_every_stage_evenly() {
        assert_eq!(passes(0, 10), Vec::<u32>::new());
        assert_eq!(passes(10, 10), vec![10]);
        assert_eq!(passes(11, 10), vec![6, 5]);
        assert_eq!(passes(24, 10), vec![8, 8, 8]);
        assert_eq!(passes(25, 8), vec![7, 6, 6, 6]);
        for log_n in 1..=28 {
            for max in 1..=12 {
                let p = passes(log_n, max);
                assert_eq!(p.iter().sum::<u32>(), log_n);
                assert!(p.iter().all(|&s| s >= 1 && s <= max));
            }
        }
    }
}
