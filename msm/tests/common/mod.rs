//! What the CPU MSM test files share: bases from discrete logarithms, the forced shapes, and the
//! check of one group against arkworks on the conformance cases.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul};
use kiln_host::conformance::{msm_cases, seeded_rng};
use kiln_msm::cpu::schedule::{Accumulation, Schedule};
use kiln_msm::cpu::{arkworks_msm, msm, msm_with, CpuCurve};

pub fn bases<P: CpuCurve>(dlogs: &[Fr]) -> Vec<Affine<P>> {
    Projective::<P>::from(Affine::<P>::generator()).batch_mul(dlogs)
}

/// Shapes the cost model may not pick: every accumulation, narrow and wide windows, one chunk
/// and many, with and without the GLV split.
pub fn forced_shapes() -> Vec<Schedule> {
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

pub fn check_group<P: CpuCurve>(label: &str, sizes: &[usize]) {
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
