//! The arkworks reference backend through the conformance suite, and the checked entry points' refusals.

use ark_bn254::{Fr, G1Affine};
use ark_ff::{UniformRand, Zero};
use kiln_host::conformance::{assert_passes_suite, fresh_seed, run_selftest, SelftestConfig};
use kiln_host::faulty::{Fault, FaultyBackend};
use kiln_host::{ArkworksBackend, Backend, Error, NttOp, VecOp};

#[test]
fn arkworks_backend_passes_the_conformance_suite() {
    assert_passes_suite(&ArkworksBackend::new(), &[0, 3, 8]);
}

#[test]
fn the_suite_catches_a_wrong_backend() {
    // A backend that is wrong by one in its MSM and NTT must fail the suite: the references do
    // not share code with what they check.
    let seed = fresh_seed();
    println!("wrong backend: seed {seed:#x}");
    let outcomes = run_selftest(
        &FaultyBackend::new(&[Fault::MsmG1DropsLastTerm, Fault::CosetIgnoresShift]),
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
    let cpu = ArkworksBackend::new();
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
    let other = ArkworksBackend::new();
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

    // The suite itself refuses sizes it cannot hold.
    assert!(matches!(
        run_selftest(
            backend,
            SelftestConfig {
                log_size: 40,
                seed: 1
            },
            |_| {}
        ),
        Err(Error::InvalidArgument(_))
    ));

    // Empty MSMs are the identity.
    let no_bases = backend.upload_g1(&[]).unwrap();
    let no_scalars = backend.upload_scalars(&[]).unwrap();
    assert!(backend.msm_g1(&no_bases, &no_scalars).unwrap().is_zero());
}
