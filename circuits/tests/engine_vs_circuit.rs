//! The engine and the circuit are one definition run two ways: for accepted batches the circuit
//! is satisfied by the engine's computation and agrees with it on every output; for rejected
//! batches the engine names the rule and the circuit has no satisfying witness; and the circuit's
//! matrices do not depend on the batch.

use ark_bn254::Fr;
use kiln_circuits::arith::Rejection;
use kiln_circuits::batch_circuit::BatchCircuit;
use kiln_circuits::circuit_machine::{proving_system, Circuit};
use kiln_circuits::engine;
use kiln_circuits::model::{Batch, Instrument, Shape, State, Trade};
use kiln_circuits::sample::{demo_batch, quiet_batch};
use kiln_circuits::transition;
use kiln_host::conformance::seeded_rng;
use kiln_prover::r1cs::synthesize;

/// Runs the transition on the circuit machine: whether its constraints are satisfied, and the
/// new state its values describe.
fn circuit_run(shape: &Shape, state: &State, batch: &Batch) -> (bool, Option<State>, Fr) {
    let cs = proving_system();
    let mut c = Circuit::new(cs.clone());
    let t = transition::run(&mut c, shape, state, batch).expect("shapes are valid");
    c.public(&t.public);
    let new_state = t.new_state(&c, shape);
    let public = kiln_circuits::arith::Arith::value(&c, &t.public);
    c.finish().unwrap();
    (cs.is_satisfied().unwrap(), new_state, public)
}

fn small_demo(seed: &str) -> (Shape, State, Batch) {
    let shape = Shape {
        accounts: 4,
        slots: 2,
        trades: 6,
        series: 2,
    };
    let (state, batch) = demo_batch(&shape, &mut seeded_rng(seed));
    (shape, state, batch)
}

#[test]
fn accepted_batches_satisfy_the_circuit_and_agree_with_the_engine() {
    for seed in ["batch a", "batch b", "batch c"] {
        let (shape, state, batch) = small_demo(seed);
        assert!(!batch.trades.is_empty(), "{seed}: the sample has trades");
        let outcome = engine::apply(&shape, &state, &batch).unwrap();
        let (satisfied, new_state, public) = circuit_run(&shape, &state, &batch);
        assert!(
            satisfied,
            "{seed}: the engine's computation does not satisfy the circuit"
        );
        assert_eq!(new_state.as_ref(), Some(&outcome.new_state), "{seed}");
        assert_eq!(public, outcome.public, "{seed}");
        assert_ne!(
            outcome.old_root, outcome.new_root,
            "{seed}: trades change the state"
        );
    }
}

#[test]
fn the_circuit_shape_does_not_depend_on_the_batch() {
    let (shape, state, batch) = small_demo("shape a");
    let (r1, w1) = synthesize(BatchCircuit {
        shape,
        state,
        batch,
    })
    .unwrap();
    let (qs, qb) = quiet_batch(&shape);
    let (r2, w2) = synthesize(BatchCircuit {
        shape,
        state: qs,
        batch: qb,
    })
    .unwrap();
    assert_eq!(w1.len(), w2.len());
    assert_eq!(r1.num_instance_variables, r2.num_instance_variables);
    assert_eq!(
        r1.matrices, r2.matrices,
        "the matrices differ between two batches of one shape"
    );
    assert_ne!(w1, w2);
    println!(
        "shape {shape:?}: {} constraints, {} variables",
        r1.num_constraints(),
        w1.len()
    );
}

/// A bad batch: how to make it from a good one, and which rejections the engine may give.
struct BadBatch {
    what: &'static str,
    mutate: Box<dyn Fn(&mut Batch)>,
    expected: fn(&Rejection) -> bool,
}

fn bad(
    what: &'static str,
    mutate: impl Fn(&mut Batch) + 'static,
    expected: fn(&Rejection) -> bool,
) -> BadBatch {
    BadBatch {
        what,
        mutate: Box::new(mutate),
        expected,
    }
}

#[test]
fn rejected_batches_have_no_satisfying_witness() {
    let (shape, state, batch) = small_demo("rejections");
    let first = batch.trades[0];
    let stale = |e: &Rejection| matches!(e, Rejection::StalePrice { .. });
    let out_of_range = |e: &Rejection| matches!(e, Rejection::OutOfRange { .. });
    let unaffordable = |e: &Rejection| {
        matches!(
            e,
            Rejection::InsufficientMargin { .. } | Rejection::Invalid { .. }
        )
    };
    let (slots, accounts) = (shape.slots, shape.accounts);
    let under_water = accounts - 1;
    let cases = [
        bad("a stale price", |b| b.market.timestamp = b.time - 61, stale),
        bad(
            "a price from the future",
            |b| b.market.timestamp = b.time + 1,
            stale,
        ),
        bad("a zero price", |b| b.trades[0].price = 0, out_of_range),
        bad(
            "a zero quantity",
            |b| b.trades[0].quantity = 0,
            out_of_range,
        ),
        bad("a zero spot", |b| b.market.spot = 0, out_of_range),
        bad(
            "a self trade",
            move |b| {
                b.trades[0].seller = first.buyer;
                b.trades[0].seller_slot = (first.buyer_slot + 1) % slots;
            },
            |e| matches!(e, Rejection::Invalid { .. }),
        ),
        bad(
            "a trade far beyond any account's collateral",
            move |b| {
                b.trades.truncate(1);
                b.trades[0] = Trade {
                    quantity: (1 << 31) - 1,
                    instrument: Instrument::Perpetual,
                    price: 1 << 40,
                    ..first
                };
            },
            unaffordable,
        ),
        bad(
            "liquidating a healthy account",
            move |b| b.liquidations.push(first.buyer),
            |e| {
                matches!(
                    e,
                    Rejection::LiquidationOfHealthyAccount { .. }
                        | Rejection::InsufficientMargin { .. }
                )
            },
        ),
        bad(
            "a trade by an account under water, not liquidated",
            move |b| {
                b.liquidations.clear();
                b.trades[0] = Trade {
                    buyer: under_water,
                    buyer_slot: 1,
                    instrument: Instrument::Perpetual,
                    ..first
                };
                if b.trades[0].seller == under_water {
                    b.trades[0].seller = (under_water + 1) % accounts;
                }
            },
            unaffordable,
        ),
    ];
    for case in cases {
        let mut b = batch.clone();
        (case.mutate)(&mut b);
        let what = case.what;
        let err = engine::apply(&shape, &state, &b).expect_err(what);
        assert!((case.expected)(&err), "{what}: the engine said {err}");
        let (satisfied, _, _) = circuit_run(&shape, &state, &b);
        assert!(
            !satisfied,
            "{what}: the circuit is satisfied by a batch the engine rejects ({err})"
        );
    }
}
