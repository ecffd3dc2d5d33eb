//! `.r1cs`: circom's constraint system (version 1).
//!
//! Section 1 (header): `u32 n8, prime, u32 nWires, nPubOut, nPubIn, nPrvIn, u64 nLabels,
//! u32 nConstraints`. Section 2 (constraints): per constraint, for A, B and C, `u32 n` then `n`
//! pairs `(u32 wire, n8-byte coefficient)`, coefficients plain little-endian. Section 3 maps wires
//! to labels and is not needed to prove.
//!
//! Wire 0 is the constant one, then the public outputs, public inputs and private inputs: the same
//! order as arkworks' variables, so a file converts to [`crate::R1cs`] without renumbering.

use std::io::Write;
use std::path::Path;

use ark_bn254::Fr;
use ark_relations::gr1cs::Matrix;
use kiln_host::layout::{self, Form};

use super::{fr_modulus, Container, FileBytes, FormatError, Reader, Result};
use crate::r1cs::R1cs;

/// The header of a `.r1cs` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csHeader {
    pub n_wires: u32,
    pub n_pub_out: u32,
    pub n_pub_in: u32,
    pub n_prv_in: u32,
    pub n_labels: u64,
    pub n_constraints: u32,
}

impl R1csHeader {
    /// Public signals (outputs, then inputs), not counting the constant wire.
    pub fn n_public(&self) -> u32 {
        self.n_pub_out + self.n_pub_in
    }
}

/// Reads a `.r1cs` file into its header and constraint matrices.
pub fn read_r1cs_file(path: &Path) -> Result<(R1csHeader, R1cs)> {
    read_r1cs(FileBytes::open(path)?.bytes())
}

/// Parses `.r1cs` bytes.
pub fn read_r1cs(data: &[u8]) -> Result<(R1csHeader, R1cs)> {
    let container = Container::parse(data, b"r1cs", "r1cs", 1)?;
    let mut h = container.section(1, "r1cs header")?;
    h.prime(&fr_modulus(), "r1cs header", "Fr")?;
    let header = R1csHeader {
        n_wires: h.u32()?,
        n_pub_out: h.u32()?,
        n_pub_in: h.u32()?,
        n_prv_in: h.u32()?,
        n_labels: h.u64()?,
        n_constraints: h.u32()?,
    };
    h.finish()?;
    if container.has_section(4) || container.has_section(5) {
        return Err(FormatError::Inconsistent(
            "r1cs: the file uses custom gates (sections 4 and 5, circom's PLONK-only extension); they are not R1CS".into(),
        ));
    }
    let public = u64::from(header.n_pub_out) + u64::from(header.n_pub_in);
    if public + u64::from(header.n_prv_in) + 1 > u64::from(header.n_wires) {
        return Err(FormatError::Inconsistent(format!(
            "r1cs: {} public and {} private inputs do not fit in {} wires",
            public, header.n_prv_in, header.n_wires
        )));
    }

    let mut body = container.section(2, "r1cs constraints")?;
    // Each constraint needs at least three 4-byte term counts.
    body.expect_records(u64::from(header.n_constraints), 12)?;
    let n = header.n_constraints as usize;
    let mut matrices: [Matrix<Fr>; 3] = [
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    ];
    for index in 0..header.n_constraints {
        for matrix in matrices.iter_mut() {
            matrix.push(read_lc(&mut body, header.n_wires, index)?);
        }
    }
    if body.remaining() != 0 {
        return Err(FormatError::Inconsistent(format!(
            "r1cs: {} bytes after the last of {} constraints",
            body.remaining(),
            header.n_constraints
        )));
    }
    let instance = 1 + public as usize;
    let r1cs = R1cs {
        matrices,
        num_instance_variables: instance,
        num_witness_variables: header.n_wires as usize - instance,
    };
    Ok((header, r1cs))
}

/// Writes `r1cs` as a circom `.r1cs` (version 1, sections 1, 2 and 3, in circom's order) with
/// `n_pub_out` of its public variables counted as outputs and the rest as inputs; the labels map
/// each wire to itself. Linear combinations with a wire named twice are merged, zero terms
/// dropped, and terms sorted by wire as circom writes them.
pub fn write_r1cs<W: Write>(r1cs: &R1cs, n_pub_out: u32, out: W) -> std::io::Result<W> {
    let n_wires = u32::try_from(r1cs.num_variables()).map_err(too_many)?;
    let n_public = u32::try_from(r1cs.num_instance_variables - 1).map_err(too_many)?;
    let n_constraints = u32::try_from(r1cs.num_constraints()).map_err(too_many)?;
    if n_pub_out > n_public {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{n_pub_out} public outputs but only {n_public} public variables"),
        ));
    }
    let mut w = super::writer::ContainerWriter::new(out, b"r1cs", 1, 3)?;
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&fr_modulus());
    for v in [n_wires, n_pub_out, n_public - n_pub_out, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&u64::from(n_wires).to_le_bytes());
    header.extend_from_slice(&n_constraints.to_le_bytes());
    w.section(1, &header)?;

    let mut body = Vec::new();
    for row in 0..r1cs.num_constraints() {
        for matrix in &r1cs.matrices {
            let mut terms: Vec<(usize, Fr)> = Vec::with_capacity(matrix[row].len());
            for &(coeff, wire) in &matrix[row] {
                terms.push((wire, coeff));
            }
            terms.sort_unstable_by_key(|t| t.0);
            let mut merged: Vec<(usize, Fr)> = Vec::with_capacity(terms.len());
            for (wire, coeff) in terms {
                match merged.last_mut() {
                    Some(last) if last.0 == wire => last.1 += coeff,
                    _ => merged.push((wire, coeff)),
                }
            }
            merged.retain(|t| !ark_ff::Zero::is_zero(&t.1));
            body.extend_from_slice(&(merged.len() as u32).to_le_bytes());
            for (wire, coeff) in merged {
                body.extend_from_slice(&(wire as u32).to_le_bytes());
                body.extend_from_slice(&layout::fr_to_bytes(&coeff, Form::Canonical));
            }
        }
    }
    w.section(2, &body)?;
    let labels: Vec<u8> = (0..u64::from(n_wires)).flat_map(u64::to_le_bytes).collect();
    w.section(3, &labels)?;
    w.finish()
}

fn too_many(_: std::num::TryFromIntError) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "more wires or constraints than a .r1cs file can count (2^32)",
    )
}

fn read_lc(r: &mut Reader<'_>, n_wires: u32, constraint: u32) -> Result<Vec<(Fr, usize)>> {
    let terms = r.u32()?;
    r.expect_records(u64::from(terms), 36)?;
    let mut lc = Vec::with_capacity(terms as usize);
    for _ in 0..terms {
        let wire = r.u32()?;
        if wire >= n_wires {
            return Err(FormatError::Inconsistent(format!(
                "r1cs: constraint {constraint} names wire {wire}, but there are only {n_wires}"
            )));
        }
        let coeff = r.fr(Form::Canonical, "r1cs coefficient", u64::from(constraint))?;
        lc.push((coeff, wire as usize));
    }
    // circom writes each wire once per linear combination; a repeat would be read as a sum by
    // kiln and as "last one wins" by snarkjs's reader, so it is refused as ambiguous.
    let mut wires: Vec<usize> = lc.iter().map(|(_, w)| *w).collect();
    wires.sort_unstable();
    if let Some(w) = wires.windows(2).find(|p| p[0] == p[1]) {
        return Err(FormatError::Inconsistent(format!(
            "r1cs: constraint {constraint} names wire {} twice in one linear combination",
            w[0]
        )));
    }
    Ok(lc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::CubicChain;
    use crate::r1cs::synthesize;

    #[test]
    fn a_written_system_reads_back_with_its_header() {
        let (r1cs, assignment) = synthesize(CubicChain {
            x: Fr::from(3u64),
            rounds: 9,
        })
        .unwrap();
        let public = r1cs.num_instance_variables as u32 - 1;
        let bytes = write_r1cs(&r1cs, public, Vec::new()).unwrap();
        let (header, back) = read_r1cs(&bytes).unwrap();
        assert_eq!(header.n_wires as usize, r1cs.num_variables());
        assert_eq!(
            (header.n_pub_out, header.n_pub_in, header.n_prv_in),
            (public, 0, 0)
        );
        assert_eq!(header.n_constraints as usize, r1cs.num_constraints());
        assert_eq!(back.num_instance_variables, r1cs.num_instance_variables);
        // Row by row, the same linear combinations (up to term order).
        for (m, (ours, theirs)) in r1cs.matrices.iter().zip(&back.matrices).enumerate() {
            for (row, (a, b)) in ours.iter().zip(theirs).enumerate() {
                let mut a = a.clone();
                a.sort_by_key(|t| t.1);
                assert_eq!(&a, b, "matrix {m}, row {row}");
            }
        }
        back.check_satisfied(&assignment).unwrap();
    }

    #[test]
    fn repeated_wires_are_merged_and_zero_terms_dropped() {
        let one = Fr::from(1u64);
        let r1cs = R1cs {
            matrices: [
                vec![vec![(one, 1), (Fr::from(2u64), 1), (one, 0), (-one, 0)]],
                vec![vec![(one, 0)]],
                vec![vec![(Fr::from(3u64), 1)]],
            ],
            num_instance_variables: 2,
            num_witness_variables: 0,
        };
        let (_, back) = read_r1cs(&write_r1cs(&r1cs, 0, Vec::new()).unwrap()).unwrap();
        assert_eq!(back.matrices[0][0], vec![(Fr::from(3u64), 1)]);
        assert!(
            write_r1cs(&r1cs, 2, Vec::new()).is_err(),
            "more outputs than public variables"
        );
    }
}
