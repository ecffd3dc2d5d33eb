//! `.ptau`: a snarkjs powers of tau (version 1), the input of the circuit-specific setups.
//!
//! | section | contents |
//! | --- | --- |
//! | 1 | `u32 n8` (32), `q` (32 bytes LE), `u32 power`, `u32 ceremonyPower` |
//! | 2 | tauG1: `tau^i G1` for `i < 2^(power+1) - 1` |
//! | 3 | tauG2: `tau^i G2` for `i < 2^power` |
//! | 4, 5 | alphaTauG1, betaTauG1: `alpha tau^i G1`, `beta tau^i G1` for `i < 2^power` |
//! | 6 | betaG2: one G2 point |
//! | 7 | contributions (not needed for a setup) |
//! | 12 | tauG1 in the Lagrange basis: levels `p = 0..=power+1`, `2^p` points each |
//! | 13, 14, 15 | tauG2, alphaTauG1, betaTauG1 in the Lagrange basis: levels `p = 0..=power` |
//!
//! Sections 12 to 15 are what `snarkjs powersoftau prepare phase2` adds: level `p` of a section
//! is the inverse FFT over the `2^p`-th roots of unity of the first `2^p` points of the
//! matching monomial section, i.e. `L_i(tau)` times the base, `i < 2^p`. Level `power + 1` of
//! section 12 uses all `2^(power+1) - 1` tauG1 points and a zero (point at infinity) last.
//!
//! Points are in kiln's device layout (see [`super::zkey_sections`]) and are decoded by the same
//! validating helpers. The reader checks every section's size against the header before handing
//! out anything, and offers a range of a section both as raw bytes (setups copy some ranges into
//! keys verbatim, as snarkjs does) and as decoded, validated points.

use std::ops::Range;

use ark_bn254::{G1Affine, G2Affine};
use kiln_host::layout::{PointCheck, G1_AFFINE_BYTES, G2_AFFINE_BYTES};

use super::{fq_modulus, read_g1_points, read_g2_points, Container, FormatError, Reader, Result};

/// The largest power a ptau can have: BN254's Fr has `2^28`-th roots of unity, and snarkjs's
/// bn128 ceremonies stop there.
pub const PTAU_MAX_POWER: u32 = 28;

/// The point sections of a `.ptau` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PtauSection {
    TauG1,
    TauG2,
    AlphaTauG1,
    BetaTauG1,
    BetaG2,
    LagrangeTauG1,
    LagrangeTauG2,
    LagrangeAlphaTauG1,
    LagrangeBetaTauG1,
}

impl PtauSection {
    /// Every point section, in file order.
    pub const ALL: [PtauSection; 9] = [
        PtauSection::TauG1,
        PtauSection::TauG2,
        PtauSection::AlphaTauG1,
        PtauSection::BetaTauG1,
        PtauSection::BetaG2,
        PtauSection::LagrangeTauG1,
        PtauSection::LagrangeTauG2,
        PtauSection::LagrangeAlphaTauG1,
        PtauSection::LagrangeBetaTauG1,
    ];

    /// The section id in the file.
    pub fn id(self) -> u32 {
        match self {
            PtauSection::TauG1 => 2,
            PtauSection::TauG2 => 3,
            PtauSection::AlphaTauG1 => 4,
            PtauSection::BetaTauG1 => 5,
            PtauSection::BetaG2 => 6,
            PtauSection::LagrangeTauG1 => 12,
            PtauSection::LagrangeTauG2 => 13,
            PtauSection::LagrangeAlphaTauG1 => 14,
            PtauSection::LagrangeBetaTauG1 => 15,
        }
    }

    /// snarkjs's name for the section.
    pub fn name(self) -> &'static str {
        match self {
            PtauSection::TauG1 => "ptau tauG1",
            PtauSection::TauG2 => "ptau tauG2",
            PtauSection::AlphaTauG1 => "ptau alphaTauG1",
            PtauSection::BetaTauG1 => "ptau betaTauG1",
            PtauSection::BetaG2 => "ptau betaG2",
            PtauSection::LagrangeTauG1 => "ptau tauG1 (Lagrange)",
            PtauSection::LagrangeTauG2 => "ptau tauG2 (Lagrange)",
            PtauSection::LagrangeAlphaTauG1 => "ptau alphaTauG1 (Lagrange)",
            PtauSection::LagrangeBetaTauG1 => "ptau betaTauG1 (Lagrange)",
        }
    }

    pub fn is_g2(self) -> bool {
        matches!(
            self,
            PtauSection::TauG2 | PtauSection::BetaG2 | PtauSection::LagrangeTauG2
        )
    }

    /// Bytes per point.
    pub fn point_bytes(self) -> u64 {
        if self.is_g2() {
            G2_AFFINE_BYTES as u64
        } else {
            G1_AFFINE_BYTES as u64
        }
    }

    /// Whether `prepare phase2` writes it.
    pub fn is_lagrange(self) -> bool {
        self.id() >= 12
    }

    /// The highest Lagrange level stored, for the Lagrange sections.
    pub fn max_level(self, power: u32) -> Option<u32> {
        match self {
            PtauSection::LagrangeTauG1 => Some(power + 1),
            s if s.is_lagrange() => Some(power),
            _ => None,
        }
    }

    /// How many points the section holds in a file of `power`.
    pub fn point_count(self, power: u32) -> u64 {
        let n = 1u64 << power;
        match self {
            PtauSection::TauG1 => 2 * n - 1,
            PtauSection::TauG2 | PtauSection::AlphaTauG1 | PtauSection::BetaTauG1 => n,
            PtauSection::BetaG2 => 1,
            // Levels 0..=max hold 2^0 + ... + 2^max = 2^(max+1) - 1 points.
            s => (2u64 << s.max_level(power).expect("a Lagrange section")) - 1,
        }
    }

    /// What a setup needs for the section when it is missing: prepared sections need a
    /// `prepare phase2` run.
    fn missing(self) -> &'static str {
        match self {
            PtauSection::LagrangeTauG1 => {
                "tauG1 in the Lagrange basis: the file is not prepared for phase 2; run `snarkjs powersoftau prepare phase2` on it"
            }
            s => s.name(),
        }
    }
}

/// A parsed powers of tau: the header, and each point section checked to have the size the
/// header implies.
pub struct Ptau<'a> {
    data: &'a [u8],
    power: u32,
    ceremony_power: u32,
    sections: Vec<(PtauSection, &'a [u8])>,
}

impl<'a> Ptau<'a> {
    /// Parses a `.ptau` file's bytes (see [`super::FileBytes`] to map a file). Fails on another
    /// curve, a power above [`PTAU_MAX_POWER`], a missing monomial section, any section whose
    /// size does not match the power, or a partly prepared file (some but not all of 12..15).
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let c = Container::parse(data, b"ptau", "ptau", 1)?;
        let mut h = c.section(1, "ptau header")?;
        h.prime(&fq_modulus(), "ptau header", "Fq")?;
        let power = h.u32()?;
        let ceremony_power = h.u32()?;
        h.finish()?;
        if power > PTAU_MAX_POWER {
            return Err(FormatError::Inconsistent(format!(
                "ptau: power {power} is above BN254's limit of {PTAU_MAX_POWER}"
            )));
        }
        let prepared = c.has_section(PtauSection::LagrangeTauG1.id());
        let mut sections = Vec::new();
        for s in PtauSection::ALL {
            if s.is_lagrange() && !prepared {
                continue;
            }
            let mut r = c.section(s.id(), s.name())?;
            let expected = s.point_count(power) * s.point_bytes();
            if r.remaining() as u64 != expected {
                return Err(FormatError::Inconsistent(format!(
                    "{}: section {} has {} bytes, power {power} implies {expected}",
                    s.name(),
                    s.id(),
                    r.remaining()
                )));
            }
            let body = r.take(expected)?;
            sections.push((s, body));
        }
        Ok(Ptau {
            data,
            power,
            ceremony_power,
            sections,
        })
    }

    /// log2 of the number of tauG2 points: the largest circuit domain the file supports.
    pub fn power(&self) -> u32 {
        self.power
    }

    /// The power of the ceremony the file came from (the file may have been truncated).
    pub fn ceremony_power(&self) -> u32 {
        self.ceremony_power
    }

    /// Whether the Lagrange sections (12..15) are present.
    pub fn is_prepared(&self) -> bool {
        self.sections
            .iter()
            .any(|(s, _)| *s == PtauSection::LagrangeTauG1)
    }

    fn body(&self, section: PtauSection) -> Result<&'a [u8]> {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, b)| *b)
            .ok_or(FormatError::MissingSection {
                file: "ptau",
                id: section.id(),
                what: section.missing(),
            })
    }

    /// The point indices of Lagrange level `p` (the basis of the `2^p`-point domain) within a
    /// Lagrange section.
    pub fn level(&self, section: PtauSection, p: u32) -> Result<Range<u64>> {
        let max = section.max_level(self.power).ok_or_else(|| {
            FormatError::Inconsistent(format!("{} has no Lagrange levels", section.name()))
        })?;
        self.body(section)?;
        if p > max {
            return Err(FormatError::Inconsistent(format!(
                "{}: level {p} requested, the file (power {}) stores levels up to {max}",
                section.name(),
                self.power
            )));
        }
        Ok((1u64 << p) - 1..(2u64 << p) - 1)
    }

    /// The raw bytes of points `range` of `section`, for copying.
    pub fn raw(&self, section: PtauSection, range: Range<u64>) -> Result<&'a [u8]> {
        let body = self.body(section)?;
        let count = section.point_count(self.power);
        if range.start > range.end || range.end > count {
            return Err(FormatError::Inconsistent(format!(
                "{}: points {}..{} requested, the section has {count}",
                section.name(),
                range.start,
                range.end
            )));
        }
        let unit = section.point_bytes();
        Ok(&body[(range.start * unit) as usize..(range.end * unit) as usize])
    }

    /// Points `range` of a G1 section, decoded and validated.
    pub fn g1(&self, section: PtauSection, range: Range<u64>) -> Result<Vec<G1Affine>> {
        if section.is_g2() {
            return Err(FormatError::Inconsistent(format!(
                "{} holds G2 points, not G1",
                section.name()
            )));
        }
        let start = range.start;
        let bytes = self.raw(section, range.clone())?;
        read_g1_points(
            &mut Reader::new(bytes, section.name()),
            range.end - start,
            section.name(),
        )
        .map_err(|e| absolute_index(e, start))
    }

    /// Points `range` of a G2 section, decoded and checked as `check` says.
    pub fn g2(
        &self,
        section: PtauSection,
        range: Range<u64>,
        check: PointCheck,
    ) -> Result<Vec<G2Affine>> {
        if !section.is_g2() {
            return Err(FormatError::Inconsistent(format!(
                "{} holds G1 points, not G2",
                section.name()
            )));
        }
        let start = range.start;
        let bytes = self.raw(section, range.clone())?;
        read_g2_points(
            &mut Reader::new(bytes, section.name()),
            range.end - start,
            section.name(),
            check,
        )
        .map_err(|e| absolute_index(e, start))
    }

    /// The file bytes that follow `section`'s body (the next section's header, and so on). Only
    /// for reproducing a snarkjs read past the end of a section; see the Groth16 setup.
    pub fn bytes_after(&self, section: PtauSection) -> Result<&'a [u8]> {
        let body = self.body(section)?;
        let end = body.as_ptr() as usize - self.data.as_ptr() as usize + body.len();
        Ok(&self.data[end..])
    }
}

/// Point errors from a range decoder count from the range's start; report the index in the
/// section.
fn absolute_index(e: FormatError, start: u64) -> FormatError {
    match e {
        FormatError::BadPoint {
            what,
            index,
            reason,
        } => FormatError::BadPoint {
            what,
            index: index + start,
            reason,
        },
        e => e,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::iden3::writer::ContainerWriter;
    use crate::setup::ptau::{write_new_ptau, ToxicWaste};
    use crate::setup::NoProgress;
    use kiln_host::conformance::seeded_rng;

    /// The sections of a container, in file order, as `(id, body)`.
    pub(crate) fn sections(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
        let n = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        let mut pos = 12;
        let mut out = Vec::new();
        for _ in 0..n {
            let id = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
            let len = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
            out.push((id, bytes[pos + 12..pos + 12 + len].to_vec()));
            pos += 12 + len;
        }
        out
    }

    /// A container of `magic` with the given sections.
    pub(crate) fn container(magic: &[u8; 4], sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut w = ContainerWriter::new(Vec::new(), magic, 1, sections.len() as u32).unwrap();
        for (id, body) in sections {
            w.section(*id, body).unwrap();
        }
        w.finish().unwrap()
    }

    /// The file as `powersoftau new` + contributions leave it: without sections 12..15.
    pub(crate) fn strip_lagrange(bytes: &[u8]) -> Vec<u8> {
        let kept: Vec<_> = sections(bytes)
            .into_iter()
            .filter(|(id, _)| *id < 12)
            .collect();
        container(b"ptau", &kept)
    }

    fn small() -> Vec<u8> {
        let mut out = Vec::new();
        let secrets = ToxicWaste::random(&mut seeded_rng("ptau reader"));
        write_new_ptau(&mut out, 2, &secrets, &NoProgress).unwrap();
        out
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = small();
        assert!(Ptau::parse(&bytes).is_ok());
        for len in (0..bytes.len()).step_by(7) {
            assert!(Ptau::parse(&bytes[..len]).is_err(), "truncated to {len}");
        }
    }

    #[test]
    fn another_curve_is_refused() {
        let mut s = sections(&small());
        s[0].1[4] ^= 1; // the prime
        let err = Ptau::parse(&container(b"ptau", &s)).err().unwrap();
        assert!(matches!(err, FormatError::WrongPrime { .. }), "{err}");
        assert!(err.to_string().contains("wrong curve"), "{err}");
        assert!(matches!(
            Ptau::parse(&container(b"zkey", &s)),
            Err(FormatError::BadMagic { .. })
        ));
    }

    #[test]
    fn sizes_must_match_the_power() {
        let base = sections(&small());
        // A power in the header that the sections do not have.
        let mut s = base.clone();
        s[0].1[36] = 3;
        let err = Ptau::parse(&container(b"ptau", &s)).err().unwrap();
        assert!(err.to_string().contains("power 3 implies"), "{err}");
        // A hostile power: no allocation, no overflow, an error.
        let mut s = base.clone();
        s[0].1[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Ptau::parse(&container(b"ptau", &s)).is_err());
        // Partly prepared: 12 without 13.
        let s: Vec<_> = base.iter().filter(|(id, _)| *id != 13).cloned().collect();
        let err = Ptau::parse(&container(b"ptau", &s)).err().unwrap();
        assert!(
            matches!(err, FormatError::MissingSection { id: 13, .. }),
            "{err}"
        );
        // A missing monomial section.
        let s: Vec<_> = base.iter().filter(|(id, _)| *id != 4).cloned().collect();
        assert!(Ptau::parse(&container(b"ptau", &s)).is_err());
    }

    #[test]
    fn unprepared_files_read_but_have_no_levels() {
        let bytes = strip_lagrange(&small());
        let ptau = Ptau::parse(&bytes).unwrap();
        assert!(!ptau.is_prepared());
        let err = ptau.level(PtauSection::LagrangeTauG1, 1).unwrap_err();
        assert!(err.to_string().contains("prepare phase2"), "{err}");
        assert_eq!(ptau.g1(PtauSection::TauG1, 0..7).unwrap().len(), 7);
    }

    #[test]
    fn ranges_are_checked_and_points_validated() {
        let bytes = small();
        let ptau = Ptau::parse(&bytes).unwrap();
        assert_eq!(ptau.level(PtauSection::LagrangeTauG1, 3).unwrap(), 7..15);
        assert!(ptau.level(PtauSection::LagrangeTauG1, 4).is_err());
        assert!(ptau.level(PtauSection::LagrangeTauG2, 3).is_err());
        assert!(ptau.level(PtauSection::TauG1, 0).is_err());
        assert!(ptau.raw(PtauSection::TauG1, 0..8).is_err(), "7 points only");
        assert_eq!(ptau.raw(PtauSection::TauG2, 1..3).unwrap().len(), 256);
        assert!(ptau.g1(PtauSection::TauG2, 0..1).is_err());
        assert!(ptau.g2(PtauSection::TauG1, 0..1, PointCheck::Full).is_err());
        assert_eq!(
            ptau.bytes_after(PtauSection::LagrangeBetaTauG1)
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            &ptau.bytes_after(PtauSection::TauG1).unwrap()[..4],
            &3u32.to_le_bytes(),
            "section 3's header follows tauG1"
        );

        // Corrupt point 5 of tauG1: decoding a range that holds it names it.
        let mut s = sections(&bytes);
        s[1].1[5 * 64] ^= 1;
        let bad = container(b"ptau", &s);
        let ptau = Ptau::parse(&bad).unwrap();
        assert!(ptau.g1(PtauSection::TauG1, 0..5).is_ok());
        match ptau.g1(PtauSection::TauG1, 3..7) {
            Err(FormatError::BadPoint { index: 5, .. }) => {}
            other => panic!("expected point 5 to be refused, got {other:?}"),
        }
    }
}
