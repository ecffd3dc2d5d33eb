//! Groth16 over the backend seam (Groth 2016, "On the Size of Pairing-based Non-interactive
//! Arguments"), for two kinds of proving key:
//!
//! * [`ark_prover`]: [`Groth16Prover`], for arkworks proving keys and R1CS matrices, with
//!   libsnark's QAP; its proofs are ark-groth16's to the byte ([`reference_proof`]).
//! * [`zkey_prover`]: [`SnarkjsProver`], for snarkjs keys (`.zkey`, read by
//!   [`crate::iden3::groth16_zkey`]) and circom witnesses, with snarkjs's QAP; its proofs are
//!   what snarkjs and rapidsnark compute for the same `r, s`.
//!
//! Only `h` differs between the two (libsnark's and snarkjs's QAPs); the rest of a proof, five
//! MSMs over the resident query vectors, the combination with `r, s`, the verifier and the
//! diagnosis of a proof that fails it, is one piece of code (`tail.rs`) that both provers own.

pub mod ark_prover;
pub mod zkey_prover;

mod tail;

pub use ark_prover::{domain_size, reference_proof, Groth16Prover};
pub use zkey_prover::SnarkjsProver;

use ark_bn254::Fr;
use kiln_host::{Backend, NttOp, Scalars, VecOp};

use crate::error::Result;

/// `a * b - c` on the coset `shift * H`, resident, from the evaluations of a, b and c on the
/// n-domain H: each is uploaded, interpolated and evaluated on the coset, where both QAPs form
/// the product (libsnark's with `shift = g` and a division by Z after; snarkjs's with `w_2n`).
/// The vectors are moved to the backend: a host backend transforms them in place, without a
/// second copy of each.
fn ab_minus_c_on_coset(
    backend: &dyn Backend,
    [a, b, c]: [Vec<Fr>; 3],
    shift: Fr,
) -> Result<Scalars> {
    let to_coset = |values: Vec<Fr>| -> Result<Scalars> {
        let mut v = backend.upload_scalars_owned(values)?;
        backend.ntt(&mut v, NttOp::Inverse)?;
        backend.ntt(&mut v, NttOp::CosetForward(shift))?;
        Ok(v)
    };
    let (ab, c) = crate::schedule::join(
        backend,
        || -> Result<_> {
            let (a, b) = crate::schedule::join(backend, || to_coset(a), || to_coset(b));
            let mut a = a?;
            backend.vec_op(&mut a, VecOp::Mul(&b?))?;
            Ok(a)
        },
        || to_coset(c),
    );
    let mut ab = ab?;
    backend.vec_op(&mut ab, VecOp::Sub(&c?))?;
    Ok(ab)
}
