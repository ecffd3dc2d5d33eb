//! The device data layout against an independent big-integer model: canonical bytes are the
//! integer, Montgomery bytes are `x * 2^256 mod p`, both little-endian.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, One, PrimeField, UniformRand, Zero};
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::{self, Form, LayoutError};
use num_bigint::BigUint;

fn modulus<F: PrimeField>() -> BigUint {
    BigUint::from_bytes_le(&F::MODULUS.to_bytes_le())
}

fn model_bytes(value: &BigUint) -> [u8; 32] {
    let mut out = [0u8; 32];
    let le = value.to_bytes_le();
    out[..le.len()].copy_from_slice(&le);
    out
}

/// Every value the layout must carry: 0, 1, 2, p-1, p-2, (p-1)/2 and random values.
fn edge_and_random<F: PrimeField>(rng: &mut impl ark_std::rand::Rng) -> Vec<F> {
    let mut v = vec![
        F::zero(),
        F::one(),
        F::from(2u64),
        -F::one(),
        -F::from(2u64),
        -F::one() / F::from(2u64),
    ];
    v.extend((0..1000).map(|_| F::rand(rng)));
    v
}

fn check_field<F: PrimeField>(
    name: &str,
    to: impl Fn(&F, Form) -> [u8; 32],
    from: impl Fn(&[u8; 32], Form) -> Result<F, LayoutError>,
) {
    let mut rng = seeded_rng(name);
    let p = modulus::<F>();
    let r = (BigUint::one() << 256u32) % &p;
    for x in edge_and_random::<F>(&mut rng) {
        let value = BigUint::from_bytes_le(&x.into_bigint().to_bytes_le());
        let canonical = to(&x, Form::Canonical);
        let montgomery = to(&x, Form::Montgomery);
        assert_eq!(
            canonical,
            model_bytes(&value),
            "{name}: canonical bytes of {x}"
        );
        assert_eq!(
            montgomery,
            model_bytes(&(&value * &r % &p)),
            "{name}: Montgomery bytes of {x}"
        );
        assert_eq!(from(&canonical, Form::Canonical).unwrap(), x);
        assert_eq!(from(&montgomery, Form::Montgomery).unwrap(), x);
    }
    // p-1 is the largest encodable integer; p and 2^256-1 are rejected in both forms.
    let p_minus_one = model_bytes(&(&p - 1u32));
    assert_eq!(from(&p_minus_one, Form::Canonical).unwrap(), -F::one());
    for bad in [model_bytes(&p), [0xff; 32]] {
        for form in [Form::Canonical, Form::Montgomery] {
            assert!(
                matches!(from(&bad, form), Err(LayoutError::NotReduced { .. })),
                "{name}: accepted an unreduced integer"
            );
        }
    }
}

#[test]
fn fr_round_trips_in_both_forms() {
    check_field::<Fr>("fr", layout::fr_to_bytes, layout::fr_from_bytes);
}

#[test]
fn fq_round_trips_in_both_forms() {
    check_field::<Fq>("fq", layout::fq_to_bytes, layout::fq_from_bytes);
}

#[test]
fn fq2_is_c0_then_c1() {
    let mut rng = seeded_rng("fq2");
    let mut values = vec![
        Fq2::zero(),
        Fq2::one(),
        -Fq2::one(),
        Fq2::new(Fq::zero(), -Fq::one()),
    ];
    values.extend((0..200).map(|_| Fq2::rand(&mut rng)));
    for x in values {
        let bytes = layout::fq2_to_bytes(&x, Form::Montgomery);
        assert_eq!(bytes[..32], layout::fq_to_bytes(&x.c0, Form::Montgomery));
        assert_eq!(bytes[32..], layout::fq_to_bytes(&x.c1, Form::Montgomery));
        assert_eq!(layout::fq2_from_bytes(&bytes, Form::Montgomery).unwrap(), x);
    }
}

#[test]
fn g1_points_round_trip_and_infinity_is_zero_bytes() {
    let mut rng = seeded_rng("g1");
    let mut points = vec![
        G1Affine::generator(),
        -G1Affine::generator(),
        G1Affine::zero(),
    ];
    points.extend((0..200).map(|_| G1Affine::rand(&mut rng)));
    for p in points {
        let bytes = layout::g1_to_bytes(&p);
        if p.is_zero() {
            assert_eq!(bytes, [0u8; 64]);
        } else {
            let (x, y) = p.xy().unwrap();
            assert_eq!(bytes[..32], layout::fq_to_bytes(&x, Form::Montgomery));
            assert_eq!(bytes[32..], layout::fq_to_bytes(&y, Form::Montgomery));
        }
        assert_eq!(layout::g1_from_bytes(&bytes).unwrap(), p);

        let jacobian = G1Projective::from(p) * Fr::rand(&mut rng);
        let encoded = layout::g1_jacobian_to_bytes(&jacobian);
        let decoded = layout::g1_jacobian_from_bytes(&encoded).unwrap();
        assert_eq!(
            layout::g1_jacobian_to_bytes(&decoded),
            encoded,
            "Jacobian bytes do not round-trip"
        );
        assert_eq!(decoded.into_affine(), jacobian.into_affine());
        if !jacobian.is_zero() {
            // X, Y, Z as stored, coordinate by coordinate.
            assert_eq!(
                encoded[..32],
                layout::fq_to_bytes(&jacobian.x, Form::Montgomery)
            );
            assert_eq!(
                encoded[32..64],
                layout::fq_to_bytes(&jacobian.y, Form::Montgomery)
            );
            assert_eq!(
                encoded[64..],
                layout::fq_to_bytes(&jacobian.z, Form::Montgomery)
            );
        }
    }
    let infinity = layout::g1_jacobian_to_bytes(&G1Projective::zero());
    assert!(layout::g1_jacobian_from_bytes(&infinity).unwrap().is_zero());
    // Zero-filled device memory is infinity in both encodings.
    assert!(layout::g1_jacobian_from_bytes(&[0u8; 96])
        .unwrap()
        .is_zero());
    assert!(layout::g1_from_bytes(&[0u8; 64]).unwrap().is_zero());
}

#[test]
fn g2_points_round_trip_in_x_c0_x_c1_y_c0_y_c1_order() {
    let mut rng = seeded_rng("g2");
    let mut points = vec![G2Affine::generator(), G2Affine::zero()];
    points.extend((0..50).map(|_| G2Affine::rand(&mut rng)));
    for p in points {
        let bytes = layout::g2_to_bytes(&p);
        if p.is_zero() {
            assert_eq!(bytes, [0u8; 128]);
        } else {
            let (x, y) = p.xy().unwrap();
            let parts = [x.c0, x.c1, y.c0, y.c1];
            for (i, part) in parts.iter().enumerate() {
                assert_eq!(
                    bytes[32 * i..32 * (i + 1)],
                    layout::fq_to_bytes(part, Form::Montgomery)
                );
            }
        }
        assert_eq!(layout::g2_from_bytes(&bytes).unwrap(), p);
        let jacobian = G2Projective::generator() * Fr::rand(&mut rng) + G2Projective::from(p);
        assert_eq!(
            layout::g2_jacobian_from_bytes(&layout::g2_jacobian_to_bytes(&jacobian)).unwrap(),
            jacobian
        );
    }
}

#[test]
fn off_curve_and_unreduced_points_are_rejected() {
    let mut bytes = layout::g1_to_bytes(&G1Affine::generator());
    bytes[0] ^= 1;
    assert!(matches!(
        layout::g1_from_bytes(&bytes),
        Err(LayoutError::NotOnCurve { .. })
    ));
    let mut bytes = layout::g1_to_bytes(&G1Affine::generator());
    bytes[32..].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        layout::g1_from_bytes(&bytes),
        Err(LayoutError::NotReduced { .. })
    ));
    let mut bytes = layout::g2_to_bytes(&G2Affine::generator());
    bytes[100] ^= 0x10;
    assert!(layout::g2_from_bytes(&bytes).is_err());
    // A Jacobian point with Z != 1 and one flipped bit in Y.
    let three_g = G1Projective::generator().double() + G1Projective::generator();
    let mut jac = layout::g1_jacobian_to_bytes(&three_g);
    jac[40] ^= 4;
    assert!(matches!(
        layout::g1_jacobian_from_bytes(&jac),
        Err(LayoutError::NotOnCurve { .. })
    ));
    // Short input to a coordinate reader is an error, not a panic.
    use kiln_host::layout::Coordinate;
    assert!(matches!(
        Fq::read(&[0u8; 31]),
        Err(LayoutError::BadLength { .. })
    ));
    assert!(matches!(
        Fq2::read(&[0u8; 63]),
        Err(LayoutError::BadLength { .. })
    ));
}

#[test]
fn g2_points_outside_the_subgroup_are_rejected() {
    // A point on the twist but (with overwhelming probability) not in the order-r subgroup:
    // lift a random x until x^3 + b' is a square.
    let mut rng = seeded_rng("g2-subgroup");
    let p = loop {
        let x = Fq2::rand(&mut rng);
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            break p;
        }
    };
    assert!(p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve());
    let mut bytes = [0u8; 128];
    bytes[..64].copy_from_slice(&layout::fq2_to_bytes(&p.x, Form::Montgomery));
    bytes[64..].copy_from_slice(&layout::fq2_to_bytes(&p.y, Form::Montgomery));
    assert!(matches!(
        layout::g2_from_bytes(&bytes),
        Err(LayoutError::NotInSubgroup { .. })
    ));
    // The same point as a Jacobian device result (Z = 1) is refused too.
    let mut jac = [0u8; 192];
    jac[..128].copy_from_slice(&bytes);
    jac[128..160].copy_from_slice(&layout::fq_to_bytes(&Fq::one(), Form::Montgomery));
    assert!(matches!(
        layout::g2_jacobian_from_bytes(&jac),
        Err(LayoutError::NotInSubgroup { .. })
    ));
}

#[test]
fn arrays_round_trip_and_reject_ragged_lengths() {
    let mut rng = seeded_rng("arrays");
    let scalars: Vec<Fr> = (0..100).map(|_| Fr::rand(&mut rng)).collect();
    for form in [Form::Canonical, Form::Montgomery] {
        let bytes = layout::scalars_to_bytes(&scalars, form);
        assert_eq!(bytes.len(), 3200);
        assert_eq!(layout::scalars_from_bytes(&bytes, form).unwrap(), scalars);
        assert!(matches!(
            layout::scalars_from_bytes(&bytes[..31], form),
            Err(LayoutError::BadLength { .. })
        ));
    }
    let points: Vec<G1Affine> = (0..20)
        .map(|i| {
            if i % 7 == 0 {
                G1Affine::zero()
            } else {
                G1Affine::rand(&mut rng)
            }
        })
        .collect();
    let bytes = layout::points_to_bytes(&points);
    assert_eq!(
        layout::points_from_bytes::<ark_bn254::g1::Config>(&bytes, "bases").unwrap(),
        points
    );
    assert!(layout::points_from_bytes::<ark_bn254::g1::Config>(&bytes[1..], "bases").is_err());
}

/// Device words are the byte image read as little-endian u32s, least significant limb first,
/// against the big-integer model; the one-pass scalar conversion agrees with bytes-then-words.
#[test]
fn device_words_are_little_endian_limbs_of_the_model() {
    let mut rng = seeded_rng("layout words");
    let values = edge_and_random::<Fr>(&mut rng);
    for form in [Form::Canonical, Form::Montgomery] {
        let words = layout::scalars_to_words(&values, form);
        let bytes = layout::scalars_to_bytes(&values, form);
        assert_eq!(words, layout::bytes_to_words(&bytes), "{form:?}");
        assert_eq!(layout::words_to_bytes(&words), bytes, "{form:?}");
        for (v, limbs) in values.iter().zip(words.chunks_exact(8)) {
            let integer = match form {
                Form::Canonical => BigUint::from_bytes_le(&v.into_bigint().to_bytes_le()),
                Form::Montgomery => {
                    (BigUint::from_bytes_le(&v.into_bigint().to_bytes_le()) << 256u32)
                        % modulus::<Fr>()
                }
            };
            let from_limbs = limbs
                .iter()
                .rev()
                .fold(BigUint::from(0u32), |acc, &w| (acc << 32u32) + w);
            assert_eq!(from_limbs, integer, "{v} in {form:?}");
        }
    }
}
