//! Small circuits of different shapes, for tests, benchmarks and `kiln demo`.
//!
//! Each is an honest R1CS statement with a known satisfying assignment; together they cover one
//! and many public inputs, dense and empty rows, and constraint counts that fill a power-of-two
//! domain exactly or overflow it by one.

use ark_bn254::Fr;
use ark_ff::{Field, One};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};

type Lc = LinearCombination<Fr>;

fn lc(v: Variable) -> Lc {
    Lc::from(v)
}

/// Knowledge of `x` with `f^rounds(x) = y` for `f(x) = x^3 + x + 5`; `y` is the one public
/// input. Two constraints per round plus one binding the output: `2 * rounds + 1`.
#[derive(Clone, Debug)]
pub struct CubicChain {
    pub x: Fr,
    pub rounds: usize,
}

impl CubicChain {
    /// The public output for this `x`.
    pub fn output(&self) -> Fr {
        (0..self.rounds).fold(self.x, |x, _| x * x * x + x + Fr::from(5u64))
    }

    /// A chain whose constraint system, with its public input, needs a domain of `2^log_size`
    /// points: the largest one that fits (the benchmark circuit of `kiln bench --op groth16`).
    pub fn for_domain(x: Fr, log_size: u32) -> Self {
        // constraints + instance variables = (2 * rounds + 1) + 2 <= 2^log_size
        let domain = 1usize.checked_shl(log_size).unwrap_or(usize::MAX);
        let rounds = domain.saturating_sub(3) / 2;
        CubicChain {
            x,
            rounds: rounds.max(1),
        }
    }
}

impl ConstraintSynthesizer<Fr> for CubicChain {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let y = cs.new_input_variable(|| Ok(self.output()))?;
        let mut x_val = self.x;
        let mut x = cs.new_witness_variable(|| Ok(x_val))?;
        for _ in 0..self.rounds {
            let t_val = x_val.square();
            let t = cs.new_witness_variable(|| Ok(t_val))?;
            cs.enforce_r1cs_constraint(|| lc(x), || lc(x), || lc(t))?;
            let next_val = t_val * x_val + x_val + Fr::from(5u64);
            let next = cs.new_witness_variable(|| Ok(next_val))?;
            cs.enforce_r1cs_constraint(
                || lc(t),
                || lc(x),
                || lc(next) - (Fr::one(), x) - (Fr::from(5u64), Variable::One),
            )?;
            x = next;
            x_val = next_val;
        }
        cs.enforce_r1cs_constraint(|| lc(x), || lc(Variable::One), || lc(y))
    }
}

/// Many public inputs `v_i` and a public output `sum_i v_i^2`: `values.len() + 1` constraints,
/// `values.len() + 2` instance variables.
#[derive(Clone, Debug)]
pub struct SumOfSquares {
    pub values: Vec<Fr>,
}

impl ConstraintSynthesizer<Fr> for SumOfSquares {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let total: Fr = self.values.iter().map(|v| v.square()).sum();
        let mut squares = Lc::new();
        let mut inputs = Vec::with_capacity(self.values.len());
        for v in &self.values {
            inputs.push((*v, cs.new_input_variable(|| Ok(*v))?));
        }
        let out = cs.new_input_variable(|| Ok(total))?;
        for (value, var) in inputs {
            let sq = cs.new_witness_variable(|| Ok(value.square()))?;
            cs.enforce_r1cs_constraint(|| lc(var), || lc(var), || lc(sq))?;
            squares += (Fr::one(), sq);
        }
        cs.enforce_r1cs_constraint(|| squares, || lc(Variable::One), || lc(out))
    }
}

/// Rows with many terms and varied coefficients: constraint `k` is
/// `(sum_{j<=k} (j+1) * x_j) * (x_k - 1) = y_k`, preceded by one row whose A side is empty
/// (`0 * x_0 = 0`). `len + 1` constraints and one instance variable (the constant), so
/// `len = 2^k - 2` fills a domain of `2^k` exactly.
#[derive(Clone, Debug)]
pub struct DenseRows {
    pub xs: Vec<Fr>,
}

impl ConstraintSynthesizer<Fr> for DenseRows {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut vars = Vec::with_capacity(self.xs.len());
        for x in &self.xs {
            vars.push(cs.new_witness_variable(|| Ok(*x))?);
        }
        if let Some(&first) = vars.first() {
            cs.enforce_r1cs_constraint(Lc::new, || lc(first), Lc::new)?;
        }
        let mut prefix = Lc::new();
        let mut prefix_val = Fr::from(0u64);
        for (k, (&x, &var)) in self.xs.iter().zip(&vars).enumerate() {
            let coeff = Fr::from(k as u64 + 1);
            prefix += (coeff, var);
            prefix_val += coeff * x;
            let y_val = prefix_val * (x - Fr::one());
            let y = cs.new_witness_variable(|| Ok(y_val))?;
            let p = prefix.clone();
            cs.enforce_r1cs_constraint(|| p, || lc(var) - (Fr::one(), Variable::One), || lc(y))?;
        }
        Ok(())
    }
}
