//! Each hdl/ unit, Verilated (hdl/tb wrappers, `make sim`), against arkworks, bit for bit: the
//! Montgomery multipliers and modular add/sub for Fq and Fr, the NTT butterfly and the XYZZ
//! curve adder, on seeded random inputs and edge values, streamed one per cycle with bubbles,
//! with the documented latency checked for every result.
//!
//! Needs `target/sim/libkiln_units_sim.so`; without it these tests fail saying to run `make sim`,
//! unless KILN_SKIP_SIM=1.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, Field, One, PrimeField, UniformRand, Zero};
use ark_std::rand::Rng;
use kiln_ffi::sim::units::UnitSim;
use kiln_ffi::TransportError;
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::{fq_to_bytes, fr_to_bytes, Form};

/// Latencies documented in hdl/rtl/kiln_arch_pkg.sv.
const MUL_LATENCY: usize = 9;
const ADD_LATENCY: usize = 1;
const BUTTERFLY_LATENCY: usize = MUL_LATENCY + 1;
const EC_ADD_LATENCY: usize = 4 * MUL_LATENCY + 12;

fn open(name: &str) -> Option<UnitSim> {
    match UnitSim::open(name) {
        Ok(u) => Some(u),
        Err(e @ TransportError::ModelNotBuilt { .. })
            if std::env::var_os("KILN_SKIP_SIM").is_some() =>
        {
            println!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// Streams `inputs` through the unit, one per cycle with a bubble every fifth cycle, and
/// returns the outputs; each must come exactly `latency` cycles after its input.
fn stream(unit: &mut UnitSim, inputs: &[Vec<u8>], latency: usize) -> Vec<Vec<u8>> {
    let mut sent_at = Vec::new();
    let mut outputs = Vec::new();
    let mut cycle = 0usize;
    let mut next = 0usize;
    while outputs.len() < inputs.len() {
        let input = if next < inputs.len() && cycle % 5 != 4 {
            sent_at.push(cycle);
            next += 1;
            Some(inputs[next - 1].as_slice())
        } else {
            None
        };
        // An output seen after this call's clock edge is valid in the next cycle.
        if let Some(out) = unit.cycle(input) {
            let k = outputs.len();
            assert!(
                k < sent_at.len(),
                "{}: an output with no input",
                unit.name()
            );
            let took = cycle + 1 - sent_at[k];
            assert_eq!(
                took,
                latency,
                "{}: result {k} came {took} cycles after its input",
                unit.name()
            );
            outputs.push(out);
        }
        cycle += 1;
        assert!(
            cycle < 10 * inputs.len() + 10 * latency + 100,
            "{}: outputs stopped after {} of {}",
            unit.name(),
            outputs.len(),
            inputs.len()
        );
    }
    // Nothing more comes out once the pipeline is empty.
    for _ in 0..latency + 2 {
        assert!(
            unit.cycle(None).is_none(),
            "{}: a spurious output",
            unit.name()
        );
    }
    outputs
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Field elements whose Montgomery representation (the bytes the hardware sees) is an edge
/// (0, 1, 2, 2^64 - 1, a high bit, p - 1, p - 2), and the elements 1, -1 and 1/2.
macro_rules! edges {
    ($field:ty) => {{
        let p = <$field as PrimeField>::MODULUS;
        let raw = |limbs: [u64; 4]| <$field>::new_unchecked(BigInt(limbs));
        let p_minus = |k: u64| {
            let mut b = p;
            b.0[0] -= k;
            <$field>::new_unchecked(b)
        };
        vec![
            raw([0, 0, 0, 0]),
            raw([1, 0, 0, 0]),
            raw([2, 0, 0, 0]),
            raw([u64::MAX, 0, 0, 0]),
            raw([0, 0, 0, 1 << 61]),
            p_minus(1),
            p_minus(2),
            <$field>::one(),
            -<$field>::one(),
            <$field>::from(2u64).inverse().unwrap(),
        ]
    }};
}

fn pairs<F: Copy + UniformRand>(edges: &[F], rng: &mut impl Rng, random: usize) -> Vec<(F, F)> {
    let mut v: Vec<(F, F)> = edges
        .iter()
        .flat_map(|a| edges.iter().map(move |b| (*a, *b)))
        .collect();
    v.extend((0..random).map(|_| (F::rand(rng), F::rand(rng))));
    v
}

/// Streams `cases` through the two-operand unit `name` (operands in Montgomery form, one after
/// the other) and checks every output against `op` computed by arkworks.
fn check_binary_unit<F: Field + std::fmt::Display>(
    name: &str,
    cases: &[(F, F)],
    to_bytes: fn(&F, Form) -> [u8; 32],
    op: fn(F, F) -> F,
    latency: usize,
) {
    let Some(mut unit) = open(name) else { return };
    let inputs: Vec<_> = cases
        .iter()
        .map(|(a, b)| {
            cat(&[
                &to_bytes(a, Form::Montgomery),
                &to_bytes(b, Form::Montgomery),
            ])
        })
        .collect();
    for ((a, b), out) in cases.iter().zip(stream(&mut unit, &inputs, latency)) {
        assert_eq!(
            out,
            to_bytes(&op(*a, *b), Form::Montgomery).to_vec(),
            "{name} {a} {b}"
        );
    }
}

#[test]
fn montgomery_multipliers_match_arkworks() {
    let mut rng = seeded_rng("hdl montmul");
    let fq_cases = pairs(&edges!(Fq), &mut rng, 300);
    check_binary_unit(
        "montmul_fq",
        &fq_cases,
        fq_to_bytes,
        |a, b| a * b,
        MUL_LATENCY,
    );
    let fr_cases = pairs(&edges!(Fr), &mut rng, 300);
    check_binary_unit(
        "montmul_fr",
        &fr_cases,
        fr_to_bytes,
        |a, b| a * b,
        MUL_LATENCY,
    );
}

#[test]
fn modular_add_and_sub_match_arkworks() {
    let mut rng = seeded_rng("hdl modadd/modsub");
    type Op<F> = fn(F, F) -> F;
    let fq_ops: [(&str, Op<Fq>); 2] = [("modadd_fq", |a, b| a + b), ("modsub_fq", |a, b| a - b)];
    for (name, op) in fq_ops {
        let cases = pairs(&edges!(Fq), &mut rng, 200);
        check_binary_unit(name, &cases, fq_to_bytes, op, ADD_LATENCY);
    }
    let fr_ops: [(&str, Op<Fr>); 2] = [("modadd_fr", |a, b| a + b), ("modsub_fr", |a, b| a - b)];
    for (name, op) in fr_ops {
        let cases = pairs(&edges!(Fr), &mut rng, 200);
        check_binary_unit(name, &cases, fr_to_bytes, op, ADD_LATENCY);
    }
}

#[test]
fn ntt_butterfly_matches_arkworks() {
    let mut rng = seeded_rng("hdl butterfly");
    let Some(mut unit) = open("ntt_butterfly") else {
        return;
    };
    let edges = edges!(Fr);
    let mut cases: Vec<(Fr, Fr, Fr, u16)> = Vec::new();
    for (i, a) in edges.iter().enumerate() {
        for (j, b) in edges.iter().enumerate() {
            let w = edges[(i + j) % edges.len()];
            cases.push((*a, *b, w, (i * 31 + j) as u16));
        }
    }
    cases.extend((0..300).map(|_| {
        (
            Fr::rand(&mut rng),
            Fr::rand(&mut rng),
            Fr::rand(&mut rng),
            rng.gen(),
        )
    }));
    let inputs: Vec<_> = cases
        .iter()
        .map(|(a, b, w, tag)| {
            cat(&[
                &fr_to_bytes(a, Form::Montgomery),
                &fr_to_bytes(b, Form::Montgomery),
                &fr_to_bytes(w, Form::Montgomery),
                &tag.to_le_bytes(),
            ])
        })
        .collect();
    for ((a, b, w, tag), out) in cases
        .iter()
        .zip(stream(&mut unit, &inputs, BUTTERFLY_LATENCY))
    {
        let t = *w * b;
        let expected = cat(&[
            &fr_to_bytes(&(*a + t), Form::Montgomery),
            &fr_to_bytes(&(*a - t), Form::Montgomery),
            &tag.to_le_bytes(),
        ]);
        assert_eq!(out, expected, "butterfly a={a} b={b} w={w}");
    }
}

/// A bucket in XYZZ coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Xyzz {
    x: Fq,
    y: Fq,
    zz: Fq,
    zzz: Fq,
}

impl Xyzz {
    fn infinity() -> Self {
        Xyzz {
            x: Fq::zero(),
            y: Fq::zero(),
            zz: Fq::zero(),
            zzz: Fq::zero(),
        }
    }

    /// `p` scaled by a random z: x = X / z^2, y = Y / z^3.
    fn of(p: G1Affine, z: Fq) -> Self {
        let (zz, zzz) = (z.square(), z.square() * z);
        Xyzz {
            x: p.x * zz,
            y: p.y * zzz,
            zz,
            zzz,
        }
    }

    fn to_affine(self) -> G1Affine {
        if self.zz.is_zero() {
            return G1Affine::zero();
        }
        G1Affine::new_unchecked(self.x / self.zz, self.y / self.zzz)
    }

    fn bytes(self) -> Vec<u8> {
        [self.x, self.y, self.zz, self.zzz]
            .iter()
            .flat_map(|c| fq_to_bytes(c, Form::Montgomery))
            .collect()
    }
}

/// The formulas the adder implements (EFD madd-2008-s, mdbl-2008-s) and its case selection, in
/// arkworks arithmetic: the bit-exact model of the hardware's output coordinates.
fn model_add(b: Xyzz, x2: Fq, y2: Fq) -> Xyzz {
    if b.zz.is_zero() {
        return Xyzz {
            x: x2,
            y: y2,
            zz: Fq::one(),
            zzz: Fq::one(),
        };
    }
    let p = x2 * b.zz - b.x;
    let r = y2 * b.zzz - b.y;
    if p.is_zero() {
        if !r.is_zero() {
            return Xyzz::infinity();
        }
        let u = y2.double();
        let v = u.square();
        let w = u * v;
        let s = x2 * v;
        let m = x2.square() * Fq::from(3u64);
        let x3 = m.square() - s.double();
        return Xyzz {
            x: x3,
            y: m * (s - x3) - w * y2,
            zz: v,
            zzz: w,
        };
    }
    let pp = p.square();
    let ppp = p * pp;
    let q = b.x * pp;
    let x3 = r.square() - ppp - q.double();
    Xyzz {
        x: x3,
        y: r * (q - x3) - b.y * ppp,
        zz: b.zz * pp,
        zzz: b.zzz * ppp,
    }
}

#[test]
fn xyzz_curve_adder_matches_the_group_law_and_the_formulas() {
    let mut rng = seeded_rng("hdl ec adder");
    let Some(mut unit) = open("ec_add") else {
        return;
    };
    let rand_point = |rng: &mut _| G1Projective::rand(rng).into_affine();
    let g = G1Affine::generator();
    let mut cases: Vec<(Xyzz, G1Affine, bool)> = Vec::new();
    for _ in 0..150 {
        let (b, p) = (rand_point(&mut rng), rand_point(&mut rng));
        cases.push((Xyzz::of(b, Fq::rand(&mut rng)), p, rng.gen()));
    }
    for _ in 0..10 {
        let p = rand_point(&mut rng);
        let z = Fq::rand(&mut rng);
        cases.push((Xyzz::infinity(), p, false)); // empty bucket
        cases.push((Xyzz::infinity(), p, true)); // empty bucket, subtract
        cases.push((Xyzz::of(p, z), p, false)); // doubling
        cases.push((Xyzz::of(p, z), p, true)); // P - P = infinity
        cases.push((Xyzz::of((-p.into_group()).into_affine(), z), p, false)); // -P + P
        cases.push((Xyzz::of(p, Fq::one()), p, false)); // doubling with ZZ = 1
        cases.push((Xyzz::of(p, z), g, false));
    }
    cases.push((Xyzz::of(g, Fq::one()), g, false));
    let inputs: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (b, p, neg))| {
            let mut v = b.bytes();
            v.extend(fq_to_bytes(&p.x, Form::Montgomery));
            v.extend(fq_to_bytes(&p.y, Form::Montgomery));
            v.push(u8::from(*neg));
            v.extend((i as u16).to_le_bytes());
            v.push(0);
            v
        })
        .collect();
    let outs = stream(&mut unit, &inputs, EC_ADD_LATENCY);
    for (i, ((b, p, neg), out)) in cases.iter().zip(&outs).enumerate() {
        let y2 = if *neg { -p.y } else { p.y };
        let model = model_add(*b, p.x, y2);
        let mut expected = model.bytes();
        expected.extend((i as u16).to_le_bytes());
        assert_eq!(
            out,
            &expected,
            "case {i}: bucket {b:?} + {}P {p}",
            if *neg { "-" } else { "" }
        );
        // The model itself is the group law.
        let signed = if *neg {
            -p.into_group()
        } else {
            p.into_group()
        };
        assert_eq!(
            model.to_affine(),
            (b.to_affine().into_group() + signed).into_affine(),
            "case {i}"
        );
        if !model.zz.is_zero() {
            assert_eq!(
                model.zz.square() * model.zz,
                model.zzz.square(),
                "case {i}: ZZ^3 = ZZZ^2"
            );
        }
    }
}

#[test]
fn the_unit_library_lists_every_wrapper() {
    let Some(_) = open("montmul_fq") else { return };
    let names = UnitSim::names().unwrap();
    for n in [
        "montmul_fq",
        "montmul_fr",
        "modadd_fq",
        "modsub_fr",
        "ntt_butterfly",
        "ec_add",
        "msm_scoreboard",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
    assert!(UnitSim::open("no_such_unit").is_err());
}

/// The MSM engine's bucket scoreboard (hdl/tb/tb_msm_scoreboard.sv: depth 8, write-backs modelled
/// `DEPTH` cycles after the issue, as the adder does): a pair waits while its bucket has an
/// addition in flight and issues in the cycle after the write-back, and a pair for another bucket
/// goes at once. Then the wrapper's second scoreboard, whose write-back comes one cycle later than
/// it covers, lets a hazard through, and the RTL assertion that guards against exactly that
/// (NoStaleRead_A) stops the simulation and fails the run with an error that says where. (So a
/// passing run shows Verilator's `%Error: ... NoStaleRead_A` line: that is the check working.)
#[test]
fn the_bucket_scoreboard_stalls_hazards_and_its_assertion_catches_one_that_slips_through() {
    const DEPTH: usize = 8;
    let Some(mut unit) = open("msm_scoreboard") else {
        return;
    };
    let pair = |bucket: u8, late: bool| vec![bucket, u8::from(late)];
    let issue = |unit: &mut UnitSim, bucket: u8, late: bool| {
        unit.try_cycle(Some(&pair(bucket, late)))
            .map(|out| out.expect("the wrapper answers every pair")[0] != 0)
    };

    // Bucket 3, then bucket 5 at once, then bucket 3 again until it issues.
    assert!(issue(&mut unit, 3, false).unwrap());
    assert!(issue(&mut unit, 5, false).unwrap());
    for cycle in 2..=DEPTH {
        assert!(
            !issue(&mut unit, 3, false).unwrap(),
            "bucket 3 issued in cycle {cycle}"
        );
    }
    assert!(
        issue(&mut unit, 3, false).unwrap(),
        "bucket 3 waited too long"
    );
    for _ in 0..2 * DEPTH {
        unit.cycle(None);
    }

    // The late write-back: the scoreboard releases bucket 7 after DEPTH cycles, a cycle before
    // its addition is written back, and the assertion fires on that read.
    assert!(issue(&mut unit, 7, true).unwrap());
    for cycle in 1..=DEPTH {
        assert!(
            !issue(&mut unit, 7, true).unwrap(),
            "bucket 7 issued in cycle {cycle}"
        );
    }
    match issue(&mut unit, 7, true) {
        Err(TransportError::Assertion { at }) => {
            assert!(at.contains("kiln_msm_scoreboard.sv:"), "{at}")
        }
        other => panic!("the stale read went unnoticed: {other:?}"),
    }
    // A stopped unit stays stopped.
    assert!(matches!(
        unit.try_cycle(None),
        Err(TransportError::Assertion { .. })
    ));
}
