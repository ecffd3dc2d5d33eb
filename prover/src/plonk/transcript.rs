//! The Fiat-Shamir transcript of snarkjs's PLONK (`Keccak256Transcript`).
//!
//! Each challenge hashes a fresh list of items with Keccak-256 and reads the digest as a
//! big-endian integer reduced mod r; the list is then cleared. G1 points enter as 64 bytes,
//! `x || y` big-endian in canonical form, with infinity as 64 zero bytes: snarkjs serialises
//! them with the wasm curve's `LEMtoU`, which writes the zero affine point for infinity (the
//! pure-JavaScript curve would set a 0x40 flag, but snarkjs does not use it for BN254). A
//! circuit without multiplication gates has Qm = infinity, so this matters. Scalars enter as
//! 32 bytes big-endian.

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use sha3::{Digest, Keccak256};

/// Bytes of one G1 point in the transcript.
const POINT_BYTES: usize = 64;

/// A Keccak-256 transcript that resets after every challenge, as snarkjs's does.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    buffer: Vec<u8>,
}

impl Transcript {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a G1 commitment.
    pub fn add_point(&mut self, p: &G1Affine) {
        match p.xy() {
            None => self.buffer.extend_from_slice(&[0u8; POINT_BYTES]),
            Some((x, y)) => {
                self.buffer
                    .extend_from_slice(&x.into_bigint().to_bytes_be());
                self.buffer
                    .extend_from_slice(&y.into_bigint().to_bytes_be());
            }
        }
    }

    /// Appends a scalar.
    pub fn add_scalar(&mut self, s: &Fr) {
        self.buffer
            .extend_from_slice(&s.into_bigint().to_bytes_be());
    }

    /// Hashes everything added since the last challenge and clears the list.
    ///
    /// # Panics
    /// If nothing was added: snarkjs refuses that too, and no protocol step asks for it.
    pub fn challenge(&mut self) -> Fr {
        assert!(
            !self.buffer.is_empty(),
            "a challenge needs at least one transcript item"
        );
        let digest = Keccak256::digest(&self.buffer);
        self.buffer.clear();
        Fr::from_be_bytes_mod_order(&digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::One;

    #[test]
    fn points_and_scalars_are_big_endian_and_the_transcript_resets() {
        let g = G1Affine::generator();
        let mut t = Transcript::new();
        t.add_point(&g);
        t.add_scalar(&Fr::from(5u64));
        let mut expected = vec![0u8; 96];
        expected[31] = 1; // x = 1
        expected[63] = 2; // y = 2
        expected[95] = 5;
        assert_eq!(t.buffer, expected);
        let c = t.challenge();
        assert!(t.buffer.is_empty());
        assert_eq!(
            c,
            Fr::from_be_bytes_mod_order(&Keccak256::digest(&expected))
        );
        // The same items give the same challenge; another item changes it.
        t.add_point(&g);
        t.add_scalar(&Fr::from(5u64));
        assert_eq!(t.challenge(), c);
        t.add_point(&(g * Fr::from(2u64)).into_affine());
        t.add_scalar(&Fr::one());
        assert_ne!(t.challenge(), c);
    }

    #[test]
    fn infinity_is_64_zero_bytes() {
        let mut t = Transcript::new();
        t.add_point(&G1Affine::zero());
        assert_eq!(t.buffer, vec![0u8; 64]);
    }
}
