//! The batch transition as an R1CS: [`BatchCircuit`] runs [`crate::transition`] on the circuit
//! machine and exposes its one public input.

use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use crate::circuit_machine::Circuit;
use crate::model::{Batch, Shape, State};
use crate::transition;

/// A batch and the state it applies to, as a circuit of `shape`.
#[derive(Clone)]
pub struct BatchCircuit {
    pub shape: Shape,
    pub state: State,
    pub batch: Batch,
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let mut c = Circuit::new(cs);
        // The circuit machine never rejects; shape errors (which the engine reports first) are
        // the only way `run` can fail here.
        let t = transition::run(&mut c, &self.shape, &self.state, &self.batch)
            .map_err(|_| SynthesisError::Unsatisfiable)?;
        c.public(&t.public);
        c.finish()
    }
}
