//! Signed digits of every scalar, readable window by window in any order.
//!
//! A signed-digit window borrows from the window above it, so digit `j` depends on every bit
//! below window `j`. Instead of storing all `n * windows` digits (arkworks' approach; 70 MB for
//! a 2^20-point MSM), one pass per scalar records where the borrows happen, one bit per window
//! in a `u64`, and any digit is then recomputed from the scalar's bits and two of those bits.
//! Parallel tasks can so take any window of any chunk of points.

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};
use rayon::prelude::*;

use crate::plan::{window_bits, window_count};

/// Canonical scalars and the carry into each of their `c`-bit signed-digit windows.
pub struct WindowDigits {
    c: u32,
    windows: u32,
    scalars: Vec<BigInt<4>>,
    /// Bit `j` set: window `j` receives a carry of 1 from window `j - 1`.
    carries: Vec<u64>,
}

/// The narrowest window [`WindowDigits`] supports: at most 51 windows, so that the carry out of
/// the top window still has a bit in a `u64`.
pub const MIN_WINDOW_BITS: u32 = 5;

impl WindowDigits {
    /// Converts `scalars` out of Montgomery form and records their carries, in parallel.
    pub fn new(scalars: &[Fr], c: u32) -> Self {
        assert!(
            c >= MIN_WINDOW_BITS,
            "windows below {MIN_WINDOW_BITS} bits are not supported"
        );
        let windows = window_count(c);
        let scalars: Vec<BigInt<4>> = scalars.par_iter().map(|s| s.into_bigint()).collect();
        let half = 1u64 << (c - 1);
        let carries = scalars
            .par_iter()
            .map(|s| {
                let mut mask = 0u64;
                let mut carry = 0u64;
                for j in 0..windows {
                    let raw = window_bits(&s.0, j * c, c) + carry;
                    carry = u64::from(raw > half);
                    mask |= carry << (j + 1);
                }
                mask
            })
            .collect();
        WindowDigits {
            c,
            windows,
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

    pub fn is_empty(&self) -> bool {
        self.scalars.is_empty()
    }

    /// Digit `j` of scalar `i`, in `[-2^(c-1), 2^(c-1)]`.
    #[inline]
    pub fn digit(&self, i: usize, j: u32) -> i64 {
        let c = self.c;
        let mask = self.carries[i];
        let raw = window_bits(&self.scalars[i].0, j * c, c) as i64;
        let carry_in = ((mask >> j) & 1) as i64;
        let carry_out = ((mask >> (j + 1)) & 1) as i64;
        raw + carry_in - (carry_out << c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::signed_digits;
    use ark_ff::UniformRand;
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
                }
            }
        }
    }
}
