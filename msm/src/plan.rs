//! Window sizes and signed-digit decomposition of canonical scalars.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// Bits in a BN254 scalar: `r < 2^254`.
pub const SCALAR_BITS: u32 = 254;

/// The largest window a plan may use. Above 24 bits a window's buckets outnumber any MSM
/// kiln runs, and digits (sign plus magnitude) must fit a `u32` with room to spare.
pub const MAX_WINDOW_BITS: u32 = 24;

/// Number of `c`-bit signed-digit windows a BN254 scalar needs: [`window_count_for`] of
/// [`SCALAR_BITS`].
pub fn window_count(c: u32) -> u32 {
    window_count_for(SCALAR_BITS, c)
}

/// Number of `c`-bit signed-digit windows a scalar of at most `scalar_bits` bits needs.
///
/// A signed digit lies in `[-2^(c-1), 2^(c-1)]`; borrowing from the next window can carry one
/// past the top bit, so `floor(bits / c) + 1` windows are needed. The top window then holds at
/// most `bits mod c` bits plus a carry, which never exceeds `2^(c-1)`: no further carry.
pub fn window_count_for(scalar_bits: u32, c: u32) -> u32 {
    assert!(
        (1..=MAX_WINDOW_BITS).contains(&c),
        "window of {c} bits is outside 1..={MAX_WINDOW_BITS}"
    );
    scalar_bits / c + 1
}

/// A signed digit in `[-2^(c-1), 2^(c-1)]`, packed as a device reads it:
/// bits 31..1 hold the magnitude (the bucket number, 0 meaning "no bucket") and bit 0 the sign
/// (1 = subtract the point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct Digit(pub u32);

impl Digit {
    pub fn new(value: i64) -> Self {
        let magnitude = value.unsigned_abs() as u32;
        Digit(magnitude << 1 | u32::from(value < 0))
    }

    /// The bucket this digit adds into, `1..=2^(c-1)`; 0 means the digit is zero.
    pub fn magnitude(self) -> u32 {
        self.0 >> 1
    }

    /// Whether the point is subtracted.
    pub fn is_negative(self) -> bool {
        self.0 & 1 == 1
    }

    pub fn value(self) -> i64 {
        let m = i64::from(self.magnitude());
        if self.is_negative() {
            -m
        } else {
            m
        }
    }
}

/// The `c`-bit signed digits of a canonical scalar, least significant window first:
/// `s = sum_j d_j 2^(c j)` with every `d_j` in `[-2^(c-1), 2^(c-1)]`.
pub fn signed_digits(scalar: &Fr, c: u32) -> Vec<Digit> {
    let bits = scalar.into_bigint();
    let limbs = bits.as_ref();
    let windows = window_count(c);
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    let mut out = Vec::with_capacity(windows as usize);
    for j in 0..windows {
        let raw = window_bits(limbs, j * c, c) as i64 + carry;
        // A raw window above 2^(c-1) borrows 2^c from the next window.
        let (digit, next_carry) = if raw > half {
            (raw - (1i64 << c), 1)
        } else {
            (raw, 0)
        };
        out.push(Digit::new(digit));
        carry = next_carry;
    }
    debug_assert_eq!(carry, 0, "window_count leaves room for the last carry");
    out
}

/// Bits `start .. start + c` of a little-endian limb array (bits past the end read as zero).
pub(crate) fn window_bits(limbs: &[u64], start: u32, c: u32) -> u64 {
    let limb = (start / 64) as usize;
    let shift = start % 64;
    if limb >= limbs.len() {
        return 0;
    }
    let mut v = limbs[limb] >> shift;
    if shift + c > 64 && limb + 1 < limbs.len() {
        v |= limbs[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

/// The shape of one MSM: its size and window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsmPlan {
    /// Points in the MSM.
    pub len: usize,
    /// Bits per window.
    pub window_bits: u32,
}

impl MsmPlan {
    /// The window that minimises the host-side estimate of group operations,
    /// `windows * (len + 2 * buckets)` (accumulation plus the running-sum reduction), for a
    /// device that reduces buckets at the same cost per addition as it accumulates.
    pub fn for_len(len: usize) -> Self {
        Self::with_max_window(len, MAX_WINDOW_BITS)
    }

    /// As [`for_len`](Self::for_len), with the window capped at `max_bits` (a device's bucket
    /// memory, for example).
    pub fn with_max_window(len: usize, max_bits: u32) -> Self {
        let max_bits = max_bits.clamp(1, MAX_WINDOW_BITS);
        let cost = |c: u32| u64::from(window_count(c)) * (len as u64 + 2 * (1u64 << (c - 1)));
        let window_bits = (1..=max_bits)
            .min_by_key(|&c| cost(c))
            .expect("non-empty range");
        MsmPlan { len, window_bits }
    }

    /// Explicit window, for devices with their own tuning.
    pub fn with_window(len: usize, window_bits: u32) -> Self {
        window_count(window_bits); // validates the width
        MsmPlan { len, window_bits }
    }

    pub fn windows(&self) -> u32 {
        window_count(self.window_bits)
    }

    /// Buckets per window, `2^(c-1)`; bucket numbers run `1..=buckets`.
    pub fn buckets_per_window(&self) -> u32 {
        1 << (self.window_bits - 1)
    }
}

/// Reassembles a scalar from its digits: the inverse of [`signed_digits`], for tests and for
/// checking a device's decomposition.
pub fn from_digits(digits: &[Digit], c: u32) -> Fr {
    let base = Fr::from(1u64 << c);
    digits.iter().rev().fold(Fr::from(0u64), |acc, d| {
        let m = Fr::from(u64::from(d.magnitude()));
        acc * base + if d.is_negative() { -m } else { m }
    })
}

/// True when `scalar`'s canonical form has a set bit at `254` or above: never for a valid `Fr`.
/// Kept as a test of the assumption [`window_count`] rests on.
pub fn exceeds_scalar_bits(scalar: &Fr) -> bool {
    scalar.into_bigint().num_bits() > SCALAR_BITS
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};
    use kiln_host::conformance::seeded_rng;

    fn edge_scalars() -> Vec<Fr> {
        let minus_one = -Fr::from(1u64);
        vec![
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(2u64),
            minus_one,
            minus_one - Fr::from(1u64),
            Fr::from(2u64).pow([253u64]),
            Fr::from(2u64).pow([253u64]) - Fr::from(1u64),
            Fr::from(u64::MAX),
        ]
    }

    #[test]
    fn digits_reassemble_to_the_scalar_for_every_window() {
        let mut rng = seeded_rng("signed digits");
        let mut scalars = edge_scalars();
        scalars.extend((0..200).map(|_| Fr::rand(&mut rng)));
        for c in 1..=MAX_WINDOW_BITS {
            for s in &scalars {
                assert!(!exceeds_scalar_bits(s));
                let digits = signed_digits(s, c);
                assert_eq!(digits.len() as u32, window_count(c));
                let half = 1i64 << (c - 1);
                for d in &digits {
                    assert!(
                        (-half..=half).contains(&d.value()),
                        "c={c}: digit {d:?} out of range"
                    );
                }
                assert_eq!(from_digits(&digits, c), *s, "c={c}, s={s}");
            }
        }
    }

    #[test]
    fn digit_packing_round_trips() {
        for v in [-(1i64 << 23), -5, -1, 0, 1, 7, 1 << 23] {
            let d = Digit::new(v);
            assert_eq!(d.value(), v);
            assert_eq!(d.is_negative(), v < 0);
        }
        assert_eq!(Digit::new(-3).0, 7);
        assert_eq!(Digit::new(3).0, 6);
    }

    #[test]
    fn plan_grows_the_window_with_the_size() {
        let small = MsmPlan::for_len(1 << 8);
        let large = MsmPlan::for_len(1 << 20);
        assert!(
            small.window_bits < large.window_bits,
            "{small:?} vs {large:?}"
        );
        assert_eq!(MsmPlan::with_max_window(1 << 20, 10).window_bits, 10);
        assert!(MsmPlan::for_len(1).window_bits <= 2);
        assert_eq!(MsmPlan::with_window(4, 8).buckets_per_window(), 128);
    }
}
