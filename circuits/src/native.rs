//! [`Native`]: the [`Arith`] instructions computed on the host, every range checked. This is the
//! exchange's engine (and the test oracle) when the batch transition is run with it.

use ark_bn254::Fr;
use ark_ff::{BigInteger, One, PrimeField, Zero};
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;

use crate::arith::{Arith, Rejection, Why};

/// The host machine: values are field elements, booleans are `bool`.
#[derive(Default)]
pub struct Native;

/// A field element as the signed integer it stands for: `v` if `v <= (r-1)/2`, else `v - r`.
pub fn signed(v: Fr) -> BigInt {
    let u = BigUint::from_bytes_le(&v.into_bigint().to_bytes_le());
    let r = BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le());
    if u > &r >> 1 {
        BigInt::from_biguint(Sign::Minus, r - u)
    } else {
        BigInt::from_biguint(Sign::Plus, u)
    }
}

/// A signed integer as a field element (reduced mod r).
pub fn to_fr(v: &BigInt) -> Fr {
    let (sign, mag) = v.to_bytes_le();
    let m = Fr::from_le_bytes_mod_order(&mag);
    if sign == Sign::Minus {
        -m
    } else {
        m
    }
}

/// Whether `v` lies in `[0, 2^bits)`.
fn fits_unsigned(v: &BigInt, bits: u32) -> bool {
    v.sign() != Sign::Minus && v.bits() <= u64::from(bits)
}

/// Whether `v` lies in `[-2^(bits-1), 2^(bits-1))`.
fn fits_signed(v: &BigInt, bits: u32) -> bool {
    let half = BigInt::from(1) << (bits - 1);
    v >= &-half.clone() && v < &half
}

/// `(floor(a / b), a mod b)` for `b > 0`, rounding toward minus infinity.
pub fn floor_div(a: &BigInt, b: &BigInt) -> (BigInt, BigInt) {
    a.div_mod_floor(b)
}

impl Arith for Native {
    type V = Fr;
    type B = bool;

    fn input(&mut self, value: Fr) -> Fr {
        value
    }
    fn input_bool(&mut self, value: bool) -> bool {
        value
    }
    fn constant(&mut self, value: Fr) -> Fr {
        value
    }
    fn value(&self, v: &Fr) -> Fr {
        *v
    }
    fn truth(&self, b: &bool) -> bool {
        *b
    }
    fn add(&mut self, a: &Fr, b: &Fr) -> Fr {
        *a + b
    }
    fn sub(&mut self, a: &Fr, b: &Fr) -> Fr {
        *a - b
    }
    fn scale(&mut self, a: &Fr, c: Fr) -> Fr {
        *a * c
    }
    fn offset(&mut self, a: &Fr, c: Fr) -> Fr {
        *a + c
    }
    fn mul(&mut self, a: &Fr, b: &Fr) -> Fr {
        *a * b
    }
    fn mul_add(&mut self, a: &Fr, b: &Fr, c: &Fr) -> Fr {
        *a * b + c
    }
    fn compact(&mut self, v: &Fr) -> Fr {
        *v
    }
    fn bit(&mut self, b: &bool) -> Fr {
        if *b {
            Fr::one()
        } else {
            Fr::zero()
        }
    }
    fn not(&mut self, b: &bool) -> bool {
        !*b
    }
    fn and(&mut self, a: &bool, b: &bool) -> bool {
        *a && *b
    }
    fn select(&mut self, c: &bool, a: &Fr, b: &Fr) -> Fr {
        if *c {
            *a
        } else {
            *b
        }
    }
    fn is_zero(&mut self, a: &Fr) -> bool {
        a.is_zero()
    }

    fn bits(&mut self, a: &Fr, bits: u32, why: Why<'_>) -> Result<Vec<bool>, Rejection> {
        let b = a.into_bigint();
        if b.num_bits() > bits {
            return Err(why());
        }
        Ok((0..bits as usize).map(|i| b.get_bit(i)).collect())
    }

    fn assert_zero(&mut self, a: &Fr, why: Why<'_>) -> Result<(), Rejection> {
        if a.is_zero() {
            Ok(())
        } else {
            Err(why())
        }
    }

    fn assert_true(&mut self, b: &bool, why: Why<'_>) -> Result<(), Rejection> {
        if *b {
            Ok(())
        } else {
            Err(why())
        }
    }

    fn shr(&mut self, a: &Fr, shift: u32, q_bits: u32, why: Why<'_>) -> Result<Fr, Rejection> {
        let (q, _) = floor_div(&signed(*a), &(BigInt::from(1) << shift));
        if !fits_signed(&q, q_bits) {
            return Err(why());
        }
        Ok(to_fr(&q))
    }

    fn div(
        &mut self,
        a: &Fr,
        b: &Fr,
        b_bits: u32,
        q_bits: u32,
        why: Why<'_>,
    ) -> Result<Fr, Rejection> {
        let b = signed(*b);
        if b < BigInt::from(1) || !fits_unsigned(&(&b - 1), b_bits) {
            return Err(why());
        }
        let (q, _) = floor_div(&signed(*a), &b);
        if !fits_signed(&q, q_bits) {
            return Err(why());
        }
        Ok(to_fr(&q))
    }

    fn sqrt(&mut self, a: &Fr, bits: u32, why: Why<'_>) -> Result<Fr, Rejection> {
        let a = signed(*a);
        if !fits_unsigned(&a, bits) {
            return Err(why());
        }
        Ok(to_fr(&a.sqrt()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::{fr_from_i128, pow2};

    fn never() -> Rejection {
        Rejection::Overflow {
            what: "test".into(),
        }
    }

    #[test]
    fn floor_semantics_for_negative_values() {
        let mut n = Native;
        let q = n.shr(&fr_from_i128(-5), 1, 8, &never).unwrap();
        assert_eq!(q, fr_from_i128(-3));
        let q = n
            .div(&fr_from_i128(-7), &fr_from_i128(2), 4, 8, &never)
            .unwrap();
        assert_eq!(q, fr_from_i128(-4));
        assert_eq!(n.sqrt(&Fr::from(99u64), 8, &never).unwrap(), Fr::from(9u64));
        assert!(n.div(&Fr::from(1u64), &Fr::zero(), 4, 8, &never).is_err());
        assert!(n.shr(&pow2(40), 1, 8, &never).is_err());
        assert!(n.bits(&Fr::from(16u64), 4, &never).is_err());
        assert!(n.sign(&fr_from_i128(-8), 4, &never).unwrap());
        assert!(n.sign(&fr_from_i128(-9), 4, &never).is_err());
        assert!(!n.sign(&fr_from_i128(7), 4, &never).unwrap());
    }
}
