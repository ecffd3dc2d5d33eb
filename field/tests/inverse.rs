//! kiln's field inversion (safegcd) against arkworks' on random values and the edges, for
//! BN254's Fq, Fr and Fq2, and the batch inversion against element-wise inverses.

use ark_bn254::{Fq, Fq2, Fr};
use ark_ff::{Field, PrimeField, UniformRand, Zero};
use kiln_field::inverse::{batch_invert, batch_invert_array, Invert};
use kiln_host::conformance::seeded_rng;

fn edges<F: PrimeField>() -> Vec<F> {
    let mut v = vec![F::one(), -F::one(), F::from(2u64), -F::from(2u64)];
    // Powers of two across the limbs, and their negations.
    for k in [1u64, 63, 64, 65, 127, 128, 191, 192, 250] {
        let p = F::from(2u64).pow([k]);
        v.extend([p, -p, p - F::one()]);
    }
    v
}

fn check_prime<F: PrimeField + Invert>(label: &str) {
    let mut rng = seeded_rng(label);
    let mut values = edges::<F>();
    values.extend((0..4000).map(|_| F::rand(&mut rng)));
    for x in &values {
        assert_eq!(x.invert(), x.inverse(), "{label}: {x}");
    }
    assert_eq!(F::zero().invert(), None);
}

#[test]
fn fq_and_fr_inverses_match_arkworks() {
    check_prime::<Fq>("invert fq");
    check_prime::<Fr>("invert fr");
}

#[test]
fn fq2_inverses_match_arkworks() {
    let mut rng = seeded_rng("invert fq2");
    let mut values: Vec<Fq2> = (0..2000).map(|_| Fq2::rand(&mut rng)).collect();
    // Pure real and pure imaginary elements: one component zero.
    values.extend(edges::<Fq>().into_iter().flat_map(|e| {
        [
            Fq2::new(e, Fq::zero()),
            Fq2::new(Fq::zero(), e),
            Fq2::new(e, e),
        ]
    }));
    for x in &values {
        assert_eq!(x.invert(), x.inverse(), "{x}");
    }
    assert_eq!(Fq2::zero().invert(), None);
}

#[test]
fn batch_inversion_inverts_each_value_and_keeps_zeros() {
    let mut rng = seeded_rng("batch invert");
    for len in [0usize, 1, 2, 7, 64, 1000] {
        let mut values: Vec<Fq> = (0..len)
            .map(|i| {
                if i % 5 == 3 {
                    Fq::zero()
                } else {
                    Fq::rand(&mut rng)
                }
            })
            .collect();
        let want: Vec<Fq> = values
            .iter()
            .map(|v| v.inverse().unwrap_or(Fq::zero()))
            .collect();
        batch_invert(&mut values);
        assert_eq!(values, want, "len {len}");
    }
    let mut eight: [Fq2; 8] = std::array::from_fn(|i| {
        if i == 2 {
            Fq2::zero()
        } else {
            Fq2::rand(&mut rng)
        }
    });
    let want = eight.map(|v| v.inverse().unwrap_or(Fq2::zero()));
    batch_invert_array(&mut eight);
    assert_eq!(eight, want);
}
