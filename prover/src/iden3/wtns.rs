//! `.wtns`: a witness as circom's generated witness calculator writes it (versions 1 and 2, which
//! share this layout).
//!
//! Section 1: `u32 n8, prime, u32 count`. Section 2: `count` values, plain little-endian.

use std::io::Write;
use std::path::Path;

use ark_bn254::Fr;
use kiln_host::layout::{self, Form};

use super::writer::ContainerWriter;
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

/// Writes a full witness (wire 0 first) as a `.wtns`, version 2, as circom's calculator does.
pub fn write_wtns<W: Write>(witness: &[Fr], out: W) -> std::io::Result<W> {
    let count = u32::try_from(witness.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a witness of 2^32 values or more",
        )
    })?;
    let mut w = ContainerWriter::new(out, b"wtns", 2, 2)?;
    let mut header = Vec::with_capacity(40);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fr_modulus());
    header.extend_from_slice(&count.to_le_bytes());
    w.section(1, &header)?;
    let mut values = w.begin(2, u64::from(count) * 32)?;
    for v in witness {
        values.write_all(&layout::fr_to_bytes(v, Form::Canonical))?;
    }
    values.end()?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use kiln_host::conformance::seeded_rng;

    #[test]
    fn a_written_witness_reads_back() {
        let mut rng = seeded_rng("wtns round trip");
        let mut witness: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        witness[0] = Fr::from(1u64);
        witness[1] = -Fr::from(1u64);
        let bytes = write_wtns(&witness, Vec::new()).unwrap();
        assert_eq!(read_wtns(&bytes).unwrap(), witness);
    }
}
