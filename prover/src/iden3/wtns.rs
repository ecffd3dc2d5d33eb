//! `.wtns`: a witness as circom's generated witness calculator writes it (versions 1 and 2, which
//! share this layout).
//!
//! Section 1: `u32 n8, prime, u32 count`. Section 2: `count` values, plain little-endian.

use std::path::Path;

use ark_bn254::Fr;

use super::{fr_modulus, read_fr_array, Container, FileBytes, Result};

/// Reads a `.wtns` file.
pub fn read_wtns_file(path: &Path) -> Result<Vec<Fr>> {
    read_wtns(FileBytes::open(path)?.bytes())
}

/// Parses `.wtns` bytes: the full witness, wire 0 first.
pub fn read_wtns(data: &[u8]) -> Result<Vec<Fr>> {
    let container = Container::parse(data, b"wtns", "wtns", 2)?;
    let mut header = container.section(1, "witness header")?;
    header.prime(&fr_modulus(), "witness header", "Fr")?;
    let count = header.u32()?;
    header.finish()?;
    let mut values = container.section(2, "witness values")?;
    let witness = read_fr_array(&mut values, u64::from(count), "witness value")?;
    values.finish()?;
    Ok(witness)
}
