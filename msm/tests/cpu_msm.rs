//! kiln's CPU MSM against arkworks' `VariableBaseMSM`, on the conformance suite's edge cases and
//! random inputs, G1 and G2, for the cost model's own shapes and for forced ones (every
//! accumulation, narrow and wide windows, one chunk and many), and over fixed-base tables.

use ark_bn254::{g1, g2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use kiln_host::conformance::{msm_cases, seeded_rng};
use kiln_msm::cpu::schedule::{Accumulation, Schedule};
use kiln_msm::cpu::{arkworks_msm, msm, msm_with, CpuCurve, FixedBaseTable};

fn bases<P: CpuCurve>(dlogs: &[Fr]) -> Vec<Affine<P>> {
    Projective::<P>::from(Affine::<P>::generator()).batch_mul(dlogs)
}

/// Shapes the cost model may not pick: every accumulation, narrow and wide windows, one chunk
/// and many, with and without the GLV split.
fn forced_shapes() -> Vec<Schedule> {
    let shape = |window_bits, chunks, accumulation, glv| Schedule {
        window_bits,
        chunks,
        accumulation,
        glv,
        cost: 0,
    };
    vec![
        shape(5, 1, Accumulation::Xyzz, false),
        shape(5, 2, Accumulation::Affine { batch: 8 }, true),
        shape(7, 3, Accumulation::Affine { batch: 4 }, false),
        shape(8, 1, Accumulation::Xyzz, true),
        shape(11, 2, Accumulation::Affine { batch: 64 }, false),
        shape(11, 3, Accumulation::Affine { batch: 128 }, true),
        shape(13, 5, Accumulation::Xyzz, false),
        shape(16, 1, Accumulation::Affine { batch: 512 }, false),
    ]
}

fn check_group<P: CpuCurve>(label: &str, sizes: &[usize]) {
    let mut rng = seeded_rng(label);
    for &n in sizes {
        for case in msm_cases(n, &mut rng) {
            let bases = bases::<P>(&case.dlogs);
            let want = arkworks_msm(&bases, &case.scalars).into_affine();
            let what = format!("{label}: {} (n = {})", case.name, case.scalars.len());
            assert_eq!(
                msm(&bases, &case.scalars).into_affine(),
                want,
                "{what}: cost-model shape"
            );
            if n <= 1 << 10 {
                for shape in forced_shapes() {
                    assert_eq!(
                        msm_with(&bases, &case.scalars, &shape).into_affine(),
                        want,
                        "{what}: {shape:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn g1_matches_arkworks_on_every_case() {
    check_group::<g1::Config>("cpu msm g1", &[1, 2, 100, 1 << 10, 1 << 16]);
}

#[test]
fn g2_matches_arkworks_on_every_case() {
    check_group::<g2::Config>("cpu msm g2", &[1, 3, 1 << 10, 1 << 14]);
}

fn check_table<P: CpuCurve>(label: &str, n: usize) {
    let mut rng = seeded_rng(label);
    let cases = msm_cases(n, &mut rng);
    for case in &cases {
        let bases = bases::<P>(&case.dlogs);
        let want = arkworks_msm(&bases, &case.scalars).into_affine();
        let planned = FixedBaseTable::<P>::plan(bases.len(), usize::MAX);
        let mut shapes: Vec<Schedule> = planned.into_iter().collect();
        shapes.extend(forced_shapes());
        for shape in shapes {
            let table = FixedBaseTable::new(&bases, shape);
            assert_eq!(table.len(), bases.len());
            assert_eq!(
                table.msm(&case.scalars).into_affine(),
                want,
                "{label}: {} (n = {}), {shape:?}",
                case.name,
                bases.len()
            );
        }
    }
}

#[test]
fn fixed_base_tables_match_arkworks_g1() {
    check_table::<g1::Config>("fixed-base g1", 1 << 9);
}

#[test]
fn fixed_base_tables_match_arkworks_g2() {
    check_table::<g2::Config>("fixed-base g2", 1 << 7);
}

#[test]
fn a_small_budget_means_no_table() {
    assert!(FixedBaseTable::<g1::Config>::plan(1 << 16, 1 << 20).is_none());
    let plan = FixedBaseTable::<g1::Config>::plan(1 << 16, usize::MAX).expect("room for a table");
    assert!(FixedBaseTable::<g1::Config>::bytes(1 << 16, &plan) >= 1 << 16);
}
