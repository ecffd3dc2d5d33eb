//! Readers for the iden3 binary formats that circom and snarkjs write: `.r1cs` (constraints),
//! `.wtns` (witnesses), `.zkey` (proving keys: [`groth16_zkey`] and [`plonk_zkey`]) and `.ptau`
//! (powers of tau).
//!
//! All three share one container (iden3's `binfileutils`): a 4-byte ASCII magic, a u32 LE
//! version, a u32 LE section count, then sections of `u32 type, u64 size, body`, in any order.
//!
//! Every length read from a file is checked against the bytes actually present before anything
//! is allocated or indexed, so a truncated or hostile file yields a [`FormatError`], never a
//! panic or an allocation sized by an unchecked field. Files are memory-mapped, so a
//! multi-gigabyte key is decoded section by section without first being read into memory.

pub mod groth16_zkey;
pub mod plonk_zkey;
pub mod ptau;
pub mod qap_matrices;
pub mod r1cs;
pub mod writer;
pub mod wtns;
pub mod zkey_sections;

/// The former name of [`groth16_zkey`], kept so that existing callers (and the README's
/// examples of earlier releases) still build.
#[doc(hidden)]
pub use groth16_zkey as zkey;

use std::path::Path;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use ark_std::rand::SeedableRng;
use kiln_host::layout::{self, Form, PointCheck, G1_AFFINE_BYTES, G2_AFFINE_BYTES};
use rayon::prelude::*;
use thiserror::Error;

/// What is wrong with a file.
#[derive(Debug, Error)]
pub enum FormatError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("not a {expected} file: magic is {found:?}, expected {magic:?}")]
    BadMagic {
        expected: &'static str,
        magic: String,
        found: String,
    },
    #[error("{file} version {found} is not supported (kiln reads versions 1 to {supported})")]
    Version {
        file: &'static str,
        found: u32,
        supported: u32,
    },
    #[error("truncated {what}: needs {needed} bytes, {available} present")]
    Truncated {
        what: String,
        needed: u64,
        available: u64,
    },
    #[error("{file}: section {id} ({what}) is missing")]
    MissingSection {
        file: &'static str,
        id: u32,
        what: &'static str,
    },
    #[error("{file}: section {id} appears more than once")]
    DuplicateSection { file: &'static str, id: u32 },
    #[error("{what}: the field is not BN254's {field} (wrong curve or prime)")]
    WrongPrime {
        what: &'static str,
        field: &'static str,
    },
    #[error("{what}: value {index} is not a valid field element (not below the modulus)")]
    BadFieldElement { what: &'static str, index: u64 },
    #[error("{what}: point {index} is invalid: {reason}")]
    BadPoint {
        what: &'static str,
        index: u64,
        reason: String,
    },
    #[error("zkey protocol {0} is not Groth16 (1); PLONK (2) and fflonk (10) keys are not supported by this prover")]
    NotGroth16(u32),
    #[error("{0}")]
    Inconsistent(String),
}

/// Result alias for the readers.
pub type Result<T, E = FormatError> = std::result::Result<T, E>;

/// A read-only memory map of a file.
pub struct FileBytes(memmap2::Mmap);

impl FileBytes {
    /// Maps `path` read-only.
    pub fn open(path: &Path) -> Result<Self> {
        let io = |source| FormatError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and private to this process. If another process
        // truncates the file while it is mapped, reads may fault; kiln's inputs are key and
        // witness files that are not modified while a proof runs.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        Ok(FileBytes(map))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Hands the pages of `part` (a slice of [`bytes`](Self::bytes)) back to the kernel once
    /// they are decoded: they leave this process's resident memory but stay in the page cache,
    /// and reading them again maps them back in. Without this a key's raw sections and its
    /// decoded points are resident together while it loads: about twice the key.
    ///
    /// Only whole pages inside `part` go, so a page shared with a neighbouring section stays.
    /// The alignment is 64 KiB, the largest base page size Linux uses, rather than the actual
    /// page size: it costs at most 128 KiB per section and needs no system call. Does nothing
    /// for a slice outside the map, or where `madvise` is unavailable.
    pub fn release(&self, part: &[u8]) {
        const ALIGN: usize = 64 << 10;
        let base = self.0.as_ptr() as usize;
        let start = (part.as_ptr() as usize).wrapping_sub(base);
        if start > self.0.len() || part.len() > self.0.len() - start {
            return;
        }
        let first = start.next_multiple_of(ALIGN);
        let end = (start + part.len()) / ALIGN * ALIGN;
        if end > first {
            self.drop_pages(first, end - first);
        }
    }

    #[cfg(unix)]
    fn drop_pages(&self, offset: usize, len: usize) {
        // SAFETY: the map is read-only and private, so none of its pages was ever written:
        // MADV_DONTNEED drops nothing that cannot be read again from the file, and slices into
        // the range stay valid (the next access faults the page back in). The range lies
        // inside the map (checked by the caller). A failure only leaves the pages resident.
        let _ = unsafe {
            self.0
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
        };
    }

    #[cfg(not(unix))]
    fn drop_pages(&self, _offset: usize, _len: usize) {}
}

/// The bytes of a file being decoded: in memory, or memory-mapped, in which case each section's
/// pages are handed back once it is decoded ([`FileBytes::release`]).
#[derive(Clone, Copy)]
pub enum FileSource<'a> {
    Bytes(&'a [u8]),
    Mapped(&'a FileBytes),
}

impl<'a> FileSource<'a> {
    pub fn bytes(self) -> &'a [u8] {
        match self {
            FileSource::Bytes(data) => data,
            FileSource::Mapped(map) => map.bytes(),
        }
    }

    /// Releases `part` of a mapped file (see [`FileBytes::release`]); nothing for bytes in
    /// memory, which belong to the caller.
    pub fn release(self, part: &[u8]) {
        if let FileSource::Mapped(map) = self {
            map.release(part);
        }
    }
}

impl<'a> From<&'a [u8]> for FileSource<'a> {
    fn from(data: &'a [u8]) -> Self {
        FileSource::Bytes(data)
    }
}

impl<'a> From<&'a Vec<u8>> for FileSource<'a> {
    fn from(data: &'a Vec<u8>) -> Self {
        FileSource::Bytes(data)
    }
}

impl<'a> From<&'a FileBytes> for FileSource<'a> {
    fn from(map: &'a FileBytes) -> Self {
        FileSource::Mapped(map)
    }
}

/// A bounds-checked little-endian cursor over a section.
#[derive(Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        Reader { data, pos: 0, what }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes; an error if fewer remain.
    pub fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        if n > self.remaining() as u64 {
            return Err(FormatError::Truncated {
                what: self.what.to_string(),
                needed: n,
                available: self.remaining() as u64,
            });
        }
        let n = n as usize;
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Checks that `count` records of `unit` bytes each remain, before anything is allocated for
    /// them. This is what keeps a length field from sizing an allocation.
    pub fn expect_records(&self, count: u64, unit: u64) -> Result<()> {
        let needed = count.saturating_mul(unit);
        if needed > self.remaining() as u64 {
            return Err(FormatError::Truncated {
                what: format!("{} ({count} records of {unit} bytes)", self.what),
                needed,
                available: self.remaining() as u64,
            });
        }
        Ok(())
    }

    /// Fails unless every byte has been read: a header with trailing bytes is malformed (as
    /// snarkjs's `endReadSection` also decides).
    pub fn finish(&self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(FormatError::Inconsistent(format!(
                "{}: {} unexpected bytes at the end of the section",
                self.what,
                self.remaining()
            )));
        }
        Ok(())
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// One Fr element stored in `form`, checked to be reduced; `index` names it in the error.
    pub fn fr(&mut self, form: Form, what: &'static str, index: u64) -> Result<Fr> {
        decode_fr(self.take(32)?, form, what, index)
    }

    /// A field-size prefix and prime, checked to be `32` and `modulus`.
    pub fn prime(
        &mut self,
        modulus: &[u8; 32],
        what: &'static str,
        field: &'static str,
    ) -> Result<()> {
        let n8 = self.u32()?;
        if n8 != 32 {
            return Err(FormatError::WrongPrime { what, field });
        }
        if self.take(32)? != modulus {
            return Err(FormatError::WrongPrime { what, field });
        }
        Ok(())
    }
}

/// BN254's Fr modulus as 32 little-endian bytes.
pub fn fr_modulus() -> [u8; 32] {
    Fr::MODULUS.to_bytes_le().try_into().expect("32 bytes")
}

/// BN254's Fq modulus as 32 little-endian bytes.
pub fn fq_modulus() -> [u8; 32] {
    ark_bn254::Fq::MODULUS
        .to_bytes_le()
        .try_into()
        .expect("32 bytes")
}

/// Decodes `count` canonical (plain little-endian) Fr elements.
pub fn read_fr_array(r: &mut Reader<'_>, count: u64, what: &'static str) -> Result<Vec<Fr>> {
    read_fr_array_in(r, count, what, Form::Canonical)
}

/// Decodes `count` Fr elements stored in `form`, checking each is reduced.
pub fn read_fr_array_in(
    r: &mut Reader<'_>,
    count: u64,
    what: &'static str,
    form: Form,
) -> Result<Vec<Fr>> {
    r.expect_records(count, 32)?;
    let bytes = r.take(count * 32)?;
    bytes
        .par_chunks_exact(32)
        .enumerate()
        .map(|(i, c)| decode_fr(c, form, what, i as u64))
        .collect()
}

fn decode_fr(bytes: &[u8], form: Form, what: &'static str, index: u64) -> Result<Fr> {
    layout::fr_from_bytes(bytes.try_into().expect("32 bytes"), form)
        .map_err(|_| FormatError::BadFieldElement { what, index })
}

/// Decodes and validates `count` G1 points in kiln's device layout, in parallel.
pub(crate) fn read_g1_points(
    r: &mut Reader<'_>,
    count: u64,
    what: &'static str,
) -> Result<Vec<G1Affine>> {
    read_points(r, count, G1_AFFINE_BYTES, what, |c| {
        layout::g1_from_bytes(c.try_into().expect("64 bytes"))
    })
}

/// Decodes and validates `count` G2 points in kiln's device layout (on the twist, and in the
/// subgroup unless `check` says otherwise), in parallel.
///
/// The subgroup checks are batched ([`kiln_msm::subgroup`]): one random-combination test of
/// the whole array, false-accept probability below 2^-100, about twenty times cheaper than a
/// check per point on a large key. Only when it fails are the points checked one by one, to
/// name the first bad one exactly as the per-point decoder would.
pub(crate) fn read_g2_points(
    r: &mut Reader<'_>,
    count: u64,
    what: &'static str,
    check: PointCheck,
) -> Result<Vec<G2Affine>> {
    let points = read_points(r, count, G2_AFFINE_BYTES, what, |c| {
        layout::affine_from_bytes_checked(c, what, PointCheck::OnCurveOnly)
    })?;
    if check == PointCheck::Full {
        check_g2_subgroup(&points, what)?;
    }
    Ok(points)
}

/// Below this many points the batch test saves nothing (its bucket sums cost about as much as
/// a few dozen per-point checks), so they are checked one by one.
const BATCH_SUBGROUP_FROM: usize = 64;

/// Fails, naming the first point of `points` (all on the twist) outside G2, if there is one.
fn check_g2_subgroup(points: &[G2Affine], what: &'static str) -> Result<()> {
    use kiln_msm::subgroup::{g2_all_in_subgroup, g2_first_outside_subgroup};
    if points.len() >= BATCH_SUBGROUP_FROM {
        // A CSPRNG seeded from the OS for every call: the key's author must not be able to
        // predict the combination's coefficients.
        let mut rng = ark_std::rand::rngs::StdRng::from_entropy();
        if g2_all_in_subgroup(points, &mut rng) {
            return Ok(());
        }
    }
    match g2_first_outside_subgroup(points) {
        None if points.len() < BATCH_SUBGROUP_FROM => Ok(()),
        Some(index) => Err(FormatError::BadPoint {
            what,
            index: index as u64,
            reason: layout::LayoutError::NotInSubgroup { what }.to_string(),
        }),
        // A failed batch proves some point is outside G2; if the per-point checks disagree,
        // one of the two is broken: refuse the key rather than guess.
        None => Err(FormatError::Inconsistent(format!(
            "{what}: the batched subgroup check failed but no single point fails; refusing the key"
        ))),
    }
}

/// Decodes `count` records of `size` bytes in parallel, straight into a vector of exactly
/// their number (collecting `Result`s would gather chunks and copy them, twice a section's
/// size for a moment). A bad record is replaced by a placeholder and remembered; the first one
/// is reported, the same whatever the threads' order.
fn read_points<P: Send + Default>(
    r: &mut Reader<'_>,
    count: u64,
    size: usize,
    what: &'static str,
    decode: impl Fn(&[u8]) -> std::result::Result<P, layout::LayoutError> + Sync,
) -> Result<Vec<P>> {
    r.expect_records(count, size as u64)?;
    let bytes = r.take(count * size as u64)?;
    let first_bad = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let mut points = Vec::new();
    bytes
        .par_chunks_exact(size)
        .enumerate()
        .map(|(i, c)| {
            decode(c).unwrap_or_else(|_| {
                first_bad.fetch_min(i, std::sync::atomic::Ordering::Relaxed);
                P::default()
            })
        })
        .collect_into_vec(&mut points);
    match first_bad.into_inner() {
        usize::MAX => Ok(points),
        index => Err(FormatError::BadPoint {
            what,
            index: index as u64,
            reason: decode(&bytes[index * size..][..size])
                .err()
                .map_or_else(String::new, |e| e.to_string()),
        }),
    }
}

/// One section of a container.
#[derive(Clone, Copy, Debug)]
struct SectionSpan {
    id: u32,
    start: usize,
    len: usize,
}

/// A parsed container: where each section lies.
pub struct Container<'a> {
    file: &'static str,
    source: FileSource<'a>,
    data: &'a [u8],
    sections: Vec<SectionSpan>,
}

impl<'a> Container<'a> {
    /// Parses the header and section table of a `file` (its name, for errors) with `magic`,
    /// accepting versions `1..=max_version` as snarkjs does.
    pub fn parse(
        source: impl Into<FileSource<'a>>,
        magic: &[u8; 4],
        file: &'static str,
        max_version: u32,
    ) -> Result<Self> {
        let source = source.into();
        let data = source.bytes();
        let mut r = Reader::new(data, file);
        let found = r.take(4).map_err(|_| FormatError::BadMagic {
            expected: file,
            magic: String::from_utf8_lossy(magic).into_owned(),
            found: String::from_utf8_lossy(data).into_owned(),
        })?;
        if found != magic {
            return Err(FormatError::BadMagic {
                expected: file,
                magic: String::from_utf8_lossy(magic).into_owned(),
                found: String::from_utf8_lossy(found).into_owned(),
            });
        }
        let found_version = r.u32()?;
        if found_version == 0 || found_version > max_version {
            return Err(FormatError::Version {
                file,
                found: found_version,
                supported: max_version,
            });
        }
        let count = r.u32()?;
        // Each section needs at least its 12-byte header: bound the table by the bytes present.
        r.expect_records(u64::from(count), 12)?;
        let mut sections = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let id = r.u32()?;
            let len = r.u64()?;
            let start = r.pos;
            r.take(len).map_err(|_| FormatError::Truncated {
                what: format!("{file} section {id}"),
                needed: len,
                available: r.remaining() as u64,
            })?;
            sections.push(SectionSpan {
                id,
                start,
                len: len as usize,
            });
        }
        Ok(Container {
            file,
            source,
            data,
            sections,
        })
    }

    /// Says that section `id` is decoded: a mapped file's pages for it are handed back (see
    /// [`FileBytes::release`]). Readers call it after each large section.
    pub fn release(&self, id: u32) {
        for span in self.sections.iter().filter(|s| s.id == id) {
            self.source
                .release(&self.data[span.start..span.start + span.len]);
        }
    }

    /// Whether section `id` is present.
    pub fn has_section(&self, id: u32) -> bool {
        self.sections.iter().any(|s| s.id == id)
    }

    /// The body of section `id`, which must appear exactly once. (snarkjs takes the first of
    /// repeated data sections; kiln refuses any repetition, since two copies that differ make
    /// the file ambiguous.)
    pub fn section(&self, id: u32, what: &'static str) -> Result<Reader<'a>> {
        Ok(Reader::new(&self.data[self.section_range(id, what)?], what))
    }

    /// Where the body of section `id` (which must appear exactly once) lies in the file: for
    /// tools and tests that rewrite one section in place.
    pub fn section_range(&self, id: u32, what: &'static str) -> Result<std::ops::Range<usize>> {
        let mut found = self.sections.iter().filter(|s| s.id == id);
        let span = found.next().ok_or(FormatError::MissingSection {
            file: self.file,
            id,
            what,
        })?;
        if found.next().is_some() {
            return Err(FormatError::DuplicateSection {
                file: self.file,
                id,
            });
        }
        Ok(span.start..span.start + span.len)
    }
}
