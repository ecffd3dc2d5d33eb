//! Support code shared by integration tests.

pub mod evm;
