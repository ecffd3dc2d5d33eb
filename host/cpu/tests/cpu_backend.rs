//! kiln's cpu backend through the conformance suite (every MSM edge case, G1 and G2, against the
//! discrete-log reference, up to 2^16), with and without fixed-base tables; its table budget;
//! and Groth16 proofs byte-identical to ark-groth16's.

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use kiln_cpu::CpuBackend;
use kiln_host::conformance::{assert_passes_suite, seeded_rng};
use kiln_host::Backend;
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};

#[test]
fn cpu_backend_passes_the_conformance_suite() {
    assert_passes_suite(&CpuBackend::new(), &[0, 3, 8, 12, 16]);
}

#[test]
fn cpu_backend_with_fixed_base_tables_passes_the_conformance_suite() {
    assert_passes_suite(&CpuBackend::with_table_budget(usize::MAX), &[3, 10]);
}

/// One scalar buffer through MSMs (which convert it to canonical limbs in place), an NTT and a
/// vector operation (which convert it back), and MSMs again, on the cpu backend and on the
/// arkworks reference: the same points and the same values at every step.
#[test]
fn a_scalar_buffer_serves_msms_ntts_and_vector_ops_in_turn() {
    use kiln_host::{ArkworksBackend, NttOp, VecOp};
    let mut rng = seeded_rng("scalar buffer forms");
    let n = 1 << 10;
    let g = G1Affine::generator();
    let bases: Vec<G1Affine> = (0..n)
        .map(|_| (g * Fr::rand(&mut rng)).into_affine())
        .collect();
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let other: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let cpu = CpuBackend::new();
    let reference = ArkworksBackend::new();
    let run = |b: &dyn Backend| {
        let points = b.upload_g1(&bases).unwrap();
        let mut s = b.upload_scalars(&scalars).unwrap();
        let o = b.upload_scalars(&other).unwrap();
        let mut out = vec![b.msm_g1(&points, &s).unwrap()];
        // Two MSMs over one buffer at once share its conversion.
        let (x, y) = std::thread::scope(|scope| {
            let x = scope.spawn(|| b.msm_g1(&points, &s).unwrap());
            let y = b.msm_g1(&points, &s).unwrap();
            (x.join().unwrap(), y)
        });
        out.extend([x, y]);
        // The other buffer as a vector operation's right-hand side, after an MSM converted it.
        out.push(b.msm_g1(&points, &o).unwrap());
        b.vec_op(&mut s, VecOp::Mul(&o)).unwrap();
        out.push(b.msm_g1(&points, &s).unwrap());
        b.ntt(&mut s, NttOp::Forward).unwrap();
        out.push(b.msm_g1(&points, &s).unwrap());
        (out, b.download_scalars(&s).unwrap())
    };
    let (got, got_values) = run(&cpu);
    let (want, want_values) = run(&reference);
    assert_eq!(got_values, want_values);
    assert_eq!(got, want);
}

#[test]
fn tables_take_from_the_budget_and_give_back_when_dropped() {
    let mut rng = seeded_rng("table budget");
    let g = G1Affine::generator();
    let bases: Vec<G1Affine> = (0..1 << 12)
        .map(|_| (g * Fr::rand(&mut rng)).into_affine())
        .collect();
    let budget = 64 << 20;
    let backend = CpuBackend::with_table_budget(budget);
    let resident = backend.upload_g1(&bases).unwrap();
    let left = backend.table_budget_left();
    assert!(
        left < budget,
        "a 2^12-point key fits 64 MiB: a table should have been built"
    );
    // Too little left for the same bases again? Then the second upload is plain, and still right.
    let again = backend.upload_g1_owned(bases.clone()).unwrap();
    assert!(backend.table_budget_left() <= left);
    let scalars: Vec<Fr> = (0..bases.len()).map(|_| Fr::rand(&mut rng)).collect();
    let s = backend.upload_scalars(&scalars).unwrap();
    let want = kiln_msm::cpu::arkworks_msm(&bases, &scalars).into_affine();
    let b: &dyn Backend = &backend;
    assert_eq!(b.msm_g1(&resident, &s).unwrap().into_affine(), want);
    assert_eq!(b.msm_g1(&again, &s).unwrap().into_affine(), want);
    drop((resident, again));
    assert_eq!(backend.table_budget_left(), budget);
    assert_eq!(CpuBackend::new().table_budget_left(), 0);
}

#[test]
fn groth16_proofs_are_byte_identical_to_ark_groth16() {
    let mut rng = seeded_rng("cpu groth16");
    let circuits = [
        Groth16Circuit::CubicChain { rounds: 300 },
        Groth16Circuit::SumOfSquares { inputs: 7 },
    ];
    for backend in [CpuBackend::new(), CpuBackend::with_table_budget(usize::MAX)] {
        match groth16_byte_identity(&backend, &mut rng, &circuits, 2) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }
}
