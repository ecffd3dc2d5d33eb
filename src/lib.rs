//! # kiln
//!
//! A BN254 proving coprocessor: one Groth16/PLONK prover API over interchangeable backends
//! (kiln's own CPU MSM, the arkworks reference, CUDA, WGSL/wgpu and FPGA backends behind the
//! same seam), every one checked bit-for-bit against the arkworks reference. [`prover::api`] proves snarkjs keys of either
//! system; [`prover::setup`] makes them.
//!
//! ```no_run
//! use ark_bn254::Fr;
//! use kiln::prover::{examples::CubicChain, groth16_setup, synthesize, Groth16Prover};
//!
//! let mut rng = ark_std::rand::thread_rng();
//! let circuit = CubicChain { x: Fr::from(3u64), rounds: 1000 };
//! let pk = groth16_setup(circuit.clone(), &mut rng)?;
//! let backend = kiln::backends::open_best();
//! let prover = Groth16Prover::new(&*backend, pk)?; // bases uploaded once
//! let (r1cs, assignment) = synthesize(circuit)?;
//! let proof = prover.prove(&r1cs, &assignment, &mut rng)?; // verified before it is returned
//! # Ok::<(), kiln::prover::ProverError>(())
//! ```

pub mod backends;
pub mod settlement;

pub use kiln_circuits as circuits;
pub use kiln_cpu as cpu;
pub use kiln_host as host;
pub use kiln_prover as prover;

pub use kiln_host::{Backend, NttOp, VecOp};
pub use kiln_prover::{Groth16Prover, ProverError};
