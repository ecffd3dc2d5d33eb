//! The arithmetic every part of the frontend is written in, once, and run two ways.
//!
//! [`Arith`] is a small instruction set over BN254 field values with integer meaning: sums,
//! products, floor divisions and square roots with range-checked remainders, sign tests,
//! selections, Poseidon. The batch transition, the pricing model and the state hashing are
//! generic over it:
//!
//! * [`crate::native::Native`] runs them on the host. It is the exchange's engine and the test
//!   oracle: every range a value must stay in is checked, and a value outside its range is a
//!   [`Rejection`] that names the rule (insufficient margin, stale price, overflow, ...).
//! * [`crate::circuit_machine::Circuit`] runs the very same code while building an R1CS over
//!   ark-relations: every check becomes constraints, and every value a division or square root
//!   produces becomes a witness (a "hint") that the constraints pin down uniquely. It never
//!   rejects: a batch the engine rejects gives a constraint system with no satisfying witness.
//!
//! Because both are one code path, the witness the circuit is built with is exactly the engine's
//! computation, and the circuit's shape (its matrices) depends only on the batch's dimensions,
//! never on its values: one key proves every batch of a size.
//!
//! Signed integers live in the field as `x mod r` (a negative `x` is `r - |x|`). Every
//! operation's documentation says what it assumes about the magnitude of its inputs; the
//! transition keeps every product far below `r / 2 ~ 2^253` by range-checking the factors first.

use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use std::fmt;

/// Why the engine refuses a batch (the circuit then has no satisfying witness).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// An account touched by the batch ends below its maintenance margin.
    InsufficientMargin { account: usize },
    /// A liquidation names an account that is not below its maintenance margin.
    LiquidationOfHealthyAccount { account: usize },
    /// A price older than the batch allows.
    StalePrice { what: String },
    /// A value outside the range the rules allow (a malformed price, a zero quantity, ...).
    OutOfRange { what: String },
    /// A value that would exceed the bounds the circuit represents.
    Overflow { what: String },
    /// A trade or event that breaks a rule of the exchange.
    Invalid { what: String },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::InsufficientMargin { account } => write!(
                f,
                "account {account} would end the batch below its maintenance margin"
            ),
            Rejection::LiquidationOfHealthyAccount { account } => write!(
                f,
                "account {account} is not below its maintenance margin, so it cannot be liquidated"
            ),
            Rejection::StalePrice { what } => write!(f, "stale price: {what}"),
            Rejection::OutOfRange { what } => write!(f, "out of range: {what}"),
            Rejection::Overflow { what } => write!(f, "overflow: {what}"),
            Rejection::Invalid { what } => write!(f, "invalid: {what}"),
        }
    }
}

impl std::error::Error for Rejection {}

/// Builds the [`Rejection`] for a failed check lazily: only the native engine ever needs it.
pub type Why<'a> = &'a dyn Fn() -> Rejection;

/// One instruction set, two machines (see the module docs).
///
/// `V` is a field value, `B` a boolean. `value`/`truth` give the computed value on either
/// machine (the circuit carries it beside each variable to produce its witness).
pub trait Arith {
    type V: Clone;
    type B: Clone;

    /// A private input of the computation (a witness in the circuit).
    fn input(&mut self, value: Fr) -> Self::V;
    /// A private boolean input; the circuit enforces that it is 0 or 1.
    fn input_bool(&mut self, value: bool) -> Self::B;
    /// A fixed value, part of the circuit's definition.
    fn constant(&mut self, value: Fr) -> Self::V;
    fn value(&self, v: &Self::V) -> Fr;
    fn truth(&self, b: &Self::B) -> bool;

    fn add(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    fn sub(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    /// `a * c` for a constant `c`: free in the circuit.
    fn scale(&mut self, a: &Self::V, c: Fr) -> Self::V;
    /// `a + c` for a constant `c`: free in the circuit.
    fn offset(&mut self, a: &Self::V, c: Fr) -> Self::V;
    /// `a * b` in the field: one constraint.
    fn mul(&mut self, a: &Self::V, b: &Self::V) -> Self::V;
    /// `a * b + c` as a fresh value: one constraint, `a * b = out - c`. Accumulating with this
    /// rather than `add` keeps every linear combination short, which matters for PLONK: a
    /// term beyond the third in a constraint costs an extra PLONK gate, every time the value is
    /// used.
    fn mul_add(&mut self, a: &Self::V, b: &Self::V, c: &Self::V) -> Self::V;

    /// The same value with a short linear combination: the circuit materialises a long one as a
    /// fresh variable (one constraint), so later uses each cost one PLONK gate, not one per term.
    fn compact(&mut self, v: &Self::V) -> Self::V;

    /// The boolean as 0 or 1.
    fn bit(&mut self, b: &Self::B) -> Self::V;
    fn not(&mut self, b: &Self::B) -> Self::B;
    fn and(&mut self, a: &Self::B, b: &Self::B) -> Self::B;
    /// `c ? a : b`: one constraint.
    fn select(&mut self, c: &Self::B, a: &Self::V, b: &Self::V) -> Self::V;
    /// Whether `a == 0`: two constraints.
    fn is_zero(&mut self, a: &Self::V) -> Self::B;

    /// Checks `0 <= a < 2^bits` (as an integer, `bits <= 250`), and returns the bits, least
    /// significant first.
    fn bits(&mut self, a: &Self::V, bits: u32, why: Why<'_>) -> Result<Vec<Self::B>, Rejection>;
    /// Checks `a == 0`.
    fn assert_zero(&mut self, a: &Self::V, why: Why<'_>) -> Result<(), Rejection>;
    /// Checks that `b` holds.
    fn assert_true(&mut self, b: &Self::B, why: Why<'_>) -> Result<(), Rejection>;

    /// `(q, r)` with `a = q * 2^shift + r`, `0 <= r < 2^shift` and `-2^(q_bits-1) <= q <
    /// 2^(q_bits-1)`: the floor of `a / 2^shift` for a signed `a`.
    fn shr(
        &mut self,
        a: &Self::V,
        shift: u32,
        q_bits: u32,
        why: Why<'_>,
    ) -> Result<Self::V, Rejection>;
    /// `floor(a / b)` for a signed `a` and `1 <= b <= 2^b_bits`, the quotient checked to fit
    /// `q_bits` signed bits.
    fn div(
        &mut self,
        a: &Self::V,
        b: &Self::V,
        b_bits: u32,
        q_bits: u32,
        why: Why<'_>,
    ) -> Result<Self::V, Rejection>;
    /// `floor(sqrt(a))` for `0 <= a < 2^bits`.
    fn sqrt(&mut self, a: &Self::V, bits: u32, why: Why<'_>) -> Result<Self::V, Rejection>;

    // ---- conveniences built from the instructions above ----

    fn zero(&mut self) -> Self::V {
        self.constant(Fr::zero())
    }

    fn int(&mut self, v: i128) -> Self::V {
        self.constant(fr_from_i128(v))
    }

    fn neg(&mut self, a: &Self::V) -> Self::V {
        self.scale(a, -Fr::one())
    }

    /// Checks `-2^(bits-1) <= a < 2^(bits-1)` and returns whether `a < 0`.
    fn sign(&mut self, a: &Self::V, bits: u32, why: Why<'_>) -> Result<Self::B, Rejection> {
        let shifted = self.offset(a, pow2(bits - 1));
        let b = self.bits(&shifted, bits, why)?;
        let top = b.last().expect("bits >= 1").clone();
        Ok(self.not(&top))
    }

    /// Checks `0 <= a < 2^bits`.
    fn range(&mut self, a: &Self::V, bits: u32, why: Why<'_>) -> Result<(), Rejection> {
        self.bits(a, bits, why).map(|_| ())
    }

    /// Checks `a >= b` for values whose difference lies in `(-2^(bits-1), 2^(bits-1))`; returns
    /// the answer rather than enforcing it.
    fn ge(
        &mut self,
        a: &Self::V,
        b: &Self::V,
        bits: u32,
        why: Why<'_>,
    ) -> Result<Self::B, Rejection> {
        let d = self.sub(a, b);
        let negative = self.sign(&d, bits, why)?;
        Ok(self.not(&negative))
    }

    /// `|a|` given whether `a` is negative: one constraint.
    fn abs(&mut self, a: &Self::V, negative: &Self::B) -> Self::V {
        let minus = self.neg(a);
        self.select(negative, &minus, a)
    }

    /// `max(a, 0)` given whether `a` is negative.
    fn relu(&mut self, a: &Self::V, negative: &Self::B) -> Self::V {
        let zero = self.zero();
        self.select(negative, &zero, a)
    }

    /// `cond -> holds`.
    fn implies(&mut self, cond: &Self::B, holds: &Self::B, why: Why<'_>) -> Result<(), Rejection> {
        let fails = self.not(holds);
        let bad = self.and(cond, &fails);
        let ok = self.not(&bad);
        self.assert_true(&ok, why)
    }

    /// Checks `a == b`.
    fn assert_eq(&mut self, a: &Self::V, b: &Self::V, why: Why<'_>) -> Result<(), Rejection> {
        let d = self.sub(a, b);
        self.assert_zero(&d, why)
    }

    /// `sum_i onehot_i * values_i`, for a one-hot selector: one constraint per term.
    fn dot(&mut self, onehot: &[Self::B], values: &[Self::V]) -> Self::V {
        assert_eq!(
            onehot.len(),
            values.len(),
            "selector and values differ in length"
        );
        let mut acc = self.zero();
        for (b, v) in onehot.iter().zip(values) {
            let bv = self.bit(b);
            acc = self.mul_add(&bv, v, &acc);
        }
        acc
    }
}

/// `2^k` in the field.
pub fn pow2(k: u32) -> Fr {
    Fr::from(2u64).pow([u64::from(k)])
}

/// A signed integer as a field element.
pub fn fr_from_i128(v: i128) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u128)
    }
}

/// The signed integer a field element stands for, when it lies in `(-2^126, 2^126)`.
pub fn i128_from_fr(v: Fr) -> Option<i128> {
    let small = |x: Fr| -> Option<u128> {
        let b = x.into_bigint();
        let limbs = b.as_ref();
        if limbs[2] != 0 || limbs[3] != 0 || limbs[1] >= 1 << 62 {
            return None;
        }
        Some(u128::from(limbs[0]) | u128::from(limbs[1]) << 64)
    };
    if let Some(p) = small(v) {
        return Some(p as i128);
    }
    small(-v).map(|m| -(m as i128))
}

/// The low `bits` bits of a field element's canonical form (the natural "hint" when a value is
/// out of range: the decomposition then fails to recompose).
pub fn low_bits(v: Fr, bits: u32) -> Vec<bool> {
    let b = v.into_bigint();
    (0..bits as usize).map(|i| b.get_bit(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_integers_round_trip_through_the_field() {
        for v in [
            0i128,
            1,
            -1,
            42,
            -42,
            (1 << 125) - 1,
            -(1 << 125),
            i64::MAX as i128 * 9,
        ] {
            assert_eq!(i128_from_fr(fr_from_i128(v)), Some(v), "{v}");
        }
        assert_eq!(i128_from_fr(pow2(200)), None);
        assert_eq!(i128_from_fr(-pow2(200)), None);
        assert_eq!(pow2(10), Fr::from(1024u64));
        assert_eq!(low_bits(Fr::from(6u64), 4), vec![false, true, true, false]);
    }
}
