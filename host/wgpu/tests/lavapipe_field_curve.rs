//! WGSL field and curve arithmetic against arkworks, on whatever wgpu adapter is present
//! (lavapipe in CI), through the test-only harness kernels: thousands of random values plus the
//! edge values for Fr, Fq and Fq2 (add, sub, Montgomery multiplication, squaring), and G1/G2
//! mixed and full XYZZ addition, doubling and small multiples with every special case.
//!
//! The default limb shape is checked in full; the other measured shapes (12-15 bits, 13-bit
//! carry-deferred) on fewer values, since the benchmark's choice depends on them being right.

use ark_bn254::{Fq, Fq2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, UniformRand, Zero};
use ark_std::rand::{rngs::StdRng, Rng};
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::Coordinate;
use kiln_wgpu::harness::{curve_op, fq2_op, fq_op, fr_op, CurveOp, FieldOp};
use kiln_wgpu::radix::KernelCoordinate;
use kiln_wgpu::{Gpu, GpuOptions, LimbShape};

fn gpu(shape: LimbShape) -> Gpu {
    Gpu::open(GpuOptions {
        shape,
        ..GpuOptions::default()
    })
    .unwrap_or_else(|e| panic!("no wgpu device ({e}); `make setup` installs lavapipe"))
}

/// Random values with the edge values (0, 1, 2, -1, -2) mixed in at fixed positions.
fn values<F: Field + UniformRand>(rng: &mut StdRng, n: usize) -> Vec<F> {
    let edges = [
        F::zero(),
        F::one(),
        F::one().double(),
        -F::one(),
        -F::one().double(),
    ];
    (0..n)
        .map(|i| {
            if i % 7 == 0 {
                edges[(i / 7) % edges.len()]
            } else {
                F::rand(rng)
            }
        })
        .collect()
}

fn check_field<F: Field + UniformRand>(
    what: &str,
    rng: &mut StdRng,
    n: usize,
    run: impl Fn(FieldOp, &[F], &[F]) -> Vec<F>,
) {
    let a: Vec<F> = values(rng, n);
    let mut b: Vec<F> = values(rng, n);
    b.rotate_left(3); // pair edges with random values and with other edges
    let ops: [(FieldOp, fn(&F, &F) -> F); 4] = [
        (FieldOp::Add, |x, y| *x + y),
        (FieldOp::Sub, |x, y| *x - y),
        (FieldOp::Mul, |x, y| *x * y),
        (FieldOp::Square, |x, _| x.square()),
    ];
    for (op, reference) in ops {
        let got = run(op, &a, &b);
        assert_eq!(got.len(), n);
        for i in 0..n {
            assert_eq!(
                got[i],
                reference(&a[i], &b[i]),
                "{what} {op:?} at {i}: {} op {}",
                a[i],
                b[i]
            );
        }
    }
}

fn check_fields(shape: LimbShape, n: usize) {
    let gpu = gpu(shape);
    let mut rng = seeded_rng(&format!("wgsl fields, {}", shape.name()));
    check_field::<Fr>("Fr", &mut rng, n, |op, a, b| fr_op(&gpu, op, a, b).unwrap());
    check_field::<Fq>("Fq", &mut rng, n, |op, a, b| fq_op(&gpu, op, a, b).unwrap());
    check_field::<Fq2>("Fq2", &mut rng, n, |op, a, b| {
        fq2_op(&gpu, op, a, b).unwrap()
    });
}

#[test]
fn field_arithmetic_matches_arkworks() {
    check_fields(LimbShape::DEFAULT, 4096);
}

#[test]
fn every_measured_limb_shape_is_correct() {
    for (bits, deferred) in [
        (12, false),
        (13, false),
        (13, true),
        (14, false),
        (15, false),
    ] {
        check_fields(LimbShape::new(bits, deferred).unwrap(), 256);
    }
}

/// A Jacobian copy of `p` with a random Z, so XYZZ inputs are not all Z = 1.
fn rescaled<P: SWCurveConfig>(p: Projective<P>, rng: &mut StdRng) -> Projective<P>
where
    P::BaseField: UniformRand,
{
    if p.is_zero() {
        return p;
    }
    let a = p.into_affine();
    let z = P::BaseField::rand(rng);
    let z2 = z.square();
    Projective::new_unchecked(a.x * z2, a.y * z2 * z, z)
}

fn check_curve<P>(n: usize, rng: &mut StdRng, gpu: &Gpu)
where
    P: SWCurveConfig,
    P::BaseField: Coordinate + KernelCoordinate + UniformRand,
    Projective<P>: PrimeGroup<ScalarField = Fr>,
{
    let g = Projective::<P>::generator();
    let rand_point = |rng: &mut StdRng| g * Fr::rand(rng);
    let mut p: Vec<Projective<P>> = (0..n).map(|_| rand_point(rng)).collect();
    let mut q: Vec<Affine<P>> = (0..n).map(|_| rand_point(rng).into_affine()).collect();
    // Special cases at fixed positions: P = Q, P = -Q, P = O, Q = O, both O.
    for i in (0..n).step_by(11) {
        match (i / 11) % 5 {
            0 => p[i] = q[i].into_group(),
            1 => p[i] = -q[i].into_group(),
            2 => p[i] = Projective::zero(),
            3 => q[i] = Affine::identity(),
            _ => {
                p[i] = Projective::zero();
                q[i] = Affine::identity();
            }
        }
    }
    let p: Vec<Projective<P>> = p.into_iter().map(|x| rescaled(x, rng)).collect();
    let k: u32 = rng.gen_range(0..1 << 16);
    let cases: [(
        CurveOp,
        fn(&Projective<P>, &Affine<P>, u32) -> Projective<P>,
    ); 5] = [
        (CurveOp::AddMixed, |p, q, _| *p + q),
        (CurveOp::Add, |p, q, _| *p + q),
        (CurveOp::Double, |p, _, _| p.double()),
        (CurveOp::DoubleAffine, |_, q, _| q.into_group().double()),
        (CurveOp::MulSmall, |p, _, k| *p * Fr::from(u64::from(k))),
    ];
    for (op, reference) in cases {
        let got = curve_op(gpu, op, &p, &q, k).unwrap();
        for i in 0..n {
            if op == CurveOp::DoubleAffine && q[i].is_zero() {
                continue; // the affine doubling is only defined for finite points
            }
            let expected = reference(&p[i], &q[i], k).into_affine();
            let got = got[i].into_affine();
            assert!(got.is_on_curve(), "{op:?} at {i}: off the curve");
            assert_eq!(got, expected, "{op:?} at {i} (k = {k})");
        }
    }
}

#[test]
fn curve_arithmetic_matches_arkworks() {
    let gpu = gpu(LimbShape::DEFAULT);
    let mut rng = seeded_rng("wgsl curves");
    check_curve::<ark_bn254::g1::Config>(1024, &mut rng, &gpu);
    check_curve::<ark_bn254::g2::Config>(512, &mut rng, &gpu);
}
