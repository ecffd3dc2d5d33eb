//! The end of every Groth16 proof, whichever key format and QAP came before it.
//!
//! Both provers ([`super::Groth16Prover`] for arkworks keys, [`super::SnarkjsProver`] for
//! snarkjs keys) compute `h` their own way (libsnark's and snarkjs's QAPs differ), then finish
//! the same way, here:
//!
//! 1. Upload the assignment (all variables).
//! 2. Five MSMs over the resident query vectors: A, B (G1), B (G2) and the private-input query
//!    (arkworks calls it L, snarkjs C) with the assignment; H with `h`. The private query is
//!    kept with the identity in front for the constant and the public inputs, so that it takes
//!    the whole assignment (a few points more, instead of a second copy of the witness).
//! 3. Combine them with `r, s` on the host:
//!    `A = alpha + sum a_i A_i + r delta`, `B = beta + sum a_i B_i + s delta` (in G1 and G2),
//!    `C = sum_private a_i L_i + sum h_i H_i + s A + r B_1 - r s delta`.
//! 4. Verify with the key's own verifying key, B's subgroup included (the pairing check does
//!    not look at subgroups, and a key loaded as trusted has unchecked B points).
//! 5. If the proof does not verify, say why ([`crate::error::unverified_proof`]): on a device,
//!    the cpu reference proves the same inputs again to tell a device fault from bad inputs.

use std::borrow::Cow;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::CurveGroup;
use ark_groth16::{prepare_verifying_key, Groth16, PreparedVerifyingKey, Proof, VerifyingKey};
use kiln_host::{Backend, G1Bases, G2Bases, Scalars};

use crate::error::{ProverError, Result};
use crate::timings::StageTimings;

/// A key's query vectors, on the host, before upload: borrowed (the prover keeps its key) or
/// owned (moved to the backend, which on the host keeps them without a copy).
pub(crate) struct Queries<'k> {
    pub a: Cow<'k, [G1Affine]>,
    pub b_g1: Cow<'k, [G1Affine]>,
    pub b_g2: Cow<'k, [G2Affine]>,
    /// The query for the private inputs: arkworks' L, snarkjs's C.
    pub private: Cow<'k, [G1Affine]>,
    /// As many points as `h` has coefficients.
    pub h: Cow<'k, [G1Affine]>,
}

fn upload_g1(backend: &dyn Backend, points: Cow<'_, [G1Affine]>) -> Result<G1Bases> {
    Ok(match points {
        Cow::Borrowed(p) => backend.upload_g1(p)?,
        Cow::Owned(p) => backend.upload_g1_owned(p)?,
    })
}

/// The private-input query with `leading` identity points in front (the constant one and the
/// public inputs, whose scalars the MSM then skips), so that its MSM takes the whole assignment.
/// An owned query grows in place (a large vector is remapped, not copied).
fn upload_private(
    backend: &dyn Backend,
    points: Cow<'_, [G1Affine]>,
    leading: usize,
) -> Result<G1Bases> {
    let identity = std::iter::repeat_n(G1Affine::identity(), leading);
    let padded = match points {
        Cow::Borrowed(p) => identity.chain(p.iter().copied()).collect(),
        Cow::Owned(mut p) => {
            p.reserve_exact(leading);
            p.splice(0..0, identity);
            p
        }
    };
    Ok(backend.upload_g1_owned(padded)?)
}

fn upload_g2(backend: &dyn Backend, points: Cow<'_, [G2Affine]>) -> Result<G2Bases> {
    Ok(match points {
        Cow::Borrowed(p) => backend.upload_g2(p)?,
        Cow::Owned(p) => backend.upload_g2_owned(p)?,
    })
}

/// The five MSMs of a proof.
struct MsmResults {
    a: G1Projective,
    b_g1: G1Projective,
    b_g2: G2Projective,
    private: G1Projective,
    h: G1Projective,
}

/// The key's points that the combination adds to the MSMs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyPoints {
    pub alpha_g1: G1Affine,
    pub beta_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub delta_g1: G1Affine,
    pub delta_g2: G2Affine,
}

/// What the two provers call two of the tail's stages (`kiln prove --stages` prints them).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StageNames {
    /// Uploading the assignment.
    pub upload: &'static str,
    /// The MSM over the private-input query.
    pub private_msm: &'static str,
}

/// A Groth16 key's query vectors resident on one backend, with what it takes to combine their
/// MSMs into a proof and to verify it.
pub(crate) struct ResidentKey<'b> {
    backend: &'b dyn Backend,
    a: G1Bases,
    b_g1: G1Bases,
    b_g2: G2Bases,
    private: G1Bases,
    h: G1Bases,
    points: KeyPoints,
    pvk: PreparedVerifyingKey<Bn254>,
    names: StageNames,
}

impl<'b> ResidentKey<'b> {
    /// Uploads `queries` to `backend`, where they stay for every proof.
    pub fn upload(
        backend: &'b dyn Backend,
        queries: Queries<'_>,
        points: KeyPoints,
        vk: &VerifyingKey<Bn254>,
        names: StageNames,
    ) -> Result<Self> {
        Ok(ResidentKey {
            a: upload_g1(backend, queries.a)?,
            b_g1: upload_g1(backend, queries.b_g1)?,
            b_g2: upload_g2(backend, queries.b_g2)?,
            private: upload_private(backend, queries.private, vk.gamma_abc_g1.len())?,
            h: upload_g1(backend, queries.h)?,
            points,
            pvk: prepare_verifying_key(vk),
            names,
            backend,
        })
    }

    /// The five MSMs at once, sharing the host's thread pool ([`crate::schedule`]).
    fn concurrent_msms(&self, full: &Scalars, h: &Scalars) -> Result<MsmResults> {
        let b = self.backend;
        let ((a, b_g1), (b_g2, (private, h))) = rayon::join(
            || rayon::join(|| b.msm_g1(&self.a, full), || b.msm_g1(&self.b_g1, full)),
            || {
                rayon::join(
                    || b.msm_g2(&self.b_g2, full),
                    || rayon::join(|| b.msm_g1(&self.private, full), || b.msm_g1(&self.h, h)),
                )
            },
        );
        Ok(MsmResults {
            a: a?,
            b_g1: b_g1?,
            b_g2: b_g2?,
            private: private?,
            h: h?,
        })
    }

    /// The backend the queries live on.
    pub fn backend(&self) -> &'b dyn Backend {
        self.backend
    }

    /// Finishes a proof of `assignment` (the constant one, the public inputs, then the private
    /// ones) from `h`, resident on the backend, and `r, s`, timing each stage into `t`. An
    /// owned assignment moves to the backend (on the host, without a copy). A proof that does
    /// not verify is never returned: `diagnose`, given the assignment back, says why it failed.
    pub fn prove(
        &self,
        t: &mut StageTimings,
        assignment: Cow<'_, [Fr]>,
        h: &Scalars,
        r: Fr,
        s: Fr,
        diagnose: impl FnOnce(&[Fr]) -> ProverError,
    ) -> Result<Proof<Bn254>> {
        let backend = self.backend;
        let n_public = self.pvk.vk.gamma_abc_g1.len() - 1;
        let public = assignment.get(1..=n_public).unwrap_or_default().to_vec();
        let kept = match &assignment {
            Cow::Borrowed(a) => Some(*a),
            Cow::Owned(_) => None,
        };
        let full = t.time(self.names.upload, || match assignment {
            Cow::Borrowed(a) => backend.upload_scalars(a),
            Cow::Owned(a) => backend.upload_scalars_owned(a),
        })?;
        let MsmResults {
            a,
            b_g1,
            b_g2,
            private,
            h,
        } = if crate::schedule::concurrent(backend) {
            t.time("msms A, B (G1), B (G2), private, H (concurrent)", || {
                self.concurrent_msms(&full, h)
            })?
        } else {
            MsmResults {
                a: t.time("msm A (G1)", || backend.msm_g1(&self.a, &full))?,
                b_g1: t.time("msm B (G1)", || backend.msm_g1(&self.b_g1, &full))?,
                b_g2: t.time("msm B (G2)", || backend.msm_g2(&self.b_g2, &full))?,
                private: t.time(self.names.private_msm, || {
                    backend.msm_g1(&self.private, &full)
                })?,
                h: t.time("msm H (G1)", || backend.msm_g1(&self.h, h))?,
            }
        };

        let proof = t.time("combine", || {
            let k = &self.points;
            let delta_g1 = G1Projective::from(k.delta_g1);
            let g_a = a + k.alpha_g1 + delta_g1 * r;
            let g1_b = b_g1 + k.beta_g1 + delta_g1 * s;
            let g2_b = b_g2 + k.beta_g2 + G2Projective::from(k.delta_g2) * s;
            let g_c = private + h + g_a * s + g1_b * r - delta_g1 * (r * s);
            Proof::<Bn254> {
                a: g_a.into_affine(),
                b: g2_b.into_affine(),
                c: g_c.into_affine(),
            }
        });

        let verified = t.time("verify", || {
            proof.b.is_in_correct_subgroup_assuming_on_curve()
                && Groth16::<Bn254>::verify_proof(&self.pvk, &proof, &public).unwrap_or(false)
        });
        if verified {
            return Ok(proof);
        }
        Err(match kept {
            Some(assignment) => diagnose(assignment),
            None => match backend.download_scalars(&full) {
                Ok(assignment) => diagnose(&assignment),
                Err(e) => e.into(),
            },
        })
    }
}
