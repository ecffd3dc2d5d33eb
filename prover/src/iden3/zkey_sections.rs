//! What Groth16 and PLONK `.zkey` files share, in one place: the container (magic `zkey`,
//! version 1), section 1 (the protocol), the start of section 2, and sections of points.
//!
//! | section | contents |
//! | --- | --- |
//! | 1 | `u32 protocol`: [`GROTH16`] ([`super::groth16_zkey`]), [`PLONK`] ([`super::plonk_zkey`]) or [`FFLONK`] (not read) |
//! | 2 | `u32 n8q = 32, q, u32 n8r = 32, r, u32 nVars, u32 nPublic, u32 domainSize`, then the protocol's own fields |
//!
//! Points are affine with Montgomery-form coordinates, little-endian, G2 as `x.c0, x.c1, y.c0,
//! y.c1`, infinity as all zeros: exactly kiln's device layout (`kiln_host::layout`), so the same
//! decoder validates them (on the curve; G2 in the subgroup).

use ark_bn254::{G1Affine, G2Affine};
use kiln_host::layout::{PointCheck, G1_AFFINE_BYTES};

use super::{
    fq_modulus, fr_modulus, read_g1_points, read_g2_points, Container, FileSource, FormatError,
    Reader, Result,
};

/// Section 1 of a Groth16 key.
pub const GROTH16: u32 = 1;
/// Section 1 of a PLONK key.
pub const PLONK: u32 = 2;
/// Section 1 of an fflonk key (snarkjs writes them; kiln does not prove them).
pub const FFLONK: u32 = 10;

/// Parses a `.zkey`'s container and reads its protocol (section 1).
pub fn open<'a>(data: impl Into<FileSource<'a>>) -> Result<(Container<'a>, u32)> {
    let c = Container::parse(data, b"zkey", "zkey", 1)?;
    let mut p = c.section(1, "zkey protocol")?;
    let protocol = p.u32()?;
    p.finish()?;
    Ok((c, protocol))
}

/// Opens a `.zkey` that must be for `protocol` (`wrong` is the error for any other) and reads
/// the start of its section 2; the reader is left at the protocol's own header fields.
pub fn open_as<'a>(
    data: impl Into<FileSource<'a>>,
    protocol: u32,
    wrong: impl FnOnce(u32) -> FormatError,
) -> Result<(Container<'a>, Reader<'a>, HeaderStart)> {
    let (c, found) = open(data)?;
    if found != protocol {
        return Err(wrong(found));
    }
    let what = match protocol {
        GROTH16 => "zkey Groth16 header",
        PLONK => "zkey PLONK header",
        _ => "zkey header",
    };
    let mut h = c.section(2, what)?;
    h.prime(&fq_modulus(), "zkey header", "Fq")?;
    h.prime(&fr_modulus(), "zkey header", "Fr")?;
    let start = HeaderStart {
        n_vars: h.u32()? as usize,
        n_public: h.u32()? as usize,
        domain_size: h.u32()? as usize,
    };
    Ok((c, h, start))
}

/// The start of section 2, the same for every protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderStart {
    /// Signals, the constant one included (PLONK: also one internal signal per addition).
    pub n_vars: usize,
    /// Public signals (outputs and inputs), without the constant one.
    pub n_public: usize,
    /// The evaluation domain (the protocols check their own bounds on it).
    pub domain_size: usize,
}

/// The start of section 2 as [`open_as`] reads it: for the setups that write keys.
pub fn header_start_bytes(n_vars: u32, n_public: u32, domain_size: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(2 * (4 + 32) + 3 * 4);
    h.extend_from_slice(&32u32.to_le_bytes());
    h.extend_from_slice(&fq_modulus());
    h.extend_from_slice(&32u32.to_le_bytes());
    h.extend_from_slice(&fr_modulus());
    for v in [n_vars, n_public, domain_size] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h
}

/// One G1 point of a header.
pub(crate) fn g1(r: &mut Reader<'_>, what: &'static str) -> Result<G1Affine> {
    Ok(read_g1_points(r, 1, what)?[0])
}

/// One G2 point of a header, fully checked.
pub(crate) fn g2(r: &mut Reader<'_>, what: &'static str) -> Result<G2Affine> {
    Ok(read_g2_points(r, 1, what, PointCheck::Full)?[0])
}

/// A whole section of exactly `count` G1 points.
pub(crate) fn g1_section(
    c: &Container<'_>,
    id: u32,
    count: usize,
    what: &'static str,
) -> Result<Vec<G1Affine>> {
    let mut r = c.section(id, what)?;
    exact_size(&r, count as u64 * G1_AFFINE_BYTES as u64, what)?;
    let points = read_g1_points(&mut r, count as u64, what)?;
    c.release(id);
    Ok(points)
}

/// Fails unless the section holds exactly `expected` bytes, as the header implies.
pub(crate) fn exact_size(r: &Reader<'_>, expected: u64, what: &'static str) -> Result<()> {
    if r.remaining() as u64 != expected {
        return Err(FormatError::Inconsistent(format!(
            "zkey: {what} has {} bytes, the header implies {expected}",
            r.remaining()
        )));
    }
    Ok(())
}
