//! The cpu backend through the conformance suite, and the checked entry points' refusals.

use ark_bn254::{Fr, G1Affine};
use ark_ff::{UniformRand, Zero};
use kiln_host::conformance::{fresh_seed, run_selftest, SelftestConfig};
use kiln_host::{Backend, CpuBackend, Error, NttOp, VecOp};

#[test]
fn cpu_backend_passes_the_conformance_suite() {
    let seed = fresh_seed();
    println!("conformance: seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    let backend = CpuBackend::new();
    for log_size in [0, 3, 8] {
        let outcomes = run_selftest(&backend, SelftestConfig { log_size, seed }, |_| {}).unwrap();
        assert!(
            outcomes.len() > 30,
            "suite ran only {} checks",
            outcomes.len()
        );
        let failures: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
        assert!(failures.is_empty(), "log_size {log_size}: {failures:#?}");
    }
}

#[test]
fn the_suite_catches_a_wrong_backend() {
    // A backend that is wrong by one in its MSM and NTT must fail the suite: the references do
    // not share code with what they check.
    struct OffByOne(CpuBackend);
    impl Backend for OffByOne {
        fn name(&self) -> &'static str {
            "off-by-one"
        }
        fn id(&self) -> kiln_host::BackendId {
            self.0.id()
        }
        fn device_info(&self) -> kiln_host::DeviceInfo {
            self.0.device_info()
        }
        fn upload_g1(&self, b: &[G1Affine]) -> kiln_host::Result<kiln_host::G1Bases> {
            self.0.upload_g1(b)
        }
        fn upload_g2(&self, b: &[ark_bn254::G2Affine]) -> kiln_host::Result<kiln_host::G2Bases> {
            self.0.upload_g2(b)
        }
        fn upload_scalars(&self, v: &[Fr]) -> kiln_host::Result<kiln_host::Scalars> {
            self.0.upload_scalars(v)
        }
        fn download_scalars_unchecked(&self, v: &kiln_host::Scalars) -> kiln_host::Result<Vec<Fr>> {
            self.0.download_scalars_unchecked(v)
        }
        fn msm_g1_unchecked(
            &self,
            b: &kiln_host::G1Bases,
            s: &kiln_host::Scalars,
        ) -> kiln_host::Result<ark_bn254::G1Projective> {
            // Drops the last term, the classic off-by-one of a bucket loop.
            let mut all = self.0.download_scalars_unchecked(s)?;
            if let Some(last) = all.last_mut() {
                *last = Fr::zero();
            }
            self.0.msm_g1_unchecked(b, &self.0.upload_scalars(&all)?)
        }
        fn msm_g2_unchecked(
            &self,
            b: &kiln_host::G2Bases,
            s: &kiln_host::Scalars,
        ) -> kiln_host::Result<ark_bn254::G2Projective> {
            self.0.msm_g2_unchecked(b, s)
        }
        fn ntt_unchecked(&self, v: &mut kiln_host::Scalars, op: NttOp) -> kiln_host::Result<()> {
            // Treats every coset as the subgroup itself.
            let op = match op {
                NttOp::CosetForward(_) => NttOp::Forward,
                NttOp::CosetInverse(_) => NttOp::Inverse,
                other => other,
            };
            self.0.ntt_unchecked(v, op)
        }
        fn vec_op_unchecked(
            &self,
            v: &mut kiln_host::Scalars,
            op: VecOp<'_>,
        ) -> kiln_host::Result<()> {
            self.0.vec_op_unchecked(v, op)
        }
    }
    let seed = fresh_seed();
    println!("wrong backend: seed {seed:#x}");
    let outcomes = run_selftest(
        &OffByOne(CpuBackend::new()),
        SelftestConfig { log_size: 4, seed },
        |_| {},
    )
    .unwrap();
    let failed = |op: &str| {
        outcomes
            .iter()
            .filter(|o| o.op == op && !o.passed())
            .count()
    };
    assert!(
        failed("msm-g1") >= 5,
        "msm-g1 failures: {}",
        failed("msm-g1")
    );
    assert!(failed("coset-ntt") >= 2 && failed("coset-intt") >= 2);
    assert_eq!(failed("msm-g2"), 0);
    assert_eq!(failed("ntt"), 0);
}

#[test]
fn checked_entries_refuse_bad_calls() {
    let cpu = CpuBackend::new();
    let backend: &dyn Backend = &cpu;
    let mut rng = kiln_host::conformance::seeded_rng("checked-entries");
    let bases = backend.upload_g1(&[G1Affine::rand(&mut rng); 3]).unwrap();
    let scalars = backend.upload_scalars(&[Fr::rand(&mut rng); 4]).unwrap();
    assert!(matches!(
        backend.msm_g1(&bases, &scalars),
        Err(Error::LengthMismatch {
            left: 3,
            right: 4,
            ..
        })
    ));

    let mut three = backend.upload_scalars(&[Fr::rand(&mut rng); 3]).unwrap();
    assert!(matches!(
        backend.ntt(&mut three, NttOp::Forward),
        Err(Error::NttLength { len: 3, .. })
    ));
    let mut four = backend.upload_scalars(&[Fr::rand(&mut rng); 4]).unwrap();
    assert_eq!(
        backend.ntt(&mut four, NttOp::CosetForward(Fr::zero())),
        Err(Error::ZeroCosetShift)
    );
    assert!(matches!(
        backend.vec_op(&mut four, VecOp::Add(&three)),
        Err(Error::LengthMismatch { .. })
    ));

    // A buffer from another instance is refused, not misread.
    let other = CpuBackend::new();
    let foreign = (&other as &dyn Backend)
        .upload_scalars(&[Fr::rand(&mut rng); 3])
        .unwrap();
    assert!(matches!(
        backend.msm_g1(&bases, &foreign),
        Err(Error::ForeignBuffer { .. })
    ));
    assert!(matches!(
        backend.download_scalars(&foreign),
        Err(Error::ForeignBuffer { .. })
    ));

    // Empty MSMs are the identity.
    let no_bases = backend.upload_g1(&[]).unwrap();
    let no_scalars = backend.upload_scalars(&[]).unwrap();
    assert!(backend.msm_g1(&no_bases, &no_scalars).unwrap().is_zero());
}
