//! Rank-1 constraint systems as the prover consumes them: three sparse matrices and a variable
//! count, independent of how they were produced (arkworks synthesis now, .r1cs files later).

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use rayon::prelude::*;

use crate::error::{ProverError, Result};

/// `A * w (.) B * w = C * w`, one row per constraint. Variables are numbered as arkworks numbers
/// them: 0 is the constant one, then the public inputs, then the witnesses.
#[derive(Clone, Debug)]
pub struct R1cs {
    /// `[A, B, C]`, each one sparse row of `(coefficient, variable)` per constraint (the form
    /// ark-groth16 takes them in).
    pub matrices: [Matrix<Fr>; 3],
    /// The constant one plus the public inputs.
    pub num_instance_variables: usize,
    pub num_witness_variables: usize,
}

impl R1cs {
    /// Number of constraints (rows).
    pub fn num_constraints(&self) -> usize {
        self.matrices[0].len()
    }

    /// Total number of variables, the length of a full assignment. Saturates rather than
    /// overflows; [`R1cs::validate`] rejects counts that would.
    pub fn num_variables(&self) -> usize {
        self.num_instance_variables
            .saturating_add(self.num_witness_variables)
    }

    /// Checks the shape: three matrices with the same number of rows, every variable index in
    /// range, and at least the constant variable.
    pub fn validate(&self) -> Result<()> {
        let [a, b, c] = &self.matrices;
        let rows = a.len();
        if b.len() != rows || c.len() != rows {
            return Err(ProverError::MalformedSystem(format!(
                "matrices have {}, {} and {} rows",
                rows,
                b.len(),
                c.len()
            )));
        }
        if self.num_instance_variables == 0 {
            return Err(ProverError::MalformedSystem("no constant variable".into()));
        }
        if self
            .num_instance_variables
            .checked_add(self.num_witness_variables)
            .is_none()
            || rows.checked_add(self.num_instance_variables).is_none()
        {
            return Err(ProverError::MalformedSystem(
                "variable or constraint counts overflow".into(),
            ));
        }
        let n = self.num_variables();
        for (name, m) in ["A", "B", "C"].into_iter().zip(&self.matrices) {
            if let Some((row, &(_, var))) = m
                .iter()
                .enumerate()
                .find_map(|(i, row)| row.iter().find(|(_, v)| *v >= n).map(|t| (i, t)))
            {
                return Err(ProverError::MalformedSystem(format!(
                    "row {row} of {name} names variable {var}, but there are only {n}"
                )));
            }
        }
        Ok(())
    }

    /// Checks that `assignment` is a full assignment for this system: the right length and the
    /// constant one first.
    pub fn check_assignment_shape(&self, assignment: &[Fr]) -> Result<()> {
        if assignment.len() != self.num_variables() {
            return Err(ProverError::AssignmentLength {
                expected: self.num_variables(),
                got: assignment.len(),
            });
        }
        if !assignment.first().is_some_and(|one| one.is_one()) {
            return Err(ProverError::FirstNotOne);
        }
        Ok(())
    }

    /// `(A w, B w, C w)`: each row's linear combinations evaluated on the assignment, in parallel.
    /// The caller has checked the assignment's shape and the system's.
    pub fn evaluate_rows(&self, assignment: &[Fr]) -> (Vec<Fr>, Vec<Fr>, Vec<Fr>) {
        let eval =
            |m: &Matrix<Fr>| -> Vec<Fr> { m.par_iter().map(|row| dot(row, assignment)).collect() };
        let [a, b, c] = &self.matrices;
        (eval(a), eval(b), eval(c))
    }

    /// The first row where `(A w) * (B w) != C w`, given the evaluated rows.
    pub fn first_unsatisfied(a: &[Fr], b: &[Fr], c: &[Fr]) -> Option<usize> {
        (0..a.len())
            .into_par_iter()
            .find_first(|&i| a[i] * b[i] != c[i])
    }

    /// Checks the assignment satisfies every constraint; the error names the first that fails.
    pub fn check_satisfied(&self, assignment: &[Fr]) -> Result<()> {
        self.validate()?;
        self.check_assignment_shape(assignment)?;
        let (a, b, c) = self.evaluate_rows(assignment);
        match Self::first_unsatisfied(&a, &b, &c) {
            Some(index) => Err(ProverError::Unsatisfied { index }),
            None => Ok(()),
        }
    }
}

fn dot(row: &[(Fr, usize)], assignment: &[Fr]) -> Fr {
    row.iter().fold(Fr::zero(), |acc, (coeff, var)| {
        acc + *coeff * assignment[*var]
    })
}

/// Synthesizes `circuit` the way ark-groth16 does (constraint-count optimisation, linear
/// combinations inlined), returning its matrices and full assignment `[1, public..., witness...]`.
/// Matrices from here match a proving key made by `ark_groth16::Groth16::circuit_specific_setup`
/// for the same circuit.
pub fn synthesize<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<(R1cs, Vec<Fr>)> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| ProverError::Synthesis(e.to_string()))?;
    cs.finalize();
    let mut matrices = cs
        .to_matrices()
        .map_err(|e| ProverError::Synthesis(e.to_string()))?
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| ProverError::Synthesis("the circuit has no R1CS constraints".into()))?;
    if matrices.len() != 3 {
        return Err(ProverError::Synthesis(format!(
            "expected 3 R1CS matrices, got {}",
            matrices.len()
        )));
    }
    let c = matrices.pop().expect("3 matrices");
    let b = matrices.pop().expect("3 matrices");
    let a = matrices.pop().expect("3 matrices");
    let borrowed = cs
        .borrow()
        .ok_or_else(|| ProverError::Synthesis("constraint system is gone".into()))?;
    let instance = borrowed
        .instance_assignment()
        .map_err(|e| ProverError::Synthesis(e.to_string()))?
        .to_vec();
    let witness = borrowed
        .witness_assignment()
        .map_err(|e| ProverError::Synthesis(e.to_string()))?
        .to_vec();
    let r1cs = R1cs {
        matrices: [a, b, c],
        num_instance_variables: instance.len(),
        num_witness_variables: witness.len(),
    };
    Ok((r1cs, [instance, witness].concat()))
}
