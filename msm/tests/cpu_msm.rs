//! kiln's CPU MSM against arkworks' `VariableBaseMSM`, on the conformance suite's edge cases and
//! random inputs, G1 and G2, for the cost model's own shapes and for forced ones (every
//! accumulation, narrow and wide windows, one chunk and many), and over fixed-base tables.

mod common;

use ark_bn254::{g1, g2};
use ark_ec::CurveGroup;
use common::{bases, check_group, forced_shapes};
use kiln_host::conformance::{msm_cases, seeded_rng};
use kiln_msm::cpu::schedule::Schedule;
use kiln_msm::cpu::{arkworks_msm, CpuCurve, FixedBaseTable};

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
