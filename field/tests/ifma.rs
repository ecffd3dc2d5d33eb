//! The eight-lane IFMA arithmetic and the batched chord additions against arkworks, on seeded
//! random values (seed printed) and on 0, 1, p - 1 and other edges, including values left at
//! the top of the loose reduction's range. Skipped, with a message, on CPUs without AVX-512
//! IFMA (the serial chord path is still checked there).
#![cfg(target_arch = "x86_64")]

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
use ark_ff::{Field, MontConfig, One, PrimeField, UniformRand, Zero};
use kiln_field::ifma::{IfmaModulus, Lanes, Multiple};
use kiln_field::{chord_batch_serial, ChordBatch, Fp4};
use kiln_host::conformance::seeded_rng;

fn edges<C: MontConfig<4>>() -> Vec<Fp4<C>>
where
    Fp4<C>: PrimeField,
{
    let one = Fp4::<C>::one();
    let half = -one * (one + one).inverse().unwrap();
    vec![
        Fp4::<C>::zero(),
        one,
        one + one,
        -one,
        -one - one,
        half,
        half + one,
    ]
}

fn values<C: MontConfig<4>>(label: &str, count: usize) -> Vec<Fp4<C>>
where
    Fp4<C>: PrimeField,
{
    let mut rng = seeded_rng(label);
    let mut v = edges::<C>();
    v.extend((0..count).map(|_| Fp4::<C>::rand(&mut rng)));
    // Pad to whole groups of eight.
    while !v.len().is_multiple_of(8) {
        v.push(Fp4::<C>::rand(&mut rng));
    }
    v
}

fn modulus<C: MontConfig<4>>() -> Option<IfmaModulus> {
    let m = IfmaModulus::new::<C>();
    if m.is_none() {
        eprintln!("no AVX-512 IFMA on this CPU: the lane arithmetic is not tested here");
    }
    m
}

/// Lanes of `xs` pushed to the top of the loose range: `x + 48 p` (below 64 p), made by
/// subtracting zero with the largest multiple.
fn loose<C: MontConfig<4>>(m: &IfmaModulus, xs: [&Fp4<C>; 8]) -> Lanes {
    let zero = Fp4::<C>::zero();
    unsafe { m.sub(&m.load(xs), &m.load([&zero; 8]), Multiple::P48) }
}

fn check_arithmetic<C: MontConfig<4>>(label: &str)
where
    Fp4<C>: PrimeField,
{
    let Some(m) = modulus::<C>() else { return };
    let v = values::<C>(label, 400);
    let mut rng = seeded_rng(&format!("{label} pairing"));
    for group in v.chunks(8) {
        let a: [&Fp4<C>; 8] = core::array::from_fn(|k| &group[k]);
        let other: Vec<Fp4<C>> = (0..8)
            .map(|k| {
                if k % 2 == 0 {
                    Fp4::<C>::rand(&mut rng)
                } else {
                    v[(k * 37 + group.len()) % v.len()]
                }
            })
            .collect();
        let b: [&Fp4<C>; 8] = core::array::from_fn(|k| &other[k]);
        unsafe {
            let (la, lb) = (m.load(a), m.load(b));
            assert_eq!(m.store::<C>(&la), group, "{label}: load then store");
            let products = m.store::<C>(&m.mul(&la, &lb));
            let sums = m.store::<C>(&m.add(&la, &lb));
            let differences = m.store::<C>(&m.sub(&la, &lb, Multiple::P16));
            // The same from the top of the loose range.
            let (ta, tb) = (loose(&m, a), loose(&m, b));
            let loose_products = m.store::<C>(&m.mul(&ta, &tb));
            for k in 0..8 {
                let (x, y) = (group[k], other[k]);
                assert_eq!(products[k], x * y, "{label}: {x} * {y}");
                assert_eq!(loose_products[k], x * y, "{label}: loose {x} * {y}");
                assert_eq!(sums[k], x + y, "{label}: {x} + {y}");
                assert_eq!(differences[k], x - y, "{label}: {x} - {y}");
            }
        }
    }
}

#[test]
fn fq_lanes_match_arkworks() {
    check_arithmetic::<FqConfig>("ifma Fq");
}

#[test]
fn fr_lanes_match_arkworks() {
    check_arithmetic::<FrConfig>("ifma Fr");
}

/// Entries with random coordinates (the chord formula holds for any field elements with
/// `x1 != x2`), their expected sums computed with arkworks' operators.
fn chord_entries<F: Field + UniformRand>(label: &str, count: usize) -> Vec<[F; 4]> {
    let mut rng = seeded_rng(label);
    (0..count)
        .map(|i| {
            let x1 = if i % 5 == 0 {
                F::zero()
            } else {
                F::rand(&mut rng)
            };
            let mut x2 = if i % 7 == 0 {
                -F::one()
            } else {
                F::rand(&mut rng)
            };
            if x2 == x1 {
                x2 += F::one();
            }
            // p - 1 (the largest canonical value) in every coordinate now and then: the loose
            // reduction's bounds are tightest there.
            let (x1, x2) = if i % 11 == 3 {
                (-F::one(), x1)
            } else {
                (x1, x2)
            };
            let y1 = match i % 6 {
                0 => F::zero(),
                3 => -F::one(),
                _ => F::rand(&mut rng),
            };
            let y2 = if i % 4 == 1 {
                -F::one()
            } else {
                F::rand(&mut rng)
            };
            [x1, y1, x2, y2]
        })
        .collect()
}

fn expected<F: Field>(entries: &[[F; 4]]) -> Vec<(F, F)> {
    entries
        .iter()
        .map(|&[x1, y1, x2, y2]| {
            let lambda = (y2 - y1) / (x2 - x1);
            let x3 = lambda.square() - x1 - x2;
            (x3, lambda * (x1 - x3) - y1)
        })
        .collect()
}

fn check_chord<F: ChordBatch + UniformRand>(label: &str) {
    for count in [1, 2, 7, 8, 9, 16, 63, 257] {
        let entries = chord_entries::<F>(&format!("{label} {count}"), count);
        let want = expected(&entries);
        let mut serial = entries.clone();
        chord_batch_serial(&mut serial);
        let mut batched = entries.clone();
        F::chord_batch(&mut batched);
        for (i, (x3, y3)) in want.iter().enumerate() {
            assert_eq!(
                (serial[i][0], serial[i][1]),
                (*x3, *y3),
                "{label}: serial {i}/{count}"
            );
            assert_eq!(
                (batched[i][0], batched[i][1]),
                (*x3, *y3),
                "{label}: batch {i}/{count}"
            );
        }
    }
}

#[test]
fn chord_batches_match_arkworks() {
    eprintln!(
        "lanes in use: Fq {}, Fq2 {}",
        Fq::lanes_available(),
        ark_bn254::Fq2::lanes_available()
    );
    if kiln_field::ifma::available() {
        // Where the CPU has IFMA, both of BN254's base fields must take the lane path (a
        // layout check failing would silently test the serial path twice).
        assert!(Fq::lanes_available() && ark_bn254::Fq2::lanes_available());
    }
    check_chord::<Fq>("chord Fq");
    check_chord::<Fr>("chord Fr");
    check_chord::<ark_bn254::Fq2>("chord Fq2");
}
