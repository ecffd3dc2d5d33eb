//! kiln's derivatives frontend.
//!
//! An exchange settles a batch of state transitions (trades, mark prices, option expiries,
//! liquidations) off-chain and proves it on-chain. This crate defines that transition once, over
//! the [`arith::Arith`] instruction set, and runs it two ways: natively ([`native::Native`], the
//! engine and test oracle, which names the rule a bad batch breaks) and as an R1CS
//! ([`circuit_machine::Circuit`], wrapped for a whole batch by [`batch_circuit::BatchCircuit`])
//! that kiln's Groth16 and PLONK provers prove through circom-format `.r1cs`/`.wtns` files.

pub mod arith;
pub mod batch_circuit;
pub mod circuit_machine;
pub mod engine;
pub mod fixed;
pub mod json;
pub mod model;
pub mod native;
pub mod poseidon;
pub mod pricing;
pub mod prove;
pub mod sample;
pub mod transition;
pub mod units;
