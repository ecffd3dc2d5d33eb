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
//!    the whole assignment (a few points more, instead of a second copy of the witness). The B
//!    queries, often a third points at infinity, are kept without those, and their MSMs take
//!    the assignment's values at the remaining positions.
//! 3. Combine them with `r, s` on the host:
//!    `A = alpha + sum a_i A_i + r delta`, `B = beta + sum a_i B_i + s delta` (in G1 and G2),
//!    `C = sum_private a_i L_i + sum h_i H_i + s A + r B_1 - r s delta`.
//! 4. Verify with the key's own verifying key, B's subgroup included (the pairing check does
//!    not look at subgroups, and a key loaded as trusted has unchecked B points).
//! 5. If the proof does not verify, say why ([`crate::error::unverified_proof`]): on a device,
//!    the cpu reference proves the same inputs again to tell a device fault from bad inputs.

use std::borrow::Cow;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
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

/// The B queries lose their points at infinity where at least one in this many is one. A
/// circom circuit's B queries are about a third infinity (the signals that no B row reads:
/// 2,431 of 7,112 in the 7,200-constraint benchmark key), which a prover would otherwise keep
/// resident and feed to every MSM.
const SPARSE_B_SHARE: usize = 8;

/// The positions of the B queries' finite points, where the two queries have their points at
/// infinity at the same positions (they come from one matrix, so a well-formed key does) and
/// enough of them are ([`SPARSE_B_SHARE`]); `None` to keep the queries whole.
fn sparse_b(b_g1: &[G1Affine], b_g2: &[G2Affine]) -> Option<Vec<u32>> {
    if b_g1.len() != b_g2.len() || u32::try_from(b_g1.len()).is_err() {
        return None;
    }
    let mut kept = Vec::new();
    for (i, (p, q)) in b_g1.iter().zip(b_g2).enumerate() {
        if p.is_zero() != q.is_zero() {
            return None;
        }
        if !p.is_zero() {
            kept.push(i as u32);
        }
    }
    let dropped = b_g1.len() - kept.len();
    (dropped > 0 && dropped >= b_g1.len() / SPARSE_B_SHARE).then(|| {
        kept.shrink_to_fit();
        kept
    })
}

/// The assignment's values at `kept`; an assignment too short for the B queries is refused
/// as the MSM itself would refuse it.
fn gather(assignment: &[Fr], kept: &[u32]) -> Result<Vec<Fr>> {
    kept.iter()
        .map(|&i| assignment.get(i as usize).copied())
        .collect::<Option<Vec<Fr>>>()
        .ok_or_else(|| {
            ProverError::Backend(kiln_host::Error::InvalidArgument(format!(
                "the assignment has {} values, fewer than the B queries' points",
                assignment.len()
            )))
        })
}

/// `points` without its points at infinity (in place where owned).
fn finite_only<P: SWCurveConfig>(points: Cow<'_, [Affine<P>]>) -> Cow<'_, [Affine<P>]> {
    match points {
        Cow::Owned(mut p) => {
            p.retain(|point| !point.is_zero());
            p.shrink_to_fit();
            Cow::Owned(p)
        }
        Cow::Borrowed(p) => {
            Cow::Owned(p.iter().filter(|point| !point.is_zero()).copied().collect())
        }
    }
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
    /// Where the B queries were uploaded without their points at infinity ([`sparse_b`]): the
    /// assignment's positions that their MSMs read.
    b_kept: Option<Vec<u32>>,
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
        let b_kept = sparse_b(&queries.b_g1, &queries.b_g2);
        let (b_g1, b_g2) = match b_kept {
            Some(_) => (finite_only(queries.b_g1), finite_only(queries.b_g2)),
            None => (queries.b_g1, queries.b_g2),
        };
        Ok(ResidentKey {
            a: upload_g1(backend, queries.a)?,
            b_g1: upload_g1(backend, b_g1)?,
            b_g2: upload_g2(backend, b_g2)?,
            b_kept,
            private: upload_private(backend, queries.private, vk.gamma_abc_g1.len())?,
            h: upload_g1(backend, queries.h)?,
            points,
            pvk: prepare_verifying_key(vk),
            names,
            backend,
        })
    }

    /// The five MSMs at once, sharing the host's thread pool ([`crate::schedule`]).
    fn concurrent_msms(&self, full: &Scalars, for_b: &Scalars, h: &Scalars) -> Result<MsmResults> {
        let b = self.backend;
        let ((a, b_g1), (b_g2, (private, h))) = rayon::join(
            || rayon::join(|| b.msm_g1(&self.a, full), || b.msm_g1(&self.b_g1, for_b)),
            || {
                rayon::join(
                    || b.msm_g2(&self.b_g2, for_b),
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
        let (full, sparse) = t.time(self.names.upload, || -> Result<_> {
            // The B queries' scalars, where their points at infinity were left out.
            let sparse = match &self.b_kept {
                Some(kept) => Some(backend.upload_scalars_owned(gather(&assignment, kept)?)?),
                None => None,
            };
            let full = match assignment {
                Cow::Borrowed(a) => backend.upload_scalars(a),
                Cow::Owned(a) => backend.upload_scalars_owned(a),
            }?;
            Ok((full, sparse))
        })?;
        let for_b = sparse.as_ref().unwrap_or(&full);
        let MsmResults {
            a,
            b_g1,
            b_g2,
            private,
            h,
        } = if crate::schedule::concurrent(backend) {
            t.time("msms A, B (G1), B (G2), private, H (concurrent)", || {
                self.concurrent_msms(&full, for_b, h)
            })?
        } else {
            MsmResults {
                a: t.time("msm A (G1)", || backend.msm_g1(&self.a, &full))?,
                b_g1: t.time("msm B (G1)", || backend.msm_g1(&self.b_g1, for_b))?,
                b_g2: t.time("msm B (G2)", || backend.msm_g2(&self.b_g2, for_b))?,
                private: t.time(self.names.private_msm, || {
                    backend.msm_g1(&self.private, &full)
                })?,
                h: t.time("msm H (G1)", || backend.msm_g1(&self.h, h))?,
            }
        };

        // The MSMs' buckets are freed, mostly inside the worker threads' arenas, where they
        // would stay resident through verification and after the proof.
        crate::memory::return_free_memory();

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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    fn points(pattern: &[bool]) -> (Vec<G1Affine>, Vec<G2Affine>) {
        let mut rng = StdRng::seed_from_u64(17);
        pattern
            .iter()
            .map(|&finite| {
                if finite {
                    let k = Fr::rand(&mut rng);
                    (
                        (G1Projective::generator() * k).into_affine(),
                        (G2Projective::generator() * k).into_affine(),
                    )
                } else {
                    (G1Affine::zero(), G2Affine::zero())
                }
            })
            .unzip()
    }

    #[test]
    fn b_queries_lose_their_points_at_infinity_only_where_it_pays_and_is_safe() {
        // A third at infinity, at the same positions in both queries: kept are the others.
        let pattern: Vec<bool> = (0..30).map(|i| i % 3 != 1).collect();
        let (g1, g2) = points(&pattern);
        let kept = sparse_b(&g1, &g2).expect("a third at infinity");
        let expected: Vec<u32> = (0..30).filter(|i| i % 3 != 1).collect();
        assert_eq!(kept, expected);
        let finite = finite_only(Cow::Borrowed(&g1[..]));
        assert_eq!(finite.len(), kept.len());
        assert!(finite.iter().zip(&kept).all(|(p, &i)| *p == g1[i as usize]));
        assert_eq!(finite_only(Cow::Owned(g2.clone())).len(), kept.len());

        // Fewer than one in SPARSE_B_SHARE at infinity: the queries stay whole.
        let mut few = vec![true; 30];
        few[4] = false;
        let (g1, g2) = points(&few);
        assert_eq!(sparse_b(&g1, &g2), None);
        // None at all.
        let (g1, g2) = points(&[true; 8]);
        assert_eq!(sparse_b(&g1, &g2), None);
        // Different positions in G1 and G2 (not one matrix's): whole.
        let (g1, mut g2) = points(&pattern);
        g2.swap(0, 1);
        assert_eq!(sparse_b(&g1, &g2), None);
        // Different lengths: whole.
        let (g1, g2) = points(&pattern);
        assert_eq!(sparse_b(&g1, &g2[..29]), None);
    }

    #[test]
    fn the_b_scalars_are_the_assignment_at_the_kept_positions() {
        let assignment: Vec<Fr> = (0..10u64).map(Fr::from).collect();
        assert_eq!(
            gather(&assignment, &[0, 3, 9]).unwrap(),
            vec![Fr::from(0u64), Fr::from(3u64), Fr::from(9u64)]
        );
        assert!(gather(&assignment, &[0, 10]).is_err());
    }
}
