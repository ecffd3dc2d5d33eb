//! PLONK rows of the batch circuit (what snarkjs's R1CS-to-PLONK conversion makes of it), next
//! to its R1CS constraints, and how both grow per trade, account and series: run with
//! --nocapture (circuits/README.md records the numbers).

use kiln_circuits::batch_circuit::BatchCircuit;
use kiln_circuits::model::Shape;
use kiln_circuits::sample::quiet_batch;
use kiln_prover::iden3::r1cs::{read_r1cs, write_r1cs};
use kiln_prover::r1cs::synthesize;
use kiln_prover::setup::plonk::PlonkCircuit;

/// (R1CS constraints, PLONK gates, PLONK domain power).
fn size(shape: Shape) -> (usize, usize, u32) {
    let (state, batch) = quiet_batch(&shape);
    let (r1cs, _) = synthesize(BatchCircuit {
        shape,
        state,
        batch,
    })
    .unwrap();
    let (header, back) = read_r1cs(&write_r1cs(&r1cs, 1, Vec::new()).unwrap()).unwrap();
    let plonk = PlonkCircuit::from_r1cs(&header, &back);
    (
        r1cs.num_constraints(),
        plonk.gates.len(),
        plonk.domain_power(),
    )
}

#[test]
fn sizes_per_trade_account_and_series() {
    let base = Shape {
        accounts: 4,
        slots: 3,
        trades: 4,
        series: 2,
    };
    let (r, g, _) = size(base);
    let diff = |s: Shape, n: usize| {
        let (r2, g2, _) = size(s);
        ((r2 - r) / n, (g2 - g) / n)
    };
    println!("base {base:?}: {r} R1CS constraints, {g} PLONK gates");
    println!(
        "per trade (4 accounts x 3 slots): {:?}",
        diff(Shape { trades: 8, ..base }, 4)
    );
    println!(
        "per account (4 trades): {:?}",
        diff(
            Shape {
                accounts: 8,
                ..base
            },
            4
        )
    );
    println!(
        "per option series: {:?}",
        diff(Shape { series: 3, ..base }, 1)
    );
    let demo = Shape::DEMO;
    let (r, g, _) = size(demo);
    let diff = |s: Shape, n: usize| {
        let (r2, g2, _) = size(s);
        ((r - r2) / n, (g - g2) / n)
    };
    println!(
        "at the demo shape, per trade: {:?}",
        diff(
            Shape {
                trades: demo.trades - 8,
                ..demo
            },
            8
        )
    );
    println!(
        "at the demo shape, per account: {:?}",
        diff(
            Shape {
                accounts: demo.accounts / 2,
                ..demo
            },
            demo.accounts / 2
        )
    );
    println!(
        "at the demo shape, per series: {:?}",
        diff(
            Shape {
                series: demo.series - 1,
                ..demo
            },
            1
        )
    );
    for shape in [
        Shape::TEST,
        Shape {
            accounts: 16,
            slots: 3,
            trades: 16,
            series: 4,
        },
        Shape {
            accounts: 16,
            slots: 3,
            trades: 32,
            series: 4,
        },
        Shape::DEMO,
    ] {
        let (r, g, p) = size(shape);
        println!("{shape:?}: {r} R1CS constraints, {g} PLONK gates, PLONK domain 2^{p}");
    }
}
