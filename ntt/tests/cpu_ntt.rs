//! kiln's CPU NTT against arkworks' radix-2 domains, bit for bit: every op, every size from 1 to
//! 2^16 and one past the parallel cut-offs, random inputs (seed printed) and the edge cases of
//! ARCHITECTURE.md (zeros, all equal, r - 1, a single non-zero value). Every check runs with the
//! eight-lane IFMA butterflies off and on (on only where the CPU has them), so both paths and
//! their block sizes (64 values, `LANE_BLOCK`, the radix-4 passes above it) meet arkworks.

use ark_bn254::Fr;
use ark_ff::{UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use kiln_host::conformance::seeded_rng;
use kiln_host::NttOp;
use kiln_ntt::cpu::transform;

fn arkworks(op: NttOp, input: &[Fr]) -> Vec<Fr> {
    let d = Radix2EvaluationDomain::<Fr>::new(input.len()).unwrap();
    match op {
        NttOp::Forward => d.fft(input),
        NttOp::Inverse => d.ifft(input),
        NttOp::CosetForward(g) => d.get_coset(g).unwrap().fft(input),
        NttOp::CosetInverse(g) => d.get_coset(g).unwrap().ifft(input),
    }
}

fn check(label: &str, input: &[Fr], shift: Fr) {
    let ops = [
        NttOp::Forward,
        NttOp::Inverse,
        NttOp::CosetForward(Fr::from(7u64)),
        NttOp::CosetInverse(Fr::from(7u64)),
        NttOp::CosetForward(shift),
        NttOp::CosetInverse(shift),
    ];
    for op in ops {
        let want = arkworks(op, input);
        for lanes in [false, true] {
            set_lanes(lanes);
            let mut got = input.to_vec();
            transform(&mut got, op);
            set_lanes(true);
            if let Some(i) = (0..want.len()).find(|&i| got[i] != want[i]) {
                panic!(
                    "{label}: {op:?} at n = {} (lanes {lanes}) differs from arkworks first at index {i}",
                    input.len()
                );
            }
        }
    }
}

/// The eight-lane butterflies on or off (a no-op where there are none).
fn set_lanes(on: bool) {
    #[cfg(target_arch = "x86_64")]
    kiln_field::ifma::set_enabled(on);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = on;
}

#[test]
fn every_op_matches_arkworks_on_random_inputs() {
    let mut rng = seeded_rng("cpu ntt random");
    let shift = Fr::rand(&mut rng);
    for log_n in (0..=16).chain([18]) {
        let input: Vec<Fr> = (0..1usize << log_n).map(|_| Fr::rand(&mut rng)).collect();
        check(&format!("random 2^{log_n}"), &input, shift);
    }
}

#[test]
fn every_op_matches_arkworks_on_edge_cases() {
    let mut rng = seeded_rng("cpu ntt edges");
    let shift = Fr::rand(&mut rng);
    let minus_one = -Fr::from(1u64);
    for log_n in [0, 1, 5, 6, 12, 13] {
        let n = 1usize << log_n;
        let mut single = vec![Fr::zero(); n];
        single[n / 2] = minus_one;
        let cases = [
            ("zeros", vec![Fr::zero(); n]),
            ("all equal", vec![Fr::rand(&mut rng); n]),
            ("r - 1", vec![minus_one; n]),
            ("one non-zero value", single),
        ];
        for (name, input) in cases {
            check(&format!("{name} 2^{log_n}"), &input, shift);
        }
    }
}

#[test]
fn a_transform_and_its_inverse_give_the_input_back() {
    let mut rng = seeded_rng("cpu ntt round trip");
    let shift = Fr::rand(&mut rng);
    let input: Vec<Fr> = (0..1usize << 15).map(|_| Fr::rand(&mut rng)).collect();
    for (forward, inverse) in [
        (NttOp::Forward, NttOp::Inverse),
        (NttOp::CosetForward(shift), NttOp::CosetInverse(shift)),
    ] {
        let mut v = input.clone();
        transform(&mut v, forward);
        assert_ne!(v, input, "{forward:?} left the input unchanged");
        transform(&mut v, inverse);
        assert!(v == input, "{inverse:?} did not undo {forward:?}");
    }
}
