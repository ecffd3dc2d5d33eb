//! Support code shared by integration tests. Each test binary compiles this module and uses
//! part of it.
#![allow(dead_code)]

pub mod evm;
pub mod interop;
pub mod queue;
pub mod scratch;
pub mod serve;
pub mod solc;
