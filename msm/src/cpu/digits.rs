//! Signed digits of every scalar, readable window by window in any order.
//!
//! A signed-digit window borrows from the window above it, so digit `j` depends on every bit
//! below window `j`. Instead of storing all `n * windows` digits (arkworks' approach; 70 MB for
//! a 2^20-point MSM), one pass per scalar records where the borrows happen, one bit per window
//! in a `u64`, and any digit is then recomputed from the scalar's bits and two of those bits.
//! Parallel tasks can so take any window of any chunk of points.

use std::borrow::Cow;

use ark_bn254::Fr;
use ark_ff::PrimeField;
use rayon::prelude::*;

use crate::plan::{window_bits, window_count_for};

/// Non-negative scalars (`LIMBS` little-endian words each) and the carry into each of their
/// `c`-bit signed-digit windows.
///
/// The windows cover the scalars' significant bits only: an MSM whose scalars are all small
/// (or the half-size scalars of the GLV split, [`super::glv`]) runs fewer windows.
pub struct WindowDigits<'s, const LIMBS: usize = 4> {
    c: u32,
    windows: u32,
    /// The scalars' significant bits, which bound the top window's digits.
    bits: u32,
    /// Borrowed where the caller keeps the canonical scalars (a buffer shared by several
    /// MSMs), owned where they were made for this MSM.
    scalars: Cow<'s, [[u64; LIMBS]]>,
    /// Bit `j` set: window `j` receives a carry of 1 from window `j - 1`.
    carries: Vec<u64>,
}

/// The narrowest window [`WindowDigits`] supports: at most 51 windows, so that the carry out of
/// the top window still has a bit in a `u64`.
pub const MIN_WINDOW_BITS: u32 = 5;

/// The scalars out of Montgomery form, in parallel.
pub fn canonical(scalars: &[Fr]) -> Vec<[u64; 4]> {
    scalars.par_iter().map(|s| s.into_bigint().0).collect()
}

/// The bit length of the largest of `scalars`.
pub fn significant_bits<const LIMBS: usize>(scalars: &[[u64; LIMBS]]) -> u32 {
    let or = scalars
        .par_iter()
        .fold(
            || [0u64; LIMBS],
            |acc, s| std::array::from_fn(|k| acc[k] | s[k]),
        )
        .reduce(
            || [0u64; LIMBS],
            |a, b| std::array::from_fn(|k| a[k] | b[k]),
        );
    (0..LIMBS)
        .rev()
        .find(|&k| or[k] != 0)
        .map_or(0, |k| 64 * k as u32 + 64 - or[k].leading_zeros())
}

impl WindowDigits<'static, 4> {
    /// Converts `scalars` out of Montgomery form and records their carries, in parallel.
    pub fn new(scalars: &[Fr], c: u32) -> Self {
        Self::from_limbs(canonical(scalars), c)
    }
}

impl<'s, const LIMBS: usize> WindowDigits<'s, LIMBS> {
    /// Records the carries of non-negative scalars (a `Vec` or a borrowed slice), windows
    /// enough for the largest.
    pub fn from_limbs(scalars: impl Into<Cow<'s, [[u64; LIMBS]]>>, c: u32) -> Self {
        let scalars = scalars.into();
        assert!(
            c >= MIN_WINDOW_BITS,
            "windows below {MIN_WINDOW_BITS} bits are not supported"
        );
        let bits = significant_bits(&scalars);
        let windows = window_count_for(bits, c);
        assert!(
            windows < 64,
            "{bits}-bit scalars need {windows} windows of {c} bits"
        );
        let half = 1u64 << (c - 1);
        let carries = scalars
            .par_iter()
            .map(|s| {
                let mut mask = 0u64;
                let mut carry = 0u64;
                for j in 0..windows {
                    let raw = window_bits(s, j * c, c) + carry;
                    carry = u64::from(raw > half);
                    mask |= carry << (j + 1);
                }
                mask
            })
            .collect();
        WindowDigits {
            c,
            windows,
            bits,
            scalars,
            carries,
        }
    }

    pub fn window_bits(&self) -> u32 {
        self.c
    }

    pub fn windows(&self) -> u32 {
        self.windows
    }

    pub fn len(&self) -> usize {
        self.scalars.len()
    }

    /// The buckets window `j`'s digits can reach: `2^(c-1)` below the top window, and for the
    /// top one `2^(bits mod c)`, since it holds only the scalars' last `bits mod c` bits and a
    /// carry (7 bits and 128 buckets for 254-bit scalars in 13-bit windows, not 4,096).
    pub fn buckets(&self, j: u32) -> usize {
        if j + 1 < self.windows {
            1 << (self.c - 1)
        } else {
            1 << (self.bits % self.c)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.scalars.is_empty()
    }

    /// Digit `j` of scalar `i`, in `[-2^(c-1), 2^(c-1)]`.
    #[inline]
    pub fn digit(&self, i: usize, j: u32) -> i64 {
        let c = self.c;
        let mask = self.carries[i];
        let raw = window_bits(&self.scalars[i], j * c, c) as i64;
        let carry_in = ((mask >> j) & 1) as i64;
        let carry_out = ((mask >> (j + 1)) & 1) as i64;
        raw + carry_in - (carry_out << c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::signed_digits;
    use ark_ff::{Field, UniformRand};
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn digits_match_the_sequential_decomposition() {
        let mut rng = seeded_rng("window digits");
        let minus_one = -Fr::from(1u64);
        let mut scalars = vec![
            Fr::from(0u64),
            Fr::from(1u64),
            minus_one,
            minus_one - Fr::from(1u64),
        ];
        scalars.extend((0..300).map(|_| Fr::rand(&mut rng)));
        for c in MIN_WINDOW_BITS..=24 {
            let digits = WindowDigits::new(&scalars, c);
            for (i, s) in scalars.iter().enumerate() {
                let want = signed_digits(s, c);
                for j in 0..digits.windows() {
                    assert_eq!(
                        digits.digit(i, j),
                        want[j as usize].value(),
                        "c={c} i={i} j={j}"
                    );
                    assert!(
                        digits.digit(i, j).unsigned_abs() as usize <= digits.buckets(j),
                        "c={c} i={i} j={j}: digit beyond the window's buckets"
                    );
                }
            }
        }
    }

    #[test]
    fn small_scalars_take_fewer_windows_and_reassemble() {
        let mut rng = seeded_rng("small window digits");
        for bits in [0u32, 1, 40, 127, 128] {
            let scalars: Vec<[u64; 2]> = (0..200)
                .map(|_| {
                    let v = u128::rand(&mut rng);
                    let v = if bits == 0 { 0 } else { v >> (128 - bits) };
                    [v as u64, (v >> 64) as u64]
                })
                .collect();
            for c in [MIN_WINDOW_BITS, 9, 13, 16] {
                let digits = WindowDigits::from_limbs(scalars.clone(), c);
                let top = significant_bits(&scalars);
                assert!(top <= bits);
                assert_eq!(digits.windows(), top / c + 1, "bits={bits} c={c}");
                for (i, s) in scalars.iter().enumerate() {
                    let want = Fr::from(u128::from(s[0]) | u128::from(s[1]) << 64);
                    let got: Fr = (0..digits.windows())
                        .map(|j| {
                            let d = digits.digit(i, j);
                            let m =
                                Fr::from(d.unsigned_abs()) * Fr::from(2u64).pow([u64::from(c * j)]);
                            if d < 0 {
                                -m
                            } else {
                                m
                            }
                        })
                        .sum();
                    assert_eq!(got, want, "bits={bits} c={c} i={i}");
                }
            }
        }
    }
}
