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
//! 4. The end every Groth16 proof shares (`tail.rs`): MSMs over the resident bases (A,
//!    B (G1), B (G2) with the witness; C with the private part; H with h), blinding with `r, s`
//!    exactly as snarkjs's `groth16_prove.js` does, and a check with the key's own verifying key
//!    before the proof is returned.

use std::borrow::Cow;

use ark_bn254::{Bn254, Fr};
use ark_ff::{FftField, One, UniformRand};
use ark_groth16::Proof;
use ark_std::rand::Rng;
use kiln_host::{Backend, Scalars};

use super::ab_minus_c_on_coset;
use super::tail::{KeyPoints, Queries, ResidentKey, StageNames};
use crate::error::{unverified_proof, ProverError, Result};
use crate::iden3::groth16_zkey::{Groth16Zkey, QapMatrices};
use crate::timings::StageTimings;

/// The stage that turns the witness into `h` (its timing's name in `kiln prove --stages`).
const WITNESS_MAP: &str = "witness map (A, B rows, 6 NTTs)";

/// A snarkjs Groth16 key loaded onto a backend: load once, prove many witnesses.
pub struct SnarkjsProver<'b> {
    key: ResidentKey<'b>,
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    coefficients: QapMatrices,
    /// A host copy of the key, kept for device backends only, so that a proof that fails
    /// verification can be re-proven on the arkworks reference to tell a device fault from a bad
    /// witness.
    host_key: Option<Box<Groth16Zkey>>,
}

impl<'b> SnarkjsProver<'b> {
    /// Uploads the key's bases to `backend`, where they stay for every proof.
    pub fn new(backend: &'b dyn Backend, mut key: Groth16Zkey) -> Result<Self> {
        key.validate()
            .map_err(|e| ProverError::MalformedSystem(e.to_string()))?;
        // A device keeps a host copy of the key (to re-prove on the reference when a proof
        // fails); a host backend takes the query vectors themselves, so no point is held twice.
        let keep_host_copy = !backend.on_host();
        let coefficients = if keep_host_copy {
            key.coefficients.clone()
        } else {
            std::mem::take(&mut key.coefficients)
        };
        let points = KeyPoints {
            alpha_g1: key.alpha_g1,
            beta_g1: key.beta_g1,
            beta_g2: key.beta_g2,
            delta_g1: key.delta_g1,
            delta_g2: key.delta_g2,
        };
        let vk = key.verifying_key();
        let (n_vars, n_public, domain_size) = (key.n_vars, key.n_public, key.domain_size);
        let names = StageNames {
            upload: "upload witness",
            private_msm: "msm C (G1)",
        };
        let (resident, host_key) = if keep_host_copy {
            let queries = Queries {
                a: Cow::Borrowed(&key.a_query),
                b_g1: Cow::Borrowed(&key.b_g1_query),
                b_g2: Cow::Borrowed(&key.b_g2_query),
                private: Cow::Borrowed(&key.c_query),
                h: Cow::Borrowed(&key.h_query),
            };
            let resident = ResidentKey::upload(backend, queries, points, &vk, names)?;
            (resident, Some(Box::new(key)))
        } else {
            let queries = Queries {
                a: Cow::Owned(std::mem::take(&mut key.a_query)),
                b_g1: Cow::Owned(std::mem::take(&mut key.b_g1_query)),
                b_g2: Cow::Owned(std::mem::take(&mut key.b_g2_query)),
                private: Cow::Owned(std::mem::take(&mut key.c_query)),
                h: Cow::Owned(std::mem::take(&mut key.h_query)),
            };
            (
                ResidentKey::upload(backend, queries, points, &vk, names)?,
                None,
            )
        };
        Ok(SnarkjsProver {
            key: resident,
            n_vars,
            n_public,
            domain_size,
            coefficients,
            host_key,
        })
    }

    /// The number of signals a witness must have (the constant one included).
    pub fn witness_len(&self) -> usize {
        self.n_vars
    }

    /// The backend the key is loaded on.
    pub fn backend(&self) -> &'b dyn Backend {
        self.key.backend()
    }

    /// The number of public signals.
    pub fn n_public(&self) -> usize {
        self.n_public
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
        self.prove_witness(Cow::Borrowed(witness), r, s)
    }

    /// As [`prove_timed`](Self::prove_timed), taking the witness: after the witness map it
    /// moves to the backend for the MSMs instead of being copied there (a host backend keeps
    /// it as it is), so a one-shot prover holds one witness, not two.
    pub fn prove_timed_owned(
        &self,
        witness: Vec<Fr>,
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, StageTimings)> {
        self.prove_witness(Cow::Owned(witness), r, s)
    }

    fn prove_witness(
        &self,
        witness: Cow<'_, [Fr]>,
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, StageTimings)> {
        self.check_assignment(&witness)?;
        let mut t = StageTimings::default();
        let h = t.time(WITNESS_MAP, || self.witness_map(&witness))?;
        self.finish(t, witness, &h, r, s)
    }

    /// As [`prove_timed_owned`](Self::prove_timed_owned), for a prover that proves once (`kiln
    /// prove`): the QAP coefficients, which only the witness map's first step reads, are freed
    /// as soon as it is done (0.34 MB of a 7,200-constraint proof's 10 MB peak).
    pub fn prove_once(
        mut self,
        witness: Vec<Fr>,
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, StageTimings)> {
        self.check_assignment(&witness)?;
        let mut t = StageTimings::default();
        let h = t.time(WITNESS_MAP, || {
            let rows = self.coefficients.mul_witness(&witness, self.domain_size);
            // Freed before the NTTs, whose three vectors make the witness map's peak. A failed
            // proof is diagnosed from the host copy of the key a device prover keeps
            // (`prove_on`), not from these.
            drop(std::mem::take(&mut self.coefficients));
            self.h_from_rows(rows)
        })?;
        // The rows and the NTTs' temporaries are freed, and the NTTs will not run again: their
        // pages go back before the MSMs fill theirs with buckets.
        self.key.backend().release_scratch();
        crate::memory::return_free_memory();
        self.finish(t, Cow::Owned(witness), &h, r, s)
    }

    fn check_assignment(&self, witness: &[Fr]) -> Result<()> {
        if witness.len() != self.n_vars {
            return Err(ProverError::AssignmentLength {
                expected: self.n_vars,
                got: witness.len(),
            });
        }
        if !witness[0].is_one() {
            return Err(ProverError::FirstNotOne);
        }
        Ok(())
    }

    /// The proof from the witness map's result `h`: the MSMs, the combination, verification.
    fn finish(
        &self,
        mut t: StageTimings,
        witness: Cow<'_, [Fr]>,
        h: &Scalars,
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>, StageTimings)> {
        let public = witness[1..=self.n_public].to_vec();
        let proof = self.key.prove(&mut t, witness, h, r, s, |witness| {
            self.diagnose_failed_verification(witness, r, s)
        })?;
        Ok((proof, public, t))
    }

    /// A proof that does not verify comes from a witness that does not satisfy the key's circuit
    /// (the usual case: a wrong or stale witness) or from a faulty device.
    fn diagnose_failed_verification(&self, witness: &[Fr], r: Fr, s: Fr) -> ProverError {
        unverified_proof(
            self.key.backend(),
            |cpu| self.prove_on(cpu, witness, r, s).map(|_| ()),
            ProverError::WitnessRejected,
        )
    }

    /// Proves the same witness with the same `r, s` on `other` (the reference, after a device
    /// fault), from the host copy of the key a device prover keeps.
    pub fn prove_on(
        &self,
        other: &dyn Backend,
        witness: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<(Proof<Bn254>, Vec<Fr>)> {
        let key = self.host_key.as_deref().ok_or_else(|| {
            ProverError::Backend(kiln_host::Error::InvalidArgument(
                "a prover on a host backend keeps no second copy of its key to prove elsewhere"
                    .into(),
            ))
        })?;
        SnarkjsProver::new(other, key.clone())?.prove_with_randomness(witness, r, s)
    }

    /// The evaluations of `A w * B w - C w` on the odd coset of the 2n-domain, resident.
    fn witness_map(&self, witness: &[Fr]) -> Result<Scalars> {
        self.h_from_rows(self.coefficients.mul_witness(witness, self.domain_size))
    }

    /// The witness map from the rows `A w` and `B w` on the n-domain.
    fn h_from_rows(&self, (a, b): (Vec<Fr>, Vec<Fr>)) -> Result<Scalars> {
        let n = self.domain_size;
        let c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();

        let backend = self.key.backend();
        let shift =
            Fr::get_root_of_unity(2 * n as u64).ok_or(ProverError::DomainTooLarge { needed: n })?;
        ab_minus_c_on_coset(backend, [a, b, c], shift)
    }
}
