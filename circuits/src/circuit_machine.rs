//! [`Circuit`], the circuit machine: the [`Arith`] instructions as R1CS constraints over
//! ark-relations, each value carried beside its linear combination so the witness is produced
//! in the same pass.
//!
//! Costs (constraints): `mul`, `select`, `and`: 1; `is_zero`: 2; `bits(k)`: k + 1; `shr`:
//! `shift + q_bits + 1`; `div`: about `3 * b_bits + q_bits + 2`; linear operations: 0.
//!
//! Hints (quotients, remainders, bits, inverses, roots) are computed from the carried values.
//! When a value is out of the range a check assumes, the natural hint is used anyway (the low
//! bits, the floor quotient), and the check's constraints are then unsatisfied: the circuit
//! never refuses, it just has no satisfying witness, which is what a rejected batch must give.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use num_bigint::BigInt;

use crate::arith::{low_bits, pow2, Arith, Rejection, Why};
use crate::native::{floor_div, signed, to_fr};

/// A value in the circuit: its linear combination and its computed value.
#[derive(Clone, Debug)]
pub struct Var {
    lc: LinearCombination<Fr>,
    value: Fr,
}

/// The circuit machine. Build it over a constraint system, run the computation, then
/// [`Circuit::finish`] to learn whether allocation failed.
pub struct Circuit {
    cs: ConstraintSystemRef<Fr>,
    error: Option<SynthesisError>,
}

/// A constraint system set up as the provers synthesise (`kiln_prover::r1cs::synthesize`):
/// assignments kept, matrices built, linear combinations inlined. For tests and tools that run
/// the circuit machine directly and ask `is_satisfied`.
pub fn proving_system() -> ConstraintSystemRef<Fr> {
    let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(ark_relations::gr1cs::OptimizationGoal::Constraints);
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    cs
}

impl Circuit {
    pub fn new(cs: ConstraintSystemRef<Fr>) -> Self {
        Circuit { cs, error: None }
    }

    /// The first error the constraint system reported, if any.
    pub fn finish(self) -> Result<(), SynthesisError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn record<T>(&mut self, r: Result<T, SynthesisError>, fallback: T) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.error.get_or_insert(e);
                fallback
            }
        }
    }

    fn witness(&mut self, value: Fr) -> Var {
        let v = self.cs.new_witness_variable(|| Ok(value));
        let var = self.record(v, Variable::One);
        Var {
            lc: LinearCombination::from(var),
            value,
        }
    }

    /// A public input equal to `v`: the instance variable, constrained to `v`.
    pub fn public(&mut self, v: &Var) {
        let value = v.value;
        let input = self.cs.new_input_variable(|| Ok(value));
        let input = self.record(input, Variable::One);
        let diff = v.lc.clone() - (Fr::one(), input);
        self.enforce(diff, one(), LinearCombination::zero());
    }

    fn enforce(
        &mut self,
        a: LinearCombination<Fr>,
        b: LinearCombination<Fr>,
        c: LinearCombination<Fr>,
    ) {
        let r = self.cs.enforce_r1cs_constraint(|| a, || b, || c);
        self.record(r, ());
    }

    /// A fresh witness that is 0 or 1.
    fn boolean(&mut self, value: bool) -> Var {
        let b = self.witness(if value { Fr::one() } else { Fr::zero() });
        // b * b = b: single-term linear combinations, so one PLONK gate as well.
        self.enforce(b.lc.clone(), b.lc.clone(), b.lc.clone());
        b
    }

    /// Enforces `a == 0` (as a linear combination: one constraint).
    fn zero_lc(&mut self, a: LinearCombination<Fr>) {
        self.enforce(a, one(), LinearCombination::zero());
    }

    /// `v` decomposed into `bits` booleans (the hint), recomposed and enforced equal.
    fn decompose(&mut self, v: &Var, bits: u32) -> Vec<Var> {
        let hint = low_bits(v.value, bits);
        let out: Vec<Var> = hint.into_iter().map(|b| self.boolean(b)).collect();
        let mut sum = LinearCombination::zero();
        for (i, b) in out.iter().enumerate() {
            sum = sum + (pow2(i as u32), &b.lc);
        }
        self.zero_lc(sum - &v.lc);
        out
    }

    fn signed_range(&mut self, v: &Var, bits: u32) {
        let shifted = Var {
            lc: v.lc.clone() + (pow2(bits - 1), Variable::One),
            value: v.value + pow2(bits - 1),
        };
        self.decompose(&shifted, bits);
    }
}

fn one() -> LinearCombination<Fr> {
    LinearCombination::from(Variable::One)
}

impl Arith for Circuit {
    type V = Var;
    type B = Var;

    fn input(&mut self, value: Fr) -> Var {
        self.witness(value)
    }
    fn input_bool(&mut self, value: bool) -> Var {
        self.boolean(value)
    }
    fn constant(&mut self, value: Fr) -> Var {
        Var {
            lc: LinearCombination::from((value, Variable::One)),
            value,
        }
    }
    fn value(&self, v: &Var) -> Fr {
        v.value
    }
    fn truth(&self, b: &Var) -> bool {
        b.value.is_one()
    }

    fn add(&mut self, a: &Var, b: &Var) -> Var {
        Var {
            lc: &a.lc + &b.lc,
            value: a.value + b.value,
        }
    }
    fn sub(&mut self, a: &Var, b: &Var) -> Var {
        Var {
            lc: &a.lc - &b.lc,
            value: a.value - b.value,
        }
    }
    fn scale(&mut self, a: &Var, c: Fr) -> Var {
        Var {
            lc: &a.lc * c,
            value: a.value * c,
        }
    }
    fn offset(&mut self, a: &Var, c: Fr) -> Var {
        Var {
            lc: a.lc.clone() + (c, Variable::One),
            value: a.value + c,
        }
    }
    fn mul(&mut self, a: &Var, b: &Var) -> Var {
        let out = self.witness(a.value * b.value);
        self.enforce(a.lc.clone(), b.lc.clone(), out.lc.clone());
        out
    }

    fn mul_add(&mut self, a: &Var, b: &Var, c: &Var) -> Var {
        let out = self.witness(a.value * b.value + c.value);
        self.enforce(a.lc.clone(), b.lc.clone(), &out.lc - &c.lc);
        out
    }

    fn compact(&mut self, v: &Var) -> Var {
        // A variable plus a constant is as cheap as it gets (PLONK gates carry a constant).
        let variables =
            v.lc.0
                .iter()
                .filter(|(_, var)| *var != Variable::One)
                .count();
        if variables <= 1 {
            return v.clone();
        }
        let out = self.witness(v.value);
        self.zero_lc(&v.lc - &out.lc);
        out
    }

    fn bit(&mut self, b: &Var) -> Var {
        b.clone()
    }
    fn not(&mut self, b: &Var) -> Var {
        Var {
            lc: one() - &b.lc,
            value: Fr::one() - b.value,
        }
    }
    fn and(&mut self, a: &Var, b: &Var) -> Var {
        self.mul(a, b)
    }
    fn select(&mut self, c: &Var, a: &Var, b: &Var) -> Var {
        // out = b + c (a - b)
        let value = if c.value.is_one() { a.value } else { b.value };
        let out = self.witness(value);
        self.enforce(c.lc.clone(), &a.lc - &b.lc, &out.lc - &b.lc);
        out
    }
    fn is_zero(&mut self, a: &Var) -> Var {
        let inv = self.witness(a.value.inverse().unwrap_or_else(Fr::zero));
        let z = self.witness(if a.value.is_zero() {
            Fr::one()
        } else {
            Fr::zero()
        });
        // a * inv = 1 - z and a * z = 0: z = 1 exactly when a = 0.
        self.enforce(a.lc.clone(), inv.lc.clone(), one() - &z.lc);
        self.enforce(a.lc.clone(), z.lc.clone(), LinearCombination::zero());
        z
    }

    fn bits(&mut self, a: &Var, bits: u32, _why: Why<'_>) -> Result<Vec<Var>, Rejection> {
        Ok(self.decompose(a, bits))
    }

    fn assert_zero(&mut self, a: &Var, _why: Why<'_>) -> Result<(), Rejection> {
        self.zero_lc(a.lc.clone());
        Ok(())
    }

    fn assert_true(&mut self, b: &Var, _why: Why<'_>) -> Result<(), Rejection> {
        self.zero_lc(&b.lc - &one());
        Ok(())
    }

    fn shr(&mut self, a: &Var, shift: u32, q_bits: u32, _why: Why<'_>) -> Result<Var, Rejection> {
        let (q, r) = floor_div(&signed(a.value), &(BigInt::from(1) << shift));
        let q = self.witness(to_fr(&q));
        let r = self.witness(to_fr(&r));
        self.decompose(&r, shift);
        self.signed_range(&q, q_bits);
        // a = q 2^shift + r
        self.zero_lc(&(&q.lc * pow2(shift)) + &r.lc - &a.lc);
        Ok(q)
    }

    fn div(
        &mut self,
        a: &Var,
        b: &Var,
        b_bits: u32,
        q_bits: u32,
        _why: Why<'_>,
    ) -> Result<Var, Rejection> {
        let bv = signed(b.value);
        let (q, r) = if bv > BigInt::from(0) {
            floor_div(&signed(a.value), &bv)
        } else {
            (BigInt::from(0), signed(a.value))
        };
        let q = self.witness(to_fr(&q));
        let r = self.witness(to_fr(&r));
        // 1 <= b < 2^b_bits, 0 <= r < b, a = q b + r, q fits q_bits signed.
        let b_minus_one = self.offset(b, -Fr::one());
        self.decompose(&b_minus_one, b_bits);
        self.decompose(&r, b_bits);
        let gap = Var {
            lc: &b_minus_one.lc - &r.lc,
            value: b_minus_one.value - r.value,
        };
        self.decompose(&gap, b_bits);
        self.signed_range(&q, q_bits);
        let qb = self.mul(&q, b);
        self.zero_lc(&qb.lc + &r.lc - &a.lc);
        Ok(q)
    }

    fn sqrt(&mut self, a: &Var, bits: u32, _why: Why<'_>) -> Result<Var, Rejection> {
        let av = signed(a.value);
        let root = if av > BigInt::from(0) {
            av.sqrt()
        } else {
            BigInt::from(0)
        };
        let y = self.witness(to_fr(&root));
        // 0 <= a < 2^bits; 0 <= y < 2^(bits/2 + 1); y^2 <= a < (y + 1)^2.
        self.decompose(a, bits);
        let half = bits / 2 + 1;
        self.decompose(&y, half);
        let y2 = self.mul(&y, &y);
        let below = self.sub(a, &y2);
        self.decompose(&below, bits);
        // (y + 1)^2 - 1 - a = 2y - (a - y^2) >= 0
        let twice = self.scale(&y, Fr::from(2u64));
        let above = self.sub(&twice, &below);
        self.decompose(&above, half + 1);
        Ok(y)
    }
}
