//! The PLONK verifier, computing what snarkjs's `plonk verify` computes (`plonk_verify.js`,
//! after the PLONK paper, eprint 2019/953, section 8.3), so that kiln and snarkjs agree on every
//! proof.
//!
//! Parsing (evaluations and public signals below r, points on the curve) is done by
//! [`super::json`] or by whoever builds the values; here every input is a valid field element or
//! point already. snarkjs's separate point sums (`D`, `F`, `E`, `B1`) are one MSM here: the same
//! linear combination, computed once. Scalars keep snarkjs's names.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use thiserror::Error;

use super::transcript::Transcript;
use super::{PlonkProof, PlonkVerifyingKey};

/// Why a proof was not accepted.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum Rejection {
    /// The statement does not fit the key (snarkjs: "Invalid number of public inputs").
    #[error("{given} public signals given, the verification key expects {expected}")]
    PublicCount { given: usize, expected: usize },
    /// The key's domain does not exist in BN254's scalar field.
    #[error("power {0} is beyond BN254's largest domain (2^28)")]
    Domain(u32),
    /// The challenge xi landed on the domain, where the vanishing polynomial is zero and the
    /// check proves nothing. Honest proofs hit this with negligible probability.
    #[error("the evaluation point xi lies in the domain")]
    XiInDomain,
    /// The final KZG pairing check failed: the proof is not valid for this statement.
    #[error("the pairing check failed")]
    Pairing,
}

/// `true` when the proof is valid for this key and these public signals.
pub fn verify(vk: &PlonkVerifyingKey, public: &[Fr], proof: &PlonkProof) -> bool {
    check(vk, public, proof).is_ok()
}

/// The generator of the domain of size 2^power (snarkjs's `Fr.w[power]`, which is arkworks'
/// root of unity: both are the two-adic root for generator 5, squared down).
pub(crate) fn domain_root(power: u32) -> Option<Fr> {
    if power > Fr::TWO_ADICITY {
        return None;
    }
    Fr::get_root_of_unity(1u64 << power)
}

/// The Fiat-Shamir challenges, in transcript order.
struct Challenges {
    beta: Fr,
    gamma: Fr,
    alpha: Fr,
    xi: Fr,
    /// v[0] is v1 of the paper; v[i] = v1^(i+1).
    v: [Fr; 5],
    u: Fr,
}

fn challenges(vk: &PlonkVerifyingKey, public: &[Fr], proof: &PlonkProof) -> Challenges {
    let mut t = Transcript::new();
    for p in [
        &vk.qm, &vk.ql, &vk.qr, &vk.qo, &vk.qc, &vk.s1, &vk.s2, &vk.s3,
    ] {
        t.add_point(p);
    }
    public.iter().for_each(|s| t.add_scalar(s));
    for p in [&proof.a, &proof.b, &proof.c] {
        t.add_point(p);
    }
    let beta = t.challenge();
    t.add_scalar(&beta);
    let gamma = t.challenge();
    t.add_scalar(&beta);
    t.add_scalar(&gamma);
    t.add_point(&proof.z);
    let alpha = t.challenge();
    t.add_scalar(&alpha);
    for p in [&proof.t1, &proof.t2, &proof.t3] {
        t.add_point(p);
    }
    let xi = t.challenge();
    t.add_scalar(&xi);
    for e in [
        &proof.eval_a,
        &proof.eval_b,
        &proof.eval_c,
        &proof.eval_s1,
        &proof.eval_s2,
        &proof.eval_zw,
    ] {
        t.add_scalar(e);
    }
    let v1 = t.challenge();
    let mut v = [v1; 5];
    for i in 1..5 {
        v[i] = v[i - 1] * v1;
    }
    t.add_point(&proof.wxi);
    t.add_point(&proof.wxiw);
    let u = t.challenge();
    Challenges {
        beta,
        gamma,
        alpha,
        xi,
        v,
        u,
    }
}

/// `L_1(xi) .. L_count(xi)` over the domain of size `2^power` with generator `w`:
/// `L_i(xi) = w^(i-1) (xi^n - 1) / (n (xi - w^(i-1)))`. `None` when xi is in the domain.
fn lagrange(xi: Fr, power: u32, w: Fr, count: usize) -> Option<Vec<Fr>> {
    let n = Fr::from(1u64 << power);
    let zh = xi.pow([1u64 << power]) - Fr::one();
    let mut powers = Vec::with_capacity(count);
    let mut wi = Fr::one();
    for _ in 0..count {
        powers.push(wi);
        wi *= w;
    }
    let mut denominators: Vec<Fr> = powers.iter().map(|wi| n * (xi - wi)).collect();
    if denominators.iter().any(Zero::is_zero) {
        return None;
    }
    batch_inversion(&mut denominators);
    Some(
        powers
            .iter()
            .zip(&denominators)
            .map(|(wi, inv)| *wi * zh * inv)
            .collect(),
    )
}

/// Verifies, saying why a proof is refused.
pub fn check(vk: &PlonkVerifyingKey, public: &[Fr], proof: &PlonkProof) -> Result<(), Rejection> {
    if public.len() != vk.n_public {
        return Err(Rejection::PublicCount {
            given: public.len(),
            expected: vk.n_public,
        });
    }
    let w = domain_root(vk.power).ok_or(Rejection::Domain(vk.power))?;
    let Challenges {
        beta,
        gamma,
        alpha,
        xi,
        v,
        u,
    } = challenges(vk, public, proof);
    let p = proof;

    let xin = xi.pow([1u64 << vk.power]);
    let zh = xin - Fr::one();
    // Stricter than snarkjs, which goes on (dividing by zero where xi is one of the first
    // nPublic points): at zh = 0 the quotient commitments drop out of the check, so it proves
    // nothing. An honest xi lands there with probability 2^power / r.
    if zh.is_zero() {
        return Err(Rejection::XiInDomain);
    }
    // snarkjs evaluates at least L_1 (needed for the permutation's start) even without inputs.
    let l = lagrange(xi, vk.power, w, public.len().max(1)).ok_or(Rejection::XiInDomain)?;
    let l1 = l[0];
    let pi = -public.iter().zip(&l).map(|(s, li)| *s * li).sum::<Fr>();
    let alpha2 = alpha.square();

    // r0: the constant part of the linearisation polynomial.
    let e3a = p.eval_a + beta * p.eval_s1 + gamma;
    let e3b = p.eval_b + beta * p.eval_s2 + gamma;
    let e3c = p.eval_c + gamma;
    let r0 = pi - l1 * alpha2 - e3a * e3b * e3c * p.eval_zw * alpha;

    // D = d1 + d2 - d3 - d4, the linearisation commitment.
    let betaxi = beta * xi;
    let d2a = (p.eval_a + betaxi + gamma)
        * (p.eval_b + betaxi * vk.k1 + gamma)
        * (p.eval_c + betaxi * vk.k2 + gamma)
        * alpha;
    let d2 = d2a + l1 * alpha2 + u;
    let d3 = e3a * e3b * alpha * beta * p.eval_zw;

    // E's scalar: the claimed evaluations, batched with v and u.
    let e = -r0
        + v[0] * p.eval_a
        + v[1] * p.eval_b
        + v[2] * p.eval_c
        + v[3] * p.eval_s1
        + v[4] * p.eval_s2
        + u * p.eval_zw;

    // A1 = Wxi + u Wxiw;  B1 = xi Wxi + u xi w Wxiw + F - E with F = D + v1 A + ... + v5 S2.
    let a1 = p.wxi.into_group() + p.wxiw * u;
    let terms: [(G1Affine, Fr); 18] = [
        (vk.qm, p.eval_a * p.eval_b),
        (vk.ql, p.eval_a),
        (vk.qr, p.eval_b),
        (vk.qo, p.eval_c),
        (vk.qc, Fr::one()),
        (p.z, d2),
        (vk.s3, -d3),
        (p.t1, -zh),
        (p.t2, -zh * xin),
        (p.t3, -zh * xin.square()),
        (p.a, v[0]),
        (p.b, v[1]),
        (p.c, v[2]),
        (vk.s1, v[3]),
        (vk.s2, v[4]),
        (G1Affine::generator(), -e),
        (p.wxi, xi),
        (p.wxiw, u * xi * w),
    ];
    let (bases, scalars): (Vec<_>, Vec<_>) = terms.into_iter().unzip();
    let b1 = G1Projective::msm_unchecked(&bases, &scalars);

    // e(-A1, [tau]_2) e(B1, [1]_2) = 1.
    let product = Bn254::multi_pairing(
        [(-a1).into_affine(), b1.into_affine()],
        [vk.x_2, G2Affine::generator()],
    );
    if product.0.is_one() {
        Ok(())
    } else {
        Err(Rejection::Pairing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    fn generator_key(n_public: usize) -> PlonkVerifyingKey {
        let g = G1Affine::generator();
        PlonkVerifyingKey {
            n_public,
            power: 3,
            k1: Fr::from(2u64),
            k2: Fr::from(3u64),
            qm: g,
            ql: g,
            qr: g,
            qo: g,
            qc: g,
            s1: g,
            s2: g,
            s3: g,
            x_2: (G2Affine::generator() * Fr::from(7u64)).into_affine(),
        }
    }

    fn generator_proof() -> PlonkProof {
        let g = G1Affine::generator();
        PlonkProof {
            a: g,
            b: g,
            c: g,
            z: g,
            t1: g,
            t2: g,
            t3: g,
            wxi: g,
            wxiw: g,
            eval_a: Fr::one(),
            eval_b: Fr::one(),
            eval_c: Fr::one(),
            eval_s1: Fr::one(),
            eval_s2: Fr::one(),
            eval_zw: Fr::one(),
        }
    }

    #[test]
    fn a_wrong_number_of_public_signals_is_refused_before_anything_else() {
        let vk = generator_key(2);
        let proof = generator_proof();
        assert_eq!(
            check(&vk, &[Fr::one()], &proof),
            Err(Rejection::PublicCount {
                given: 1,
                expected: 2
            })
        );
        assert!(!verify(&vk, &[Fr::one(); 3], &proof));
    }

    #[test]
    fn a_proof_of_generators_and_points_at_infinity_are_rejected_without_panicking() {
        let vk = generator_key(1);
        let mut proof = generator_proof();
        assert_eq!(
            check(&vk, &[Fr::from(5u64)], &proof),
            Err(Rejection::Pairing)
        );
        for p in [&mut proof.a, &mut proof.z, &mut proof.wxi, &mut proof.wxiw] {
            *p = G1Affine::identity();
        }
        assert_eq!(
            check(&vk, &[Fr::from(5u64)], &proof),
            Err(Rejection::Pairing)
        );
        let mut vk0 = generator_key(0);
        vk0.x_2 = G2Affine::identity();
        assert!(!verify(&vk0, &[], &proof));
    }

    #[test]
    fn a_key_beyond_the_largest_domain_is_refused() {
        let mut vk = generator_key(0);
        vk.power = 29;
        assert_eq!(
            check(&vk, &[], &generator_proof()),
            Err(Rejection::Domain(29))
        );
        assert!(domain_root(28).is_some() && domain_root(40).is_none());
    }

    #[test]
    fn lagrange_evaluations_match_ark_poly_and_refuse_points_of_the_domain() {
        let mut rng = kiln_host::conformance::seeded_rng("plonk lagrange");
        let power = 4;
        let w = domain_root(power).unwrap();
        let domain = Radix2EvaluationDomain::<Fr>::new(1 << power).unwrap();
        assert_eq!(domain.group_gen(), w);
        let xi = Fr::rand(&mut rng);
        let ours = lagrange(xi, power, w, 1 << power).unwrap();
        assert_eq!(ours, domain.evaluate_all_lagrange_coefficients(xi));
        // snarkjs wraps around the domain when nPublic exceeds its size; so does this.
        let wrapped = lagrange(xi, power, w, (1 << power) + 2).unwrap();
        assert_eq!(wrapped[1 << power], ours[0]);
        assert_eq!(lagrange(w, power, w, 2), None);
        assert_eq!(lagrange(Fr::one(), power, w, 1), None);
    }
}
