//! snarkjs's PLONK prover (`plonk_prove.js`) over the backend seam.
//!
//! The proof is a function of the witness, the key and eleven blinding scalars, so for fixed
//! blinding it is the same on every backend, byte for byte. Where the work happens:
//!
//! * **Backend (device):** the inverse NTTs that turn wire and permutation values into
//!   coefficients; the coset NTTs of size 4n that evaluate every polynomial of the quotient
//!   identity; the quotient's element-wise arithmetic on those 4n points (`VecOp`s); the coset
//!   inverse NTT that brings the quotient back to coefficients; and the nine KZG commitments,
//!   G1 MSMs over the key's monomial SRS, which stays resident.
//! * **Host:** the O(n) steps between them: gathering wire values from the witness, the grand
//!   product of the permutation argument, splitting and blinding polynomials, Horner evaluations
//!   at the challenges, the linearisation polynomial and the two divisions by `X - z`.
//!
//! snarkjs evaluates the quotient on the 4n-domain itself and corrects for the zeros of
//! `X^n - 1` there; kiln evaluates on the coset `g * <w_4n>` (g = Fr's multiplicative generator),
//! where `X^n - 1` has no zeros and the division is a multiplication by four repeating
//! constants. Both give the same quotient polynomial, so the proofs are identical.
//!
//! Every proof passes the verifier before it is returned.

use ark_bn254::{Fr, G1Affine};
use ark_ec::CurveGroup;
use ark_ff::{batch_inversion, FftField, Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::Rng;
use kiln_host::{Backend, G1Bases, NttOp, Scalars, VecOp};

use super::transcript::Transcript;
use super::{verifier, PlonkProof, PlonkVerifyingKey};
use crate::error::{blame, unverified_proof, ProverError, Result};
use crate::iden3::plonk_zkey::PlonkZkey;
use crate::schedule;
use crate::timings::StageTimings;

/// The eleven blinding scalars `b1..b11` of the PLONK paper (`blinding.0[i]` is `b_(i+1)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blinding(pub [Fr; 11]);

impl Blinding {
    /// Fresh random blinding: what every real proof uses.
    pub fn random(rng: &mut impl Rng) -> Self {
        Blinding(std::array::from_fn(|_| Fr::rand(rng)))
    }

    /// `b_i`, 1-based as in the paper and snarkjs.
    fn b(&self, i: usize) -> Fr {
        self.0[i - 1]
    }
}

/// The key's polynomials evaluated on the 4n coset, resident on the backend.
struct CosetTables {
    qm: Scalars,
    ql: Scalars,
    qr: Scalars,
    qo: Scalars,
    qc: Scalars,
    s1: Scalars,
    s2: Scalars,
    s3: Scalars,
    /// The first Lagrange polynomial of the n-domain.
    l1: Scalars,
    /// The coset points themselves.
    x: Scalars,
    /// `1 / (x^n - 1)` at each coset point.
    zh_inverse: Scalars,
}

/// A PLONK key loaded onto a backend: load once, prove many witnesses.
pub struct PlonkProver<'b> {
    backend: &'b dyn Backend,
    key: PlonkZkey,
    /// Qm..Qc at the n-domain points, for naming the first unsatisfied row.
    selector_values: [Vec<Fr>; 5],
    srs: G1Bases,
    coset: CosetTables,
    shift: Fr,
}

/// The values of the wire and witness columns, before any polynomial is formed.
struct Wires {
    /// A, B and C at each row of the n-domain.
    columns: [Vec<Fr>; 3],
    public: Vec<Fr>,
}

/// A polynomial both as host coefficients and as resident 4n-coset evaluations.
struct Committed {
    coefficients: Vec<Fr>,
    commitment: G1Affine,
}

impl<'b> PlonkProver<'b> {
    /// Uploads the SRS and evaluates the key's polynomials on the 4n coset, on `backend`.
    pub fn new(backend: &'b dyn Backend, key: PlonkZkey) -> Result<Self> {
        let n = key.domain_size;
        let shift = Fr::GENERATOR;
        let srs = backend.upload_g1(&key.srs)?;
        let on_coset = |coefficients: &[Fr]| coset_evaluations(backend, coefficients, 4 * n, shift);

        // x^n - 1 at g * w_4n^i is g^n * (w_4n^n)^i - 1: four values, repeating.
        let w4 = Fr::get_root_of_unity(4).expect("BN254's Fr has 4th roots of unity");
        let gn = shift.pow([n as u64]);
        let mut four: Vec<Fr> = (0..4u64).map(|i| gn * w4.pow([i]) - Fr::one()).collect();
        let zh_values = four.clone();
        batch_inversion(&mut four);
        let zh_inverse =
            backend.upload_scalars(&(0..4 * n).map(|i| four[i % 4]).collect::<Vec<_>>())?;
        let (points, l1) = x_and_l1_on_coset(n, shift, &zh_values);
        let coset = CosetTables {
            qm: on_coset(&key.qm)?,
            ql: on_coset(&key.ql)?,
            qr: on_coset(&key.qr)?,
            qo: on_coset(&key.qo)?,
            qc: on_coset(&key.qc)?,
            s1: on_coset(&key.sigma[0])?,
            s2: on_coset(&key.sigma[1])?,
            s3: on_coset(&key.sigma[2])?,
            l1: backend.upload_scalars(&l1)?,
            x: backend.upload_scalars(&points)?,
            zh_inverse,
        };
        // On the host: the row checks read these, and a row check must fail only for the
        // witness's fault, never for a device's (the fault campaign found a device's bit flip
        // here blamed on the witness).
        // kiln's CPU NTT, called directly (host code, not through the backend): bit for bit
        // arkworks' FFT (ntt/tests/cpu_ntt.rs) at a fraction of its time.
        Radix2EvaluationDomain::<Fr>::new(n).ok_or(ProverError::DomainTooLarge { needed: n })?;
        let selector_values = [&key.qm, &key.ql, &key.qr, &key.qo, &key.qc].map(|q| {
            let mut values = q.to_vec();
            values.resize(n, Fr::zero());
            kiln_ntt::cpu::transform(&mut values, NttOp::Forward);
            values
        });
        Ok(PlonkProver {
            backend,
            selector_values,
            srs,
            coset,
            shift,
            key,
        })
    }

    /// The verification key inside the proving key.
    pub fn verifying_key(&self) -> &PlonkVerifyingKey {
        &self.key.vk
    }

    /// The backend the key is loaded on.
    pub fn backend(&self) -> &'b dyn Backend {
        self.backend
    }

    /// The key this prover holds.
    pub fn key(&self) -> &PlonkZkey {
        &self.key
    }

    /// Proves with fresh random blinding. Returns the proof and its public signals.
    pub fn prove(&self, witness: &[Fr], rng: &mut impl Rng) -> Result<(PlonkProof, Vec<Fr>)> {
        let (proof, public, _) = self.prove_timed(witness, &Blinding::random(rng))?;
        Ok((proof, public))
    }

    /// Proves with the given blinding (fixed blinding gives the same proof on every backend),
    /// with per-stage timings.
    pub fn prove_timed(
        &self,
        witness: &[Fr],
        blinding: &Blinding,
    ) -> Result<(PlonkProof, Vec<Fr>, StageTimings)> {
        let mut t = StageTimings::default();
        let wires = t.time("wire values, row checks", || self.wires(witness))?;
        let proof = match self.rounds(&wires, blinding, &mut t) {
            // The quotient's degree check reads what the device computed: on a device, a
            // failure there may be the device's, not the key's.
            Err(symptom @ ProverError::MalformedSystem(_)) => {
                let device_fault = ProverError::DeviceComputedWrongValues {
                    backend: self.backend.name(),
                    symptom: symptom.to_string(),
                };
                return Err(blame(
                    self.backend,
                    |cpu| self.prove_on(cpu, witness, blinding).map(|_| ()),
                    symptom,
                    device_fault,
                ));
            }
            other => other?,
        };
        let verified = t.time("verify", || {
            verifier::verify(&self.key.vk, &wires.public, &proof)
        });
        if verified {
            Ok((proof, wires.public, t))
        } else {
            Err(self.diagnose_failed_verification(witness, blinding))
        }
    }

    /// Every row was checked before proving, so a proof that fails verification comes from a
    /// faulty device or from a key whose commitments do not match its polynomials; the cpu
    /// reference tells them apart.
    fn diagnose_failed_verification(&self, witness: &[Fr], blinding: &Blinding) -> ProverError {
        unverified_proof(
            self.backend,
            |cpu| self.prove_on(cpu, witness, blinding).map(|_| ()),
            ProverError::KeyMismatch(
                "the proof does not verify against the key's own verification key although \
                 every row holds: the key's commitments do not match its polynomials (corrupt \
                 key?)"
                    .into(),
            ),
        )
    }

    /// Proves the same witness with the same blinding on `other` (the reference, after a
    /// device fault).
    pub fn prove_on(
        &self,
        other: &dyn Backend,
        witness: &[Fr],
        blinding: &Blinding,
    ) -> Result<(PlonkProof, Vec<Fr>)> {
        PlonkProver::new(other, self.key.clone())?
            .prove_timed(witness, blinding)
            .map(|(proof, public, _)| (proof, public))
    }

    /// Computes the internal signals of the additions, gathers the three wire columns, and
    /// checks every row's gate, naming the first that fails.
    fn wires(&self, witness: &[Fr]) -> Result<Wires> {
        let key = &self.key;
        let expected = key.witness_len();
        if witness.len() != expected {
            return Err(ProverError::AssignmentLength {
                expected,
                got: witness.len(),
            });
        }
        if !witness[0].is_one() {
            return Err(ProverError::FirstNotOne);
        }
        // Signal 0 (the constant one) only ever fills unused wire slots, whose selectors are
        // zero; snarkjs gives it the value 0 there, and so must kiln for identical proofs.
        let mut signals = Vec::with_capacity(key.n_vars);
        signals.push(Fr::zero());
        signals.extend_from_slice(&witness[1..]);
        for add in &key.additions {
            let v = add.factor_a * signals[add.a as usize] + add.factor_b * signals[add.b as usize];
            signals.push(v);
        }
        let n = key.domain_size;
        let columns = key.wire_map.each_ref().map(|map| {
            let mut column = vec![Fr::zero(); n];
            for (value, &s) in column.iter_mut().zip(map) {
                *value = signals[s as usize];
            }
            column
        });
        let public = witness[1..=key.n_public].to_vec();

        let [qm, ql, qr, qo, qc] = &self.selector_values;
        let [a, b, c] = &columns;
        let failing = (0..n).find(|&i| {
            let public_term = if i < key.n_public {
                public[i]
            } else {
                Fr::zero()
            };
            qm[i] * a[i] * b[i] + ql[i] * a[i] + qr[i] * b[i] + qo[i] * c[i] + qc[i] - public_term
                != Fr::zero()
        });
        if let Some(row) = failing {
            return Err(ProverError::PlonkRowUnsatisfied { row });
        }
        Ok(Wires { columns, public })
    }

    fn rounds(
        &self,
        wires: &Wires,
        blinding: &Blinding,
        t: &mut StageTimings,
    ) -> Result<PlonkProof> {
        let key = &self.key;
        let backend = self.backend;
        let n = key.domain_size;
        let omega = Fr::get_root_of_unity(n as u64).expect("n <= 2^26");
        let mut transcript = Transcript::new();

        // Round 1: the wire polynomials, blinded with (b2 + b1 X), (b4 + b3 X), (b6 + b5 X).
        let wire_blinding = [[2, 1], [4, 3], [6, 5]];
        let wire_polys = t.time("round 1: wire iNTTs + commits", || {
            let columns = wires.columns.iter().zip(wire_blinding).collect();
            schedule::map(backend, columns, |(values, factors)| {
                self.interpolate_and_commit(values, &factors.map(|i| blinding.b(i)))
            })
            .into_iter()
            .collect::<Result<Vec<_>>>()
        })?;
        let wire_evals = t.time("round 1: wire coset NTTs (4n)", || {
            schedule::map(backend, wire_polys.iter().collect(), |p| {
                coset_evaluations(backend, &p.coefficients, 4 * n, self.shift)
            })
            .into_iter()
            .collect::<Result<Vec<_>>>()
        })?;
        let [pa, pb, pc] = [&wire_polys[0], &wire_polys[1], &wire_polys[2]];

        // Round 2: beta, gamma and the permutation polynomial z, blinded with (b9 + b8 X + b7 X^2).
        let vk = &key.vk;
        for p in [vk.qm, vk.ql, vk.qr, vk.qo, vk.qc, vk.s1, vk.s2, vk.s3] {
            transcript.add_point(&p);
        }
        for value in &wires.columns[0][..key.n_public] {
            transcript.add_scalar(value);
        }
        for p in [pa, pb, pc] {
            transcript.add_point(&p.commitment);
        }
        let beta = transcript.challenge();
        transcript.add_scalar(&beta);
        let gamma = transcript.challenge();

        let z_values = t.time("round 2: grand product", || {
            self.grand_product(&wires.columns, beta, gamma, omega)
        })?;
        let pz = t.time("round 2: z iNTT + commit", || {
            self.interpolate_and_commit(&z_values, &[blinding.b(9), blinding.b(8), blinding.b(7)])
        })?;
        let (z_eval, zw_eval) = t.time("round 2: z coset NTTs (4n)", || -> Result<_> {
            // z(w X) on the coset is z on the coset shifted by w = w_4n^4: the same values, four
            // places on. In host memory that rotation is one copy, cheaper than a transform;
            // a device computes it instead of a round trip over the bus.
            if backend.on_host() {
                let z = coset_evaluations(backend, &pz.coefficients, 4 * n, self.shift)?;
                let mut values = backend.download_scalars(&z)?;
                values.rotate_left(4);
                return Ok((z, backend.upload_scalars_owned(values)?));
            }
            let (z, zw) = schedule::join(
                backend,
                || coset_evaluations(backend, &pz.coefficients, 4 * n, self.shift),
                || coset_evaluations(backend, &pz.coefficients, 4 * n, self.shift * omega),
            );
            Ok((z?, zw?))
        })?;

        // Round 3: alpha and the quotient t, split into T1, T2, T3 with b10, b11.
        transcript.add_scalar(&beta);
        transcript.add_scalar(&gamma);
        transcript.add_point(&pz.commitment);
        let alpha = transcript.challenge();

        let quotient = t.time("round 3: quotient on the 4n coset", || {
            self.quotient(
                &wire_evals,
                &z_eval,
                &zw_eval,
                &wires.public,
                [alpha, beta, gamma],
            )
        })?;
        if let Some(i) = quotient[3 * n + 6..].iter().position(|c| !c.is_zero()) {
            return Err(ProverError::MalformedSystem(format!(
                "the quotient has a coefficient of degree {} (at most 3n + 5 = {} is possible): \
                 the permutation or gates of the key are inconsistent",
                3 * n + 6 + i,
                3 * n + 5
            )));
        }
        let mut t1 = quotient[..n].to_vec();
        t1.push(blinding.b(10));
        let mut t2 = quotient[n..2 * n].to_vec();
        t2[0] -= blinding.b(10);
        t2.push(blinding.b(11));
        let mut t3 = quotient[2 * n..3 * n + 6].to_vec();
        t3[0] -= blinding.b(11);
        let [c_t1, c_t2, c_t3] = t.time("round 3: commit T1, T2, T3", || -> Result<_> {
            let c = schedule::map(backend, vec![&t1, &t2, &t3], |p| self.commit(p))
                .into_iter()
                .collect::<Result<Vec<_>>>()?;
            Ok([c[0], c[1], c[2]])
        })?;

        // Round 4: xi and the six evaluations.
        transcript.add_scalar(&alpha);
        for p in [&c_t1, &c_t2, &c_t3] {
            transcript.add_point(p);
        }
        let xi = transcript.challenge();
        let xiw = xi * omega;
        let evals = t.time("round 4: evaluations", || {
            [
                evaluate(&pa.coefficients, xi),
                evaluate(&pb.coefficients, xi),
                evaluate(&pc.coefficients, xi),
                evaluate(&key.sigma[0], xi),
                evaluate(&key.sigma[1], xi),
                evaluate(&pz.coefficients, xiw),
            ]
        });
        let [eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw] = evals;

        // Round 5: v and the two opening proofs.
        transcript.add_scalar(&xi);
        for e in &evals {
            transcript.add_scalar(e);
        }
        let v1 = transcript.challenge();
        let mut v = [v1; 5];
        for i in 1..5 {
            v[i] = v[i - 1] * v1;
        }
        let (wxi, wxiw) = t.time("round 5: linearisation, openings", || {
            let r = self.linearisation(
                &pz.coefficients,
                [&t1, &t2, &t3],
                &wires.public,
                evals,
                [alpha, beta, gamma, xi],
            );
            let mut wxi = r;
            for (poly, vi) in [
                &pa.coefficients,
                &pb.coefficients,
                &pc.coefficients,
                &key.sigma[0],
                &key.sigma[1],
            ]
            .into_iter()
            .zip(v)
            {
                add_scaled(&mut wxi, poly, vi);
            }
            let opened: Fr = evals[..5].iter().zip(v).map(|(e, vi)| *e * vi).sum();
            wxi[0] -= opened;
            let wxi = divide_by_linear(&wxi, xi);
            let mut wxiw = pz.coefficients.clone();
            wxiw[0] -= eval_zw;
            (wxi, divide_by_linear(&wxiw, xiw))
        });
        let (c_wxi, c_wxiw) = t.time("round 5: commit Wxi, Wxiw", || -> Result<_> {
            let (wxi, wxiw) = schedule::join(backend, || self.commit(&wxi), || self.commit(&wxiw));
            Ok((wxi?, wxiw?))
        })?;

        Ok(PlonkProof {
            a: pa.commitment,
            b: pb.commitment,
            c: pc.commitment,
            z: pz.commitment,
            t1: c_t1,
            t2: c_t2,
            t3: c_t3,
            wxi: c_wxi,
            wxiw: c_wxiw,
            eval_a,
            eval_b,
            eval_c,
            eval_s1,
            eval_s2,
            eval_zw,
        })
    }

    /// The coefficients of the polynomial through `values` on the n-domain (an inverse NTT on
    /// the backend), plus `sum factors[i] X^i (X^n - 1)`, and its commitment.
    fn interpolate_and_commit(&self, values: &[Fr], factors: &[Fr]) -> Result<Committed> {
        let n = values.len();
        let mut resident = self.backend.upload_scalars(values)?;
        self.backend.ntt(&mut resident, NttOp::Inverse)?;
        let mut coefficients = self.backend.download_scalars(&resident)?;
        coefficients.resize(n + factors.len(), Fr::zero());
        for (i, f) in factors.iter().enumerate() {
            coefficients[n + i] += f;
            coefficients[i] -= f;
        }
        let commitment = self.commit(&coefficients)?;
        Ok(Committed {
            coefficients,
            commitment,
        })
    }

    /// `[p(tau)]_1`: an MSM of the coefficients over the resident SRS.
    fn commit(&self, coefficients: &[Fr]) -> Result<G1Affine> {
        let srs_len = self.srs.len();
        if coefficients.len() > srs_len {
            return Err(ProverError::MalformedSystem(format!(
                "a polynomial with {} coefficients exceeds the key's {srs_len} powers of tau",
                coefficients.len()
            )));
        }
        // The SRS stays resident at full length; zero scalars cost nothing in a bucket MSM.
        let mut scalars = coefficients.to_vec();
        scalars.resize(srs_len, Fr::zero());
        let scalars = self.backend.upload_scalars(&scalars)?;
        Ok(self.backend.msm_g1(&self.srs, &scalars)?.into_affine())
    }

    /// The permutation argument's z at the n-domain points: `z_0 = 1`,
    /// `z_(i+1) = z_i * num_i / den_i`. Fails if the product does not return to 1.
    fn grand_product(
        &self,
        columns: &[Vec<Fr>; 3],
        beta: Fr,
        gamma: Fr,
        omega: Fr,
    ) -> Result<Vec<Fr>> {
        let key = &self.key;
        let n = key.domain_size;
        let [a, b, c] = columns;
        let [s1, s2, s3] = &key.sigma_values;
        let mut numerators = Vec::with_capacity(n);
        let mut denominators = Vec::with_capacity(n);
        let mut w = Fr::one();
        for i in 0..n {
            let bw = beta * w;
            numerators.push(
                (a[i] + bw + gamma)
                    * (b[i] + bw * key.vk.k1 + gamma)
                    * (c[i] + bw * key.vk.k2 + gamma),
            );
            denominators.push(
                (a[i] + beta * s1[i] + gamma)
                    * (b[i] + beta * s2[i] + gamma)
                    * (c[i] + beta * s3[i] + gamma),
            );
            w *= omega;
        }
        batch_inversion(&mut denominators);
        let mut z = Vec::with_capacity(n);
        let mut acc = Fr::one();
        for i in 0..n {
            z.push(acc);
            acc *= numerators[i] * denominators[i];
        }
        if !acc.is_one() {
            return Err(ProverError::MalformedSystem(
                "the permutation of the key does not match its wire maps (the copy-constraint \
                 product is not 1): the key is corrupt or was not made by a PLONK setup"
                    .into(),
            ));
        }
        Ok(z)
    }

    /// The quotient's coefficients (4n of them; at most 3n + 6 nonzero), computed on the coset:
    ///
    /// `t = (gates + alpha (perm_num - perm_den) + alpha^2 (z - 1) L1) / (X^n - 1)`
    fn quotient(
        &self,
        wires: &[Scalars],
        z: &Scalars,
        zw: &Scalars,
        public: &[Fr],
        [alpha, beta, gamma]: [Fr; 3],
    ) -> Result<Vec<Fr>> {
        let backend = self.backend;
        let n = self.key.domain_size;
        let k = &self.coset;
        let (a, b, c) = (&wires[0], &wires[1], &wires[2]);
        let op = |v: &mut Scalars, o: VecOp<'_>| backend.vec_op(v, o);

        // PI(X) = -sum_j public_j L_(j+1)(X): interpolate its n-domain values.
        let mut pi_values = vec![Fr::zero(); n];
        for (v, p) in pi_values.iter_mut().zip(public) {
            *v = -*p;
        }
        let pi = {
            let mut v = backend.upload_scalars(&pi_values)?;
            backend.ntt(&mut v, NttOp::Inverse)?;
            coset_evaluations(backend, &backend.download_scalars(&v)?, 4 * n, self.shift)?
        };

        let mut tmp = backend.upload_scalars(&vec![Fr::zero(); 4 * n])?;
        // gates = qm a b + ql a + qr b + qo c + PI + qc
        let mut acc = backend.upload_scalars(&vec![Fr::zero(); 4 * n])?;
        op(&mut acc, VecOp::Copy(a))?;
        op(&mut acc, VecOp::Mul(b))?;
        op(&mut acc, VecOp::Mul(&k.qm))?;
        for (wire, selector) in [(a, &k.ql), (b, &k.qr), (c, &k.qo)] {
            op(&mut tmp, VecOp::Copy(wire))?;
            op(&mut tmp, VecOp::Mul(selector))?;
            op(&mut acc, VecOp::Add(&tmp))?;
        }
        op(&mut acc, VecOp::Add(&pi))?;
        op(&mut acc, VecOp::Add(&k.qc))?;

        // Both sides of the permutation identity: product over the wires of (wire + beta * label
        // + gamma), times z (identity labels x, k1 x, k2 x) or z(wX) (the permuted labels).
        let mut side = |labels: [(&Scalars, Fr); 3], z: &Scalars| -> Result<Scalars> {
            let mut product = backend.upload_scalars(&vec![Fr::zero(); 4 * n])?;
            op(&mut product, VecOp::Copy(z))?;
            for ((label, scale), wire) in labels.into_iter().zip([a, b, c]) {
                op(&mut tmp, VecOp::Copy(label))?;
                op(&mut tmp, VecOp::Scale(scale))?;
                op(&mut tmp, VecOp::Add(wire))?;
                op(&mut tmp, VecOp::AddScalar(gamma))?;
                op(&mut product, VecOp::Mul(&tmp))?;
            }
            Ok(product)
        };
        let vk = &self.key.vk;
        let mut permutation = side(
            [(&k.x, beta), (&k.x, beta * vk.k1), (&k.x, beta * vk.k2)],
            z,
        )?;
        let permuted = side([(&k.s1, beta), (&k.s2, beta), (&k.s3, beta)], zw)?;
        op(&mut permutation, VecOp::Sub(&permuted))?;
        op(&mut permutation, VecOp::Scale(alpha))?;
        op(&mut acc, VecOp::Add(&permutation))?;

        // alpha^2 (z - 1) L1
        op(&mut tmp, VecOp::Copy(z))?;
        op(&mut tmp, VecOp::AddScalar(-Fr::one()))?;
        op(&mut tmp, VecOp::Mul(&k.l1))?;
        op(&mut tmp, VecOp::Scale(alpha.square()))?;
        op(&mut acc, VecOp::Add(&tmp))?;

        op(&mut acc, VecOp::Mul(&k.zh_inverse))?;
        backend.ntt(&mut acc, NttOp::CosetInverse(self.shift))?;
        Ok(backend.download_scalars(&acc)?)
    }

    /// snarkjs's linearisation polynomial R (round 5), whose value at xi is zero.
    fn linearisation(
        &self,
        z: &[Fr],
        [t1, t2, t3]: [&Vec<Fr>; 3],
        public: &[Fr],
        [ea, eb, ec, es1, es2, ezw]: [Fr; 6],
        [alpha, beta, gamma, xi]: [Fr; 4],
    ) -> Vec<Fr> {
        let key = &self.key;
        let vk = &key.vk;
        let n = key.domain_size;
        let xin = xi.pow([n as u64]);
        let zh = xin - Fr::one();
        let lagrange = lagrange_at(xi, n, public.len().max(1));
        let eval_pi: Fr = -public
            .iter()
            .zip(&lagrange)
            .map(|(p, l)| *p * l)
            .sum::<Fr>();

        let betaxi = beta * xi;
        let e2 = (ea + betaxi + gamma)
            * (eb + betaxi * vk.k1 + gamma)
            * (ec + betaxi * vk.k2 + gamma)
            * alpha;
        let e3 = (ea + beta * es1 + gamma) * (eb + beta * es2 + gamma) * ezw * alpha;
        let e4 = lagrange[0] * alpha.square();

        let mut r = vec![Fr::zero(); n + 6];
        add_scaled(&mut r, &key.qm, ea * eb);
        add_scaled(&mut r, &key.ql, ea);
        add_scaled(&mut r, &key.qr, eb);
        add_scaled(&mut r, &key.qo, ec);
        add_scaled(&mut r, &key.qc, Fr::one());
        add_scaled(&mut r, z, e2 + e4);
        add_scaled(&mut r, &key.sigma[2], -(e3 * beta));
        add_scaled(&mut r, t1, -zh);
        add_scaled(&mut r, t2, -(zh * xin));
        add_scaled(&mut r, t3, -(zh * xin.square()));
        r[0] += eval_pi - e3 * (ec + gamma) - e4;
        r
    }
}

/// Evaluations on the coset `shift * <w_len>` of the polynomial with these coefficients
/// (zero-padded to `len`), computed and left resident on the backend.
/// `X` and `L1` on the 4n coset `g <w>`, from their closed forms rather than two coset NTTs:
/// `X(g w^i) = g w^i`, and `L1(x) = (x^n - 1) / (n (x - 1))` (every coefficient of L1 is
/// `1/n`), with `x^n - 1` taking the four values `zh_values` in turn.
fn x_and_l1_on_coset(n: usize, shift: Fr, zh_values: &[Fr]) -> (Vec<Fr>, Vec<Fr>) {
    let w = Fr::get_root_of_unity(4 * n as u64).expect("4n is a supported domain");
    let points = kiln_ntt::cpu::powers_parallel(shift, w, 4 * n);
    let n_fr = Fr::from(n as u64);
    let mut l1: Vec<Fr> = points.iter().map(|x| n_fr * (*x - Fr::one())).collect();
    batch_inversion(&mut l1);
    for (i, v) in l1.iter_mut().enumerate() {
        *v *= zh_values[i % 4];
    }
    (points, l1)
}

fn coset_evaluations(
    backend: &dyn Backend,
    coefficients: &[Fr],
    len: usize,
    shift: Fr,
) -> Result<Scalars> {
    let mut padded = coefficients.to_vec();
    padded.resize(len, Fr::zero());
    let mut v = backend.upload_scalars(&padded)?;
    backend.ntt(&mut v, NttOp::CosetForward(shift))?;
    Ok(v)
}

/// `L_i(x)` for `i = 1..=count` on the n-domain: `w^(i-1) (x^n - 1) / (n (x - w^(i-1)))`.
/// At a domain point the formula divides by zero; the verifier rejects such a challenge, and
/// the prover's proof would not verify either, so a zero is returned there.
pub(crate) fn lagrange_at(x: Fr, n: usize, count: usize) -> Vec<Fr> {
    let omega = Fr::get_root_of_unity(n as u64).expect("n is a supported domain");
    let zh = x.pow([n as u64]) - Fr::one();
    let n_fr = Fr::from(n as u64);
    let mut w = Fr::one();
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let den = n_fr * (x - w);
        out.push(den.inverse().map_or(Fr::zero(), |inv| w * zh * inv));
        w *= omega;
    }
    out
}

/// `p(x)` by Horner's rule.
fn evaluate(coefficients: &[Fr], x: Fr) -> Fr {
    coefficients
        .iter()
        .rev()
        .fold(Fr::zero(), |acc, c| acc * x + c)
}

/// `acc += scale * p`, growing `acc` if `p` is longer.
fn add_scaled(acc: &mut Vec<Fr>, p: &[Fr], scale: Fr) {
    if acc.len() < p.len() {
        acc.resize(p.len(), Fr::zero());
    }
    for (a, c) in acc.iter_mut().zip(p) {
        *a += scale * c;
    }
}

/// `p / (X - z)` by synthetic division, for a `p` with `p(z) = 0` (the remainder is dropped;
/// a nonzero one makes the opening proof fail verification, which the prover checks).
fn divide_by_linear(p: &[Fr], z: Fr) -> Vec<Fr> {
    let mut quotient = vec![Fr::zero(); p.len().saturating_sub(1)];
    let mut carry = Fr::zero();
    for i in (1..p.len()).rev() {
        carry = p[i] + carry * z;
        quotient[i - 1] = carry;
    }
    quotient
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};
    use ark_std::test_rng;
    use kiln_host::ArkworksBackend;

    #[test]
    fn closed_forms_of_x_and_l1_match_coset_ffts() {
        for n in [8usize, 64, 1024] {
            let shift = Fr::GENERATOR;
            let w4 = Fr::get_root_of_unity(4).unwrap();
            let gn = shift.pow([n as u64]);
            let zh: Vec<Fr> = (0..4u64).map(|i| gn * w4.pow([i]) - Fr::one()).collect();
            let (x, l1) = x_and_l1_on_coset(n, shift, &zh);
            let coset = Radix2EvaluationDomain::<Fr>::new(4 * n)
                .unwrap()
                .get_coset(shift)
                .unwrap();
            let inverse_n = Fr::from(n as u64).inverse().unwrap();
            assert_eq!(x, coset.fft(&[Fr::zero(), Fr::one()]), "X, n = {n}");
            assert_eq!(l1, coset.fft(&vec![inverse_n; n]), "L1, n = {n}");
        }
    }

    #[test]
    fn synthetic_division_matches_arkworks() {
        let rng = &mut test_rng();
        let p = DensePolynomial::<Fr>::rand(20, rng);
        let z = Fr::rand(rng);
        let mut shifted = p.coeffs.clone();
        shifted[0] -= p.evaluate(&z);
        let q = divide_by_linear(&shifted, z);
        let divisor = DensePolynomial::from_coefficients_vec(vec![-z, Fr::one()]);
        let product = &DensePolynomial::from_coefficients_vec(q) * &divisor;
        assert_eq!(product.coeffs, shifted);
        assert_eq!(evaluate(&p.coeffs, z), p.evaluate(&z));
    }

    #[test]
    fn lagrange_values_interpolate() {
        let rng = &mut test_rng();
        let n = 8;
        let x = Fr::rand(rng);
        let l = lagrange_at(x, n, n);
        // sum_i L_i(x) = 1, and sum_i w^(i-1) L_i(x) = x.
        assert_eq!(l.iter().sum::<Fr>(), Fr::one());
        let omega = Fr::get_root_of_unity(n as u64).unwrap();
        let mut w = Fr::one();
        let mut acc = Fr::zero();
        for li in &l {
            acc += w * li;
            w *= omega;
        }
        assert_eq!(acc, x);
    }

    #[test]
    fn blinding_adds_a_multiple_of_the_vanishing_polynomial() {
        let rng = &mut test_rng();
        let n = 8;
        let coefficients: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        let backend = ArkworksBackend::new();
        let values = {
            let mut v = backend.upload_scalars(&coefficients).unwrap();
            (&backend as &dyn Backend)
                .ntt(&mut v, NttOp::Forward)
                .unwrap();
            (&backend as &dyn Backend).download_scalars(&v).unwrap()
        };
        // A blinded polynomial agrees with the unblinded one on the domain, and differs off it.
        let omega = Fr::get_root_of_unity(n as u64).unwrap();
        let mut blinded = coefficients.clone();
        let f = [Fr::rand(rng), Fr::rand(rng)];
        blinded.resize(n + 2, Fr::zero());
        for (i, fi) in f.iter().enumerate() {
            blinded[n + i] += fi;
            blinded[i] -= fi;
        }
        for (i, value) in values.iter().enumerate() {
            assert_eq!(evaluate(&blinded, omega.pow([i as u64])), *value);
        }
        let off = Fr::rand(rng);
        assert_ne!(evaluate(&blinded, off), evaluate(&coefficients, off));
    }
}
