//! PLONK over BN254 with KZG commitments, compatible with snarkjs (`snarkjs plonk ...`).
//!
//! * [`crate::iden3::plonk_zkey`]: snarkjs PLONK proving keys (zkey protocol 2), read beside the
//!   other iden3 formats.
//! * [`prover`]: the five rounds of snarkjs's prover over the backend seam.
//! * [`verifier`]: the native verifier (snarkjs's `plonk verify`).
//! * [`transcript`]: the Keccak-256 Fiat-Shamir transcript.
//! * [`json`]: snarkjs's PLONK `proof.json` and `verification_key.json`.

pub mod json;
pub mod prover;
pub mod transcript;
pub mod verifier;

use ark_bn254::{Fr, G1Affine, G2Affine};

/// What a PLONK verifier needs: snarkjs's `verification_key.json` for protocol "plonk".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkVerifyingKey {
    /// Public signals (outputs and inputs), without the constant one.
    pub n_public: usize,
    /// log2 of the domain size.
    pub power: u32,
    /// The coset shifts that label the B and C wire columns of the permutation.
    pub k1: Fr,
    pub k2: Fr,
    pub qm: G1Affine,
    pub ql: G1Affine,
    pub qr: G1Affine,
    pub qo: G1Affine,
    pub qc: G1Affine,
    pub s1: G1Affine,
    pub s2: G1Affine,
    pub s3: G1Affine,
    /// `[tau]_2`.
    pub x_2: G2Affine,
}

/// A PLONK proof as snarkjs writes it: nine commitments and six evaluations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkProof {
    pub a: G1Affine,
    pub b: G1Affine,
    pub c: G1Affine,
    pub z: G1Affine,
    pub t1: G1Affine,
    pub t2: G1Affine,
    pub t3: G1Affine,
    pub wxi: G1Affine,
    pub wxiw: G1Affine,
    pub eval_a: Fr,
    pub eval_b: Fr,
    pub eval_c: Fr,
    pub eval_s1: Fr,
    pub eval_s2: Fr,
    pub eval_zw: Fr,
}
