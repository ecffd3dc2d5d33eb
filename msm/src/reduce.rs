//! Bucket reduction and window combination, on the host, for any curve group.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;

use crate::plan::{signed_digits, MsmPlan};

/// `sum_b b * buckets[b - 1]` for buckets numbered from 1, by a running sum from the top
/// bucket down: two additions per bucket instead of a scalar multiplication each.
pub fn window_sum<G: CurveGroup>(buckets: &[G]) -> G {
    let mut running = G::zero();
    let mut sum = G::zero();
    for bucket in buckets.iter().rev() {
        running += bucket;
        sum += running;
    }
    sum
}

/// `sum_j 2^(c j) * windows[j]`, least significant window first (Horner: `c` doublings per
/// window).
pub fn combine_windows<G: CurveGroup>(windows: &[G], c: u32) -> G {
    windows.iter().rev().fold(G::zero(), |mut acc, w| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + w
    })
}

/// The whole signed-digit bucket method on the host, window by window:
/// `sum_i scalars[i] * bases[i]`. Slow and simple; the oracle for device drivers.
pub fn reference_msm<A>(bases: &[A], scalars: &[Fr], plan: MsmPlan) -> A::Group
where
    A: AffineRepr<ScalarField = Fr>,
    A::Group: CurveGroup,
{
    assert_eq!(
        bases.len(),
        scalars.len(),
        "bases and scalars differ in length"
    );
    let c = plan.window_bits;
    let digits: Vec<_> = scalars.iter().map(|s| signed_digits(s, c)).collect();
    let windows: Vec<A::Group> = (0..plan.windows() as usize)
        .map(|j| {
            let mut buckets = vec![A::Group::zero(); plan.buckets_per_window() as usize];
            for (base, d) in bases.iter().zip(&digits) {
                let d = d[j];
                if d.magnitude() == 0 || base.is_zero() {
                    continue;
                }
                let bucket = &mut buckets[d.magnitude() as usize - 1];
                if d.is_negative() {
                    *bucket -= base.into_group();
                } else {
                    *bucket += base.into_group();
                }
            }
            window_sum(&buckets)
        })
        .collect();
    combine_windows(&windows, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn reference_msm_matches_arkworks_g1_and_g2() {
        let mut rng = seeded_rng("reference msm");
        for (n, c) in [(1usize, 1u32), (7, 3), (33, 5), (100, 8), (64, 13)] {
            let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            scalars[0] = -Fr::from(1u64);
            let g1: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let g2: Vec<G2Affine> = (0..n)
                .map(|_| G2Projective::rand(&mut rng).into_affine())
                .collect();
            let plan = MsmPlan::with_window(n, c);
            assert_eq!(
                reference_msm(&g1, &scalars, plan),
                G1Projective::msm(&g1, &scalars).unwrap(),
                "G1 n={n} c={c}"
            );
            assert_eq!(
                reference_msm(&g2, &scalars, plan),
                G2Projective::msm(&g2, &scalars).unwrap(),
                "G2 n={n} c={c}"
            );
        }
    }

    #[test]
    fn infinity_bases_and_zero_scalars_contribute_nothing() {
        let mut rng = seeded_rng("reference msm edges");
        let p = G1Projective::rand(&mut rng).into_affine();
        let bases = [G1Affine::zero(), p, p];
        let scalars = [Fr::rand(&mut rng), Fr::from(0u64), Fr::from(3u64)];
        assert_eq!(
            reference_msm(&bases, &scalars, MsmPlan::for_len(3)),
            p * Fr::from(3u64)
        );
    }

    #[test]
    fn window_sum_weights_each_bucket_by_its_number() {
        let mut rng = seeded_rng("window sum");
        let buckets: Vec<G1Projective> = (0..9).map(|_| G1Projective::rand(&mut rng)).collect();
        let expected: G1Projective = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| *b * Fr::from(i as u64 + 1))
            .sum();
        assert_eq!(window_sum(&buckets), expected);
        let w = [buckets[0], buckets[1], buckets[2]];
        assert_eq!(
            combine_windows(&w, 4),
            w[0] + w[1] * Fr::from(16u64) + w[2] * Fr::from(256u64)
        );
    }
}
