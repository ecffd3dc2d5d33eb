//! Groth16 over the backend seam, for arkworks proving keys.
//!
//! The mathematics is ark-groth16's with its default `LibsnarkReduction` (Groth 2016, "On the
//! Size of Pairing-based Non-interactive Arguments", with libsnark's QAP): given the same key,
//! constraint system, assignment and randomness `r, s`, the proof is the same group elements,
//! and so the same bytes, as `ark_groth16::Groth16::create_proof_with_reduction_and_matrices`.
//!
//! What changes is where the work runs. The key's five query vectors are uploaded once, in
//! [`Groth16Prover::new`], and stay resident; each proof streams the assignment, runs the seven
//! NTTs and three vector operations of the witness map on the device, and five MSMs over the
//! resident bases. Before returning, every proof is checked with the verifier: a faulty device
//! yields an error, never a bad proof.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{FftField, Field, UniformRand, Zero};
use ark_groth16::{prepare_verifying_key, Groth16, PreparedVerifyingKey, Proof, ProvingKey};
use ark_std::rand::Rng;
use kiln_host::{Backend, CpuBackend, G1Bases, G2Bases, NttOp, VecOp, MAX_LOG_NTT};

use crate::error::{ProverError, Result};
use crate::r1cs::R1cs;
use crate::timings::StageTimings;

/// A Groth16 prover holding one proving key resident on one backend: load once, prove many times.
pub struct Groth16Prover<'b> {
    backend: &'b dyn Backend,
    pk: ProvingKey<Bn254>,
    pvk: PreparedVerifyingKey<Bn254>,
    a_query: G1Bases,
    b_g1_query: G1Bases,
    b_g2_query: G2Bases,
    /// The key's H query with one point at infinity appended, so that it pairs with all
    /// `domain_size` coefficients of h (the last of which is zero for a satisfied assignment).
    h_query: G1Bases,
    l_query: G1Bases,
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

/// After `backend`'s proof failed verification, proves the same inputs again on the cpu
/// reference (`reprove`): if that proof verifies, the device is at fault; otherwise the cpu
/// prover's own error says what is wrong with the inputs.
pub(crate) fn blame_after_cpu_reproof(
    backend: &dyn Backend,
    reprove: impl FnOnce(&CpuBackend) -> Result<()>,
) -> ProverError {
    match reprove(&CpuBackend::new()) {
        Ok(()) => ProverError::ProofDidNotVerify {
            backend: backend.name(),
        },
        Err(e) => e,
    }
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
        let mut h_bases = Vec::with_capacity(pk.h_query.len() + 1);
        h_bases.extend_from_slice(&pk.h_query);
        h_bases.push(G1Affine::identity());
        Ok(Groth16Prover {
            a_query: backend.upload_g1(&pk.a_query)?,
            b_g1_query: backend.upload_g1(&pk.b_g1_query)?,
            b_g2_query: backend.upload_g2(&pk.b_g2_query)?,
            h_query: backend.upload_g1(&h_bases)?,
            l_query: backend.upload_g1(&pk.l_query)?,
            pvk: prepare_verifying_key(&pk.vk),
            pk,
            backend,
        })
    }

    /// The proving key.
    pub fn proving_key(&self) -> &ProvingKey<Bn254> {
        &self.pk
    }

    /// The backend the key lives on.
    pub fn backend(&self) -> &'b dyn Backend {
        self.backend
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
        let backend = self.backend;

        let h = t.time("witness map (rows, 7 NTTs)", || {
            self.witness_map(r1cs, assignment)
        })?;
        let (full, aux) = t.time("upload assignment", || -> Result<_> {
            Ok((
                backend.upload_scalars(assignment)?,
                backend.upload_scalars(&assignment[r1cs.num_instance_variables..])?,
            ))
        })?;
        let a_acc = t.time("msm A (G1)", || backend.msm_g1(&self.a_query, &full))?;
        let b1_acc = t.time("msm B (G1)", || backend.msm_g1(&self.b_g1_query, &full))?;
        let b2_acc = t.time("msm B (G2)", || backend.msm_g2(&self.b_g2_query, &full))?;
        let l_acc = t.time("msm L (G1)", || backend.msm_g1(&self.l_query, &aux))?;
        let h_acc = t.time("msm H (G1)", || backend.msm_g1(&self.h_query, &h))?;

        let proof = t.time("combine", || {
            let pk = &self.pk;
            let delta_g1 = G1Projective::from(pk.delta_g1);
            let g_a = delta_g1 * r + a_acc + pk.vk.alpha_g1;
            let g1_b = delta_g1 * s + b1_acc + pk.beta_g1;
            let g2_b = G2Projective::from(pk.vk.delta_g2) * s + b2_acc + pk.vk.beta_g2;
            let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + l_acc + h_acc;
            Proof {
                a: g_a.into_affine(),
                b: g2_b.into_affine(),
                c: g_c.into_affine(),
            }
        });

        let public_inputs = &assignment[1..r1cs.num_instance_variables];
        let verified = t.time("verify", || {
            Groth16::<Bn254>::verify_proof(&self.pvk, &proof, public_inputs)
        });
        match verified {
            Ok(true) => Ok((proof, t)),
            _ => Err(self.diagnose_failed_verification(r1cs, assignment, r, s)),
        }
    }

    /// A proof of a satisfied assignment that fails verification has two possible causes: a key
    /// made for another circuit of the same shape, or a faulty device. Proving again on the cpu
    /// reference tells them apart; it costs a second proof, but only on this failure path.
    fn diagnose_failed_verification(
        &self,
        r1cs: &R1cs,
        assignment: &[Fr],
        r: Fr,
        s: Fr,
    ) -> ProverError {
        if self.backend.name() != CpuBackend::NAME {
            return blame_after_cpu_reproof(self.backend, |cpu| {
                Groth16Prover::new(cpu, self.pk.clone())?.prove_timed(r1cs, assignment, r, s)?;
                Ok(())
            });
        }
        ProverError::KeyMismatch(
            "the assignment satisfies the constraint system, but the proof does not verify against the key's \
             own verifying key: the key was made for a different circuit of the same shape"
                .into(),
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
        let backend = self.backend;
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
        let to_coset = |values: &[Fr]| -> Result<kiln_host::Scalars> {
            let mut v = backend.upload_scalars(values)?;
            backend.ntt(&mut v, NttOp::Inverse)?;
            backend.ntt(&mut v, NttOp::CosetForward(shift))?;
            Ok(v)
        };
        let mut ab = to_coset(&a)?;
        backend.vec_op(&mut ab, VecOp::Mul(&to_coset(&b)?))?;
        backend.vec_op(&mut ab, VecOp::Sub(&to_coset(&c)?))?;
        let z_on_coset = shift.pow([n as u64]) - Fr::ONE;
        let z_inverse = z_on_coset
            .inverse()
            .expect("the coset shift is not an n-th root of unity");
        backend.vec_op(&mut ab, VecOp::Scale(z_inverse))?;
        backend.ntt(&mut ab, NttOp::CosetInverse(shift))?;
        Ok(ab)
    }
}
