//! Groth16 for snarkjs keys (`.zkey`) and circom witnesses (`.wtns`), over the backend seam.
//!
//! The QAP is snarkjs's and rapidsnark's, not libsnark's, so arkworks' prover does not apply:
//!
//! 1. `a[row] = sum coef * w` over the key's A entries, `b` likewise, and `c = a * b` row by row.
//!    Only A and B are stored. For a satisfying witness `C w` equals `(A w)(B w)` on every row,
//!    and the C side of the statement is carried by the key's C query.
//! 2. Each of a, b, c: an inverse NTT over the n-domain, then a coset NTT with shift `w_2n` (a
//!    primitive 2n-th root of unity). This gives the values on the odd coset of the 2n-domain.
//! 3. `h = a * b - c` on that coset. There is no division by Z: the key's H points are
//!    `[Z(tau) L_(2i+1)(tau) / delta]` over the 2n-domain's odd points, so `sum h_i H_i` is already
//!    `h(tau) Z(tau) / delta`.
//! 4. MSMs over the resident bases: A, B (G1), B (G2) with the witness; C with the private part;
//!    H with h.
//! 5. Blinding with `r, s`, exactly as snarkjs's `groth16_prove.js`.
//!
//! Every proof is checked with the key's own verifying key before it is returned.

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{FftField, One, UniformRand, Zero};
use ark_groth16::{prepare_verifying_key, Groth16, PreparedVerifyingKey, Proof};
use ark_std::rand::Rng;
use kiln_host::{Backend, CpuBackend, G1Bases, G2Bases, NttOp, Scalars, VecOp};

use crate::error::{ProverError, Result};
use crate::groth16::ark_prover::blame_after_cpu_reproof;
use crate::iden3::groth16_zkey::{Coefficient, Groth16Zkey, Matrix};
use crate::timings::StageTimings;

/// The parts of a zkey that stay on the host: everything but the five query vectors.
#[derive(Clone, Debug)]
struct KeyHeader {
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    alpha_g1: ark_bn254::G1Affine,
    beta_g1: ark_bn254::G1Affine,
    beta_g2: ark_bn254::G2Affine,
    delta_g1: ark_bn254::G1Affine,
    delta_g2: ark_bn254::G2Affine,
}

/// A snarkjs Groth16 key loaded onto a backend: load once, prove many witnesses.
pub struct SnarkjsProver<'b> {
    backend: &'b dyn Backend,
    header: KeyHeader,
    coefficients: Vec<Coefficient>,
    pvk: PreparedVerifyingKey<Bn254>,
    a_query: G1Bases,
    b_g1_query: G1Bases,
    b_g2_query: G2Bases,
    c_query: G1Bases,
    h_query: G1Bases,
    /// A host copy of the key, kept for non-cpu backends only, so that a proof that fails
    /// verification can be re-proven on the cpu reference to tell a device fault from a bad
    /// witness.
    host_key: Option<Box<Groth16Zkey>>,
}

impl<'b> SnarkjsProver<'b> {
    /// Uploads the key's bases to `backend`, where they stay for every proof.
    pub fn new(backend: &'b dyn Backend, mut key: Groth16Zkey) -> Result<Self> {
        key.validate()
            .map_err(|e| ProverError::MalformedSystem(e.to_string()))?;
        let keep_host_copy = backend.name() != CpuBackend::NAME;
        let coefficients = if keep_host_copy {
            key.coefficients.clone()
        } else {
            std::mem::take(&mut key.coefficients)
        };
        Ok(SnarkjsProver {
            backend,
            header: KeyHeader {
                n_vars: key.n_vars,
                n_public: key.n_public,
                domain_size: key.domain_size,
                alpha_g1: key.alpha_g1,
                beta_g1: key.beta_g1,
                beta_g2: key.beta_g2,
                delta_g1: key.delta_g1,
                delta_g2: key.delta_g2,
            },
            pvk: prepare_verifying_key(&key.verifying_key()),
            a_query: backend.upload_g1(&key.a_query)?,
            b_g1_query: backend.upload_g1(&key.b_g1_query)?,
            b_g2_query: backend.upload_g2(&key.b_g2_query)?,
            c_query: backend.upload_g1(&key.c_query)?,
            h_query: backend.upload_g1(&key.h_query)?,
            coefficients,
            host_key: keep_host_copy.then(|| Box::new(key)),
        })
    }

    /// The number of signals a witness must have (the constant one included).
    pub fn witness_len(&self) -> usize {
        self.header.n_vars
    }

    /// The number of public signals.
    pub fn n_public(&self) -> usize {
        self.header.n_public
    }

    /// Proves with fresh `r, s` from `rng`; returns the proof and the public signals.
    pub fn prove(&self, witness: &[Fr], rng: &mut impl Rng) -> Result<(Proof<Bn254>, Vec<Fr>)> {
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        self.prove_with_randomness(witness, r, s)
    }

    /// Proves with the given `r, s` (tests and reproducible runs).
    pub fn prove_with_randomness(
        &self,
        witness: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>)> {
        self.prove_timed(witness, r, s)
            .map(|(proof, public, _)| (proof, public))
    }

    /// As [`prove_with_randomness`](Self::prove_with_randomness), with per-stage timings.
    pub fn prove_timed(
        &self,
        witness: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, StageTimings)> {
        let k = &self.header;
        if witness.len() != k.n_vars {
            return Err(ProverError::AssignmentLength {
                expected: k.n_vars,
                got: witness.len(),
            });
        }
        if !witness[0].is_one() {
            return Err(ProverError::FirstNotOne);
        }
        let backend = self.backend;
        let mut t = StageTimings::default();

        let h = t.time("witness map (A, B rows, 6 NTTs)", || {
            self.witness_map(witness)
        })?;
        let (full, private) = t.time("upload witness", || -> Result<_> {
            Ok((
                backend.upload_scalars(witness)?,
                backend.upload_scalars(&witness[k.n_public + 1..])?,
            ))
        })?;
        let a_acc = t.time("msm A (G1)", || backend.msm_g1(&self.a_query, &full))?;
        let b1_acc = t.time("msm B (G1)", || backend.msm_g1(&self.b_g1_query, &full))?;
        let b2_acc = t.time("msm B (G2)", || backend.msm_g2(&self.b_g2_query, &full))?;
        let c_acc = t.time("msm C (G1)", || backend.msm_g1(&self.c_query, &private))?;
        let h_acc = t.time("msm H (G1)", || backend.msm_g1(&self.h_query, &h))?;

        let proof = t.time("combine", || {
            let delta_g1 = G1Projective::from(k.delta_g1);
            let pi_a = a_acc + k.alpha_g1 + delta_g1 * r;
            let pi_b = b2_acc + k.beta_g2 + G2Projective::from(k.delta_g2) * s;
            let pib1 = b1_acc + k.beta_g1 + delta_g1 * s;
            let pi_c = c_acc + h_acc + pi_a * s + pib1 * r - delta_g1 * (r * s);
            Proof::<Bn254> {
                a: pi_a.into_affine(),
                b: pi_b.into_affine(),
                c: pi_c.into_affine(),
            }
        });

        let public = witness[1..=k.n_public].to_vec();
        // The pairing check does not look at subgroups; pi_B comes from the B query, whose
        // subgroup checks a trusted-key load skips, so it is checked here, once per proof.
        let verified = t.time("verify", || {
            proof.b.is_in_correct_subgroup_assuming_on_curve()
                && Groth16::<Bn254>::verify_proof(&self.pvk, &proof, &public).unwrap_or(false)
        });
        if verified {
            Ok((proof, public, t))
        } else {
            Err(self.diagnose_failed_verification(witness, r, s))
        }
    }

    /// A proof that does not verify comes from a witness that does not satisfy the key's circuit
    /// (the usual case: a wrong or stale witness) or from a faulty device. The cpu reference
    /// tells them apart.
    fn diagnose_failed_verification(&self, witness: &[Fr], r: Fr, s: Fr) -> ProverError {
        if let Some(key) = &self.host_key {
            return blame_after_cpu_reproof(self.backend, |cpu| {
                SnarkjsProver::new(cpu, (**key).clone())?.prove_with_randomness(witness, r, s)?;
                Ok(())
            });
        }
        ProverError::WitnessRejected
    }

    /// The evaluations of `A w * B w - C w` on the odd coset of the 2n-domain, resident.
    fn witness_map(&self, witness: &[Fr]) -> Result<Scalars> {
        let n = self.header.domain_size;
        let mut a = vec![Fr::zero(); n];
        let mut b = vec![Fr::zero(); n];
        for coef in &self.coefficients {
            let term = coef.value * witness[coef.signal as usize];
            match coef.matrix {
                Matrix::A => a[coef.constraint as usize] += term,
                Matrix::B => b[coef.constraint as usize] += term,
            }
        }
        let c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();

        let backend = self.backend;
        let shift =
            Fr::get_root_of_unity(2 * n as u64).ok_or(ProverError::DomainTooLarge { needed: n })?;
        let to_odd_coset = |values: &[Fr]| -> Result<Scalars> {
            let mut v = backend.upload_scalars(values)?;
            backend.ntt(&mut v, NttOp::Inverse)?;
            backend.ntt(&mut v, NttOp::CosetForward(shift))?;
            Ok(v)
        };
        let mut h = to_odd_coset(&a)?;
        backend.vec_op(&mut h, VecOp::Mul(&to_odd_coset(&b)?))?;
        backend.vec_op(&mut h, VecOp::Sub(&to_odd_coset(&c)?))?;
        Ok(h)
    }
}
