//! The exchange's engine: the batch transition run natively. It computes the new state, the
//! roots and the public input, or names the rule a batch breaks. The prover runs it first, so a
//! batch it refuses never reaches the circuit, and the tests use it as the oracle.

use ark_bn254::Fr;

use crate::arith::Rejection;
use crate::model::{Batch, Shape, State};
use crate::native::Native;
use crate::transition;

/// A batch the engine accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub new_state: State,
    pub old_root: Fr,
    pub new_root: Fr,
    pub prices_hash: Fr,
    /// The proof's one public input: `Poseidon(old root, new root, batch id, prices hash)`.
    pub public: Fr,
    /// Option marks, one per series, 32 fractional bits.
    pub marks: Vec<Fr>,
}

/// Applies `batch` to `state`.
pub fn apply(shape: &Shape, state: &State, batch: &Batch) -> Result<Outcome, Rejection> {
    let mut n = Native;
    let t = transition::run(&mut n, shape, state, batch)?;
    let new_state = t.new_state(&n, shape).ok_or_else(|| Rejection::Overflow {
        what: "the new state is outside the stored bounds".into(),
    })?;
    Ok(Outcome {
        new_state,
        old_root: t.old_root,
        new_root: t.new_root,
        prices_hash: t.prices_hash,
        public: t.public,
        marks: t.marks,
    })
}

/// The root of a state, without a batch.
pub fn state_root(shape: &Shape, state: &State) -> Result<Fr, Rejection> {
    state.check(shape).map_err(|e| Rejection::Invalid {
        what: e.to_string(),
    })?;
    Ok(transition::root_of(&mut Native, state))
}
