//! Groth16 over the backend seam, for arkworks proving keys.
//!
//! The mathematics is ark-groth16's with its default `LibsnarkReduction` (Groth 2016, "On the
//! Size of Pairing-based Non-interactive Arguments", with libsnark's QAP): given the same key,
//! constraint system, assignment and randomness `r, s`, the proof is the same group elements,
//! and so the same bytes, as `ark_groth16::Groth16::create_proof_with_reduction_and_matrices`.
//!
//! What changes is where the work runs. The key's five query vectors are uploaded once, in
//! [`Groth16Prover::new`], and stay resident; each proof runs the seven NTTs and three vector
//! operations of the witness map on the device, then ends as every Groth16 proof does
//! (`tail.rs`): the assignment streamed, five MSMs over the resident bases, the
//! combination with `r, s`, and the verifier, so a faulty device yields an error, never a bad
//! proof.

use std::borrow::Cow;

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ff::{FftField, Field, UniformRand, Zero};
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_std::rand::Rng;
use kiln_host::{Backend, NttOp, VecOp, MAX_LOG_NTT};

use super::ab_minus_c_on_coset;
use super::tail::{KeyPoints, Queries, ResidentKey, StageNames};
use crate::error::{unverified_proof, ProverError, Result};
use crate::r1cs::R1cs;
use crate::timings::StageTimings;

/// A Groth16 prover holding one proving key resident on one backend: load once, prove many times.
pub struct Groth16Prover<'b> {
    pk: ProvingKey<Bn254>,
    key: ResidentKey<'b>,
}

/// ark-groth16's proof for the same key, system, assignment and `r, s` (its default
/// `LibsnarkReduction`): the reference kiln's Groth16 is byte-identical to, for tests and
/// benchmarks. It does not verify what it returns.
pub fn reference_proof(
    pk: &ProvingKey<Bn254>,
    r1cs: &R1cs,
    assignment: &[Fr],
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>> {
    Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        pk,
        r,
        s,
        &r1cs.matrices,
        r1cs.num_instance_variables,
        r1cs.num_constraints(),
        assignment,
    )
    .map_err(|e| ProverError::Synthesis(e.to_string()))
}

/// The size of the evaluation domain ark-groth16 uses for a system: the next power of two at or
/// above constraints + instance variables.
pub fn domain_size(r1cs: &R1cs) -> Result<usize> {
    let needed = r1cs
        .num_constraints()
        .saturating_add(r1cs.num_instance_variables);
    match needed.checked_next_power_of_two() {
        Some(size) if size <= 1 << MAX_LOG_NTT => Ok(size),
        _ => Err(ProverError::DomainTooLarge { needed }),
    }
}

impl<'b> Groth16Prover<'b> {
    /// Uploads the proving key's bases to `backend`, where they stay for every proof.
    pub fn new(backend: &'b dyn Backend, pk: ProvingKey<Bn254>) -> Result<Self> {
        // The H query with one point at infinity appended, so that it pairs with all
        // `domain_size` coefficients of h (the last of which is zero for a satisfied assignment).
        let mut h_query = Vec::with_capacity(pk.h_query.len() + 1);
        h_query.extend_from_slice(&pk.h_query);
        h_query.push(G1Affine::identity());
        let key = ResidentKey::upload(
            backend,
            Queries {
                a: Cow::Borrowed(&pk.a_query),
                b_g1: Cow::Borrowed(&pk.b_g1_query),
                b_g2: Cow::Borrowed(&pk.b_g2_query),
                private: Cow::Borrowed(&pk.l_query),
                h: Cow::Borrowed(&h_query),
            },
            KeyPoints {
                alpha_g1: pk.vk.alpha_g1,
                beta_g1: pk.beta_g1,
                beta_g2: pk.vk.beta_g2,
                delta_g1: pk.delta_g1,
                delta_g2: pk.vk.delta_g2,
            },
            &pk.vk,
            StageNames {
                upload: "upload assignment",
                private_msm: "msm L (G1)",
            },
        )?;
        Ok(Groth16Prover { pk, key })
    }

    /// The proving key.
    pub fn proving_key(&self) -> &ProvingKey<Bn254> {
        &self.pk
    }

    /// The backend the key lives on.
    pub fn backend(&self) -> &'b dyn Backend {
        self.key.backend()
    }

    /// Proves with fresh randomness `r, s` from `rng`.
    pub fn prove(
        &self,
        r1cs: &R1cs,
        assignment: &[Fr],
        rng: &mut impl Rng,
    ) -> Result<Proof<Bn254>> {
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        self.prove_with_randomness(r1cs, assignment, r, s)
    }

    /// Proves with the given `r, s` (for tests and reproducible runs; production uses [`prove`]).
    ///
    /// [`prove`]: Groth16Prover::prove
    pub fn prove_with_randomness(
        &self,
        r1cs: &R1cs,
        assignment: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<Proof<Bn254>> {
        self.prove_timed(r1cs, assignment, r, s)
            .map(|(proof, _)| proof)
    }

    /// As [`prove_with_randomness`](Groth16Prover::prove_with_randomness), also reporting how long
    /// each stage took.
    pub fn prove_timed(
        &self,
        r1cs: &R1cs,
        assignment: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, StageTimings)> {
        self.check_shapes(r1cs, assignment)?;
        let mut t = StageTimings::default();
        let h = t.time("witness map (rows, 7 NTTs)", || {
            self.witness_map(r1cs, assignment)
        })?;
        let proof = self
            .key
            .prove(&mut t, Cow::Borrowed(assignment), &h, r, s, |assignment| {
                self.diagnose_failed_verification(r1cs, assignment, r, s)
            })?;
        Ok((proof, t))
    }

    /// A proof of a satisfied assignment that fails verification has two possible causes: a key
    /// made for another circuit of the same shape, or a faulty device.
    fn diagnose_failed_verification(
        &self,
        r1cs: &R1cs,
        assignment: &[Fr],
        r: Fr,
        s: Fr,
    ) -> ProverError {
        unverified_proof(
            self.backend(),
            |cpu| {
                Groth16Prover::new(cpu, self.pk.clone())?.prove_timed(r1cs, assignment, r, s)?;
                Ok(())
            },
            ProverError::KeyMismatch(
                "the assignment satisfies the constraint system, but the proof does not verify \
                 against the key's own verifying key: the key was made for a different circuit \
                 of the same shape"
                    .into(),
            ),
        )
    }

    /// The key must have been made for this system, and the assignment must fit it.
    fn check_shapes(&self, r1cs: &R1cs, assignment: &[Fr]) -> Result<()> {
        r1cs.validate()?;
        r1cs.check_assignment_shape(assignment)?;
        let pk = &self.pk;
        let n = domain_size(r1cs)?;
        let expect = |what: &str, got: usize, want: usize| {
            if got == want {
                Ok(())
            } else {
                Err(ProverError::KeyMismatch(format!(
                    "{what} has {got} entries, the constraint system needs {want}"
                )))
            }
        };
        expect("a_query", pk.a_query.len(), r1cs.num_variables())?;
        expect("b_g1_query", pk.b_g1_query.len(), r1cs.num_variables())?;
        expect("b_g2_query", pk.b_g2_query.len(), r1cs.num_variables())?;
        expect("l_query", pk.l_query.len(), r1cs.num_witness_variables)?;
        expect("h_query", pk.h_query.len(), n - 1)?;
        expect(
            "vk.gamma_abc_g1",
            pk.vk.gamma_abc_g1.len(),
            r1cs.num_instance_variables,
        )
    }

    /// The coefficients of `h = (A B - C) / Z` on the backend, as libsnark's reduction computes
    /// them: evaluations of A, B, C on the subgroup (with the public inputs appended to A so that
    /// they are bound), interpolate, evaluate on the coset `g * H` where `Z` is the constant
    /// `g^n - 1`, combine point-wise, interpolate back. Refuses an unsatisfied assignment.
    fn witness_map(&self, r1cs: &R1cs, assignment: &[Fr]) -> Result<kiln_host::Scalars> {
        let backend = self.backend();
        let n = domain_size(r1cs)?;
        let m = r1cs.num_constraints();
        let (mut a, mut b, mut c) = r1cs.evaluate_rows(assignment);
        if let Some(index) = R1cs::first_unsatisfied(&a, &b, &c) {
            return Err(ProverError::Unsatisfied { index });
        }
        a.resize(n, Fr::zero());
        a[m..m + r1cs.num_instance_variables]
            .copy_from_slice(&assignment[..r1cs.num_instance_variables]);
        b.resize(n, Fr::zero());
        c.resize(n, Fr::zero());

        let shift = Fr::GENERATOR;
        let mut ab = ab_minus_c_on_coset(backend, [a, b, c], shift)?;
        let z_on_coset = shift.pow([n as u64]) - Fr::ONE;
        let z_inverse = z_on_coset
            .inverse()
            .expect("the coset shift is not an n-th root of unity");
        backend.vec_op(&mut ab, VecOp::Scale(z_inverse))?;
        backend.ntt(&mut ab, NttOp::CosetInverse(shift))?;
        Ok(ab)
    }
}
