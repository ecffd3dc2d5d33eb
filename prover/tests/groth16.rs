//! Groth16 over the seam against ark-groth16: byte-identical proofs for the same r and s on
//! circuits of different shapes, refusal of unsatisfied or mismatched inputs, and the
//! verification gate.

use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, ProvingKey};
use ark_std::rand::{rngs::StdRng, Rng};
use kiln_host::conformance::seeded_rng;
use kiln_host::faulty::{Fault, FaultyBackend};
use kiln_host::ArkworksBackend;
use kiln_prover::conformance::{groth16_byte_identity, Groth16Circuit};
use kiln_prover::examples::CubicChain;
use kiln_prover::{groth16_setup, synthesize, Groth16Prover, ProverError, R1cs};

#[test]
fn proofs_are_byte_identical_to_ark_groth16_across_circuit_shapes() {
    let mut rng = seeded_rng("groth16 byte identity");
    let inputs = rng.gen_range(5..40);
    let circuits = [
        Groth16Circuit::CubicChain { rounds: 1 },
        Groth16Circuit::CubicChain { rounds: 100 },
        // Many public inputs.
        Groth16Circuit::SumOfSquares { inputs },
        // 62 dense rows + 1 empty-A row + 1 instance variable = 64: the domain is filled exactly.
        Groth16Circuit::DenseRows { rows: 62 },
        // One more row overflows into a domain twice as large.
        Groth16Circuit::DenseRows { rows: 63 },
    ];
    // Three random (r, s) per circuit, then r = s = 0.
    match groth16_byte_identity(&ArkworksBackend::new(), &mut rng, &circuits, 3) {
        Ok(report) => println!("{report}"),
        Err(e) => panic!("{e}"),
    }
}

fn cubic_setup(rng: &mut StdRng, rounds: usize) -> (ProvingKey<Bn254>, R1cs, Vec<Fr>) {
    let circuit = CubicChain {
        x: Fr::rand(rng),
        rounds,
    };
    let pk = groth16_setup(circuit.clone(), rng).unwrap();
    let (r1cs, assignment) = synthesize(circuit).unwrap();
    (pk, r1cs, assignment)
}

#[test]
fn an_unsatisfied_assignment_is_refused_naming_the_first_failing_constraint() {
    let mut rng = seeded_rng("unsatisfied");
    let (pk, r1cs, assignment) = cubic_setup(&mut rng, 10);
    let backend = ArkworksBackend::new();
    let prover = Groth16Prover::new(&backend, pk).unwrap();
    // Layout of CubicChain: instance [1, y], then witnesses x_0, (t_i, x_{i+1}) per round.
    // t_3 sits at 2 + 1 + 2*3 = 9 and first appears in constraint 2*3 = 6 (x_3 * x_3 = t_3).
    let mut bad = assignment.clone();
    bad[9] += Fr::from(1u64);
    match prover.prove(&r1cs, &bad, &mut rng) {
        Err(ProverError::Unsatisfied { index }) => assert_eq!(index, 6),
        other => panic!("expected Unsatisfied {{ index: 6 }}, got {other:?}"),
    }
    assert!(matches!(
        r1cs.check_satisfied(&bad),
        Err(ProverError::Unsatisfied { index: 6 })
    ));
    // A wrong public output breaks only the last constraint.
    let mut bad = assignment.clone();
    bad[1] += Fr::from(1u64);
    let last = r1cs.num_constraints() - 1;
    assert!(
        matches!(prover.prove(&r1cs, &bad, &mut rng), Err(ProverError::Unsatisfied { index }) if index == last)
    );
    assert!(r1cs.check_satisfied(&assignment).is_ok());
}

#[test]
fn malformed_inputs_are_refused() {
    let mut rng = seeded_rng("malformed");
    let (pk, r1cs, assignment) = cubic_setup(&mut rng, 4);
    let backend = ArkworksBackend::new();
    let prover = Groth16Prover::new(&backend, pk).unwrap();
    assert!(matches!(
        prover.prove(&r1cs, &assignment[1..], &mut rng),
        Err(ProverError::AssignmentLength { .. })
    ));
    let mut not_one = assignment.clone();
    not_one[0] = Fr::from(2u64);
    assert!(matches!(
        prover.prove(&r1cs, &not_one, &mut rng),
        Err(ProverError::FirstNotOne)
    ));

    // A key for a different circuit.
    let (_, other_r1cs, other_assignment) = cubic_setup(&mut rng, 9);
    assert!(matches!(
        prover.prove(&other_r1cs, &other_assignment, &mut rng),
        Err(ProverError::KeyMismatch(_))
    ));

    // A key for a different circuit of the same shape: the last constraint becomes
    // x_n * 2 = y, with y doubled so that the assignment still satisfies it.
    let mut same_shape = r1cs.clone();
    let last = same_shape.num_constraints() - 1;
    same_shape.matrices[1][last] = vec![(Fr::from(2u64), 0)];
    let mut doubled = assignment.clone();
    doubled[1] *= Fr::from(2u64);
    assert!(same_shape.check_satisfied(&doubled).is_ok());
    match prover.prove(&same_shape, &doubled, &mut rng) {
        Err(ProverError::KeyMismatch(m)) => {
            assert!(m.contains("different circuit of the same shape"), "{m}")
        }
        other => panic!("expected KeyMismatch, got {other:?}"),
    }

    // A row naming a variable that does not exist.
    let mut broken = r1cs.clone();
    broken.matrices[0][0].push((Fr::from(1u64), 10_000));
    assert!(matches!(
        prover.prove(&broken, &assignment, &mut rng),
        Err(ProverError::MalformedSystem(_))
    ));

    // Counts that would overflow are refused, not wrapped.
    let mut huge = r1cs.clone();
    huge.num_witness_variables = usize::MAX;
    assert!(matches!(
        huge.validate(),
        Err(ProverError::MalformedSystem(_))
    ));
    assert!(matches!(
        prover.prove(&huge, &assignment, &mut rng),
        Err(ProverError::MalformedSystem(_))
    ));
}

#[test]
fn a_faulty_backend_never_yields_a_proof() {
    let mut rng = seeded_rng("faulty backend");
    let (pk, r1cs, assignment) = cubic_setup(&mut rng, 4);
    let faulty = FaultyBackend::new(&[Fault::MsmG1AddsGenerator]);
    let prover = Groth16Prover::new(&faulty, pk).unwrap();
    assert!(matches!(
        prover.prove(&r1cs, &assignment, &mut rng),
        Err(ProverError::ProofDidNotVerify { backend: "faulty" })
    ));
}

#[test]
fn one_loaded_key_proves_many_witnesses() {
    let mut rng = seeded_rng("many witnesses");
    let circuit = CubicChain {
        x: Fr::rand(&mut rng),
        rounds: 20,
    };
    let pk = groth16_setup(circuit, &mut rng).unwrap();
    let backend = ArkworksBackend::new();
    let prover = Groth16Prover::new(&backend, pk.clone()).unwrap();
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    for _ in 0..3 {
        let circuit = CubicChain {
            x: Fr::rand(&mut rng),
            rounds: 20,
        };
        let y = circuit.output();
        let (r1cs, assignment) = synthesize(circuit).unwrap();
        let proof = prover.prove(&r1cs, &assignment, &mut rng).unwrap();
        assert!(Groth16::<Bn254>::verify_proof(&pvk, &proof, &[y]).unwrap());
        assert!(!Groth16::<Bn254>::verify_proof(&pvk, &proof, &[y + Fr::from(1u64)]).unwrap());
    }
}
