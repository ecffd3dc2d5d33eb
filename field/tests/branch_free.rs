//! The branch-free operations against arkworks' on random values (seed printed) and on the
//! values at the edges of the representation: 0, 1, 2, p - 1, p - 2 and (p - 1) / 2.

use ark_bn254::{Fq, Fq2, FqConfig, FrConfig};
use ark_ff::{AdditiveGroup, Field, MontConfig, One, PrimeField, UniformRand, Zero};
use kiln_field::{add, sub, BranchFree, Fp4};
use kiln_host::conformance::seeded_rng;

fn check<C: MontConfig<4>>(label: &str)
where
    Fp4<C>: PrimeField,
{
    let mut rng = seeded_rng(label);
    let one = Fp4::<C>::one();
    let minus_one = -one;
    let half = minus_one * (one + one).inverse().unwrap();
    let mut values = vec![
        Fp4::<C>::zero(),
        one,
        one + one,
        minus_one,
        minus_one - one,
        half,
        half + one,
    ];
    values.extend((0..200).map(|_| Fp4::<C>::rand(&mut rng)));
    for a in &values {
        assert_eq!(a.double_bf(), a.double(), "{label}: 2 * {a}");
        for b in &values {
            assert_eq!(add(a, b), *a + b, "{label}: {a} + {b}");
            assert_eq!(sub(a, b), *a - b, "{label}: {a} - {b}");
        }
    }
}

#[test]
fn fr_matches_arkworks() {
    check::<FrConfig>("branch-free Fr");
}

#[test]
fn fq2_matches_arkworks() {
    let mut rng = seeded_rng("branch-free Fq2");
    let minus_one = -Fq::one();
    let mut values = vec![
        Fq2::zero(),
        Fq2::one(),
        Fq2::new(minus_one, minus_one),
        Fq2::new(Fq::zero(), minus_one),
    ];
    values.extend((0..50).map(|_| Fq2::rand(&mut rng)));
    for a in &values {
        assert_eq!(a.double_bf(), a.double(), "2 * {a}");
        for b in &values {
            assert_eq!(a.add_bf(b), *a + b, "{a} + {b}");
            assert_eq!(a.sub_bf(b), *a - b, "{a} - {b}");
        }
    }
}

#[test]
fn fq_matches_arkworks() {
    check::<FqConfig>("branch-free Fq");
}
