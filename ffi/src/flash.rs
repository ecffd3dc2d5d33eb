//! The configuration flash: kiln's image format, programming it through the card's flash
//! controller registers, and reading back what the flash holds.
//!
//! An image is a 256-byte header followed by the bitstream, written at flash offset 0:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..8 | magic `KILNIMG\0` |
//! | 8..12 | format version, 1 (little-endian, as every field) |
//! | 12..16 | card ID the bitstream is for ([`crate::regs::card::CARD_ID`]) |
//! | 16..24 | bitstream length in bytes |
//! | 24..56 | SHA-256 of the bitstream |
//! | 56..252 | zero |
//! | 252..256 | valid marker: `0xFFFFFFFF` (erased) in files, [`VALID_MARKER`] on a card |
//!
//! Programming never leaves a half-written image that reads as good: the sector holding the
//! marker is erased first, every page is written and read back, and only then is the marker
//! programmed (NOR flash: programming clears bits, so the marker goes in over the erased word
//! without touching the rest of its page). An interrupted flash leaves a header without a
//! marker, which [`read_state`] reports as [`FlashState::Incomplete`].

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::card::{Card, CardInfo};
use crate::error::{Result, TransportError};
use crate::regs::{block, flash};

/// Header size in bytes.
pub const HEADER_BYTES: usize = 256;
/// The header's first bytes.
pub const MAGIC: &[u8; 8] = b"KILNIMG\0";
/// The format this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Where the valid marker sits in the header.
pub const MARKER_OFFSET: usize = 252;
/// The marker of an image that was written and verified.
pub const VALID_MARKER: u32 = 0x600D_F1A5;
const ERASED_WORD: u32 = 0xFFFF_FFFF;

/// How long one flash command (an erase is the slowest) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// An image header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    pub card_id: u32,
    pub bitstream_len: u64,
    pub sha256: [u8; 32],
    pub marker: u32,
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

impl ImageHeader {
    /// Parses the first [`HEADER_BYTES`] of an image.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, String> {
        if bytes.len() < HEADER_BYTES {
            return Err(format!(
                "{} bytes is shorter than the {HEADER_BYTES}-byte kiln image header",
                bytes.len()
            ));
        }
        if &bytes[0..8] != MAGIC {
            return Err("no kiln image header (the magic bytes `KILNIMG` are missing)".into());
        }
        let version = le32(&bytes[8..12]);
        if version != FORMAT_VERSION {
            return Err(format!(
                "image format version {version}; this kiln reads version {FORMAT_VERSION}"
            ));
        }
        Ok(ImageHeader {
            card_id: le32(&bytes[12..16]),
            bitstream_len: u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes")),
            sha256: bytes[24..56].try_into().expect("32 bytes"),
            marker: le32(&bytes[MARKER_OFFSET..MARKER_OFFSET + 4]),
        })
    }

    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let mut h = [0u8; HEADER_BYTES];
        h[0..8].copy_from_slice(MAGIC);
        h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        h[12..16].copy_from_slice(&self.card_id.to_le_bytes());
        h[16..24].copy_from_slice(&self.bitstream_len.to_le_bytes());
        h[24..56].copy_from_slice(&self.sha256);
        h[MARKER_OFFSET..].copy_from_slice(&self.marker.to_le_bytes());
        h
    }

    /// The digest as hex.
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Wraps a bitstream for card `card_id` into an image file (marker erased).
pub fn pack(card_id: u32, bitstream: &[u8]) -> Vec<u8> {
    let header = ImageHeader {
        card_id,
        bitstream_len: bitstream.len() as u64,
        sha256: Sha256::digest(bitstream).into(),
        marker: ERASED_WORD,
    };
    let mut out = header.to_bytes().to_vec();
    out.extend_from_slice(bitstream);
    out
}

fn refuse(msg: String) -> TransportError {
    TransportError::Flash(msg)
}

/// Checks that `image` may be written to the card described by `info`: a well-formed header
/// whose sizes match the file and the card, the card's ID, an intact digest, no marker set.
pub fn check_image(image: &[u8], info: &CardInfo) -> Result<ImageHeader> {
    let header = ImageHeader::parse(image).map_err(refuse)?;
    let file_bitstream = (image.len() - HEADER_BYTES) as u64;
    if header.bitstream_len != file_bitstream {
        return Err(refuse(format!(
            "wrong size: the header says {} bytes of bitstream, the file holds {file_bitstream}",
            header.bitstream_len
        )));
    }
    if header.card_id != info.card_id {
        return Err(refuse(format!(
            "the image is for card ID {:#010x}, this card is {:#010x}",
            header.card_id, info.card_id
        )));
    }
    if info.bitstream_bytes != 0 && header.bitstream_len != u64::from(info.bitstream_bytes) {
        return Err(refuse(format!(
            "wrong size for this card: its bitstreams are {} bytes, the image holds {}",
            info.bitstream_bytes, header.bitstream_len
        )));
    }
    if image.len() as u64 > u64::from(info.flash_bytes) {
        return Err(refuse(format!(
            "the image is {} bytes, the card's flash holds {}",
            image.len(),
            info.flash_bytes
        )));
    }
    if header.marker != ERASED_WORD {
        return Err(refuse(format!(
            "the image's valid marker is set ({:#010x}); image files carry it erased and the \
             card marks an image only after verifying it",
            header.marker
        )));
    }
    let digest: [u8; 32] = Sha256::digest(&image[HEADER_BYTES..]).into();
    if digest != header.sha256 {
        return Err(refuse(
            "the bitstream's SHA-256 does not match the header: the file is corrupt".into(),
        ));
    }
    Ok(header)
}

/// A step of [`program`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashPhase {
    Erase,
    Program,
    Verify,
    Mark,
}

impl FlashPhase {
    pub fn name(self) -> &'static str {
        match self {
            FlashPhase::Erase => "erase",
            FlashPhase::Program => "program",
            FlashPhase::Verify => "verify",
            FlashPhase::Mark => "mark valid",
        }
    }
}

/// Where [`program`] is: `done` of `total` steps overall, now in `phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlashProgress {
    pub phase: FlashPhase,
    pub done: u64,
    pub total: u64,
}

/// The flash controller's register interface.
struct Controller<'a> {
    card: &'a mut Card,
    page: usize,
}

impl Controller<'_> {
    fn reg(offset: u32) -> u32 {
        block::FLASH + offset
    }

    fn command(&mut self, cmd: u32, addr: u32, what: &str) -> Result<()> {
        let t = self.card.transport();
        t.write32(Self::reg(flash::ADDR), addr)?;
        t.write32(Self::reg(flash::CMD), cmd)?;
        let start = Instant::now();
        loop {
            let status = t.read32(Self::reg(flash::STATUS))?;
            if status & flash::STATUS_BUSY == 0 {
                if status & flash::STATUS_ERROR != 0 {
                    let flags = t.read32(Self::reg(flash::ERROR))?;
                    return Err(TransportError::CardError {
                        what: "the flash controller",
                        flags,
                        detail: format!("{what} at {addr:#x} was refused"),
                    });
                }
                if status & flash::STATUS_DONE == 0 {
                    return Err(refuse(format!(
                        "{what} at {addr:#x}: the controller went idle without finishing"
                    )));
                }
                return Ok(());
            }
            let waited = start.elapsed();
            if waited > COMMAND_TIMEOUT {
                return Err(TransportError::Timeout {
                    what: format!("flash {what} at {addr:#x}"),
                    waited,
                    detail: format!("STATUS reads {status:#x}"),
                });
            }
            t.pause();
        }
    }

    fn erase(&mut self, addr: u32) -> Result<()> {
        self.command(flash::CMD_ERASE, addr, "erase")
    }

    fn program_page(&mut self, addr: u32, data: &[u8]) -> Result<()> {
        debug_assert_eq!(data.len(), self.page);
        let t = self.card.transport();
        for (i, word) in data.chunks_exact(4).enumerate() {
            t.write32(Self::reg(flash::BUF) + 4 * i as u32, le32(word))?;
        }
        self.command(flash::CMD_PROGRAM, addr, "page program")
    }

    fn read_page(&mut self, addr: u32) -> Result<Vec<u8>> {
        self.command(flash::CMD_READ, addr, "page read")?;
        let t = self.card.transport();
        let mut out = Vec::with_capacity(self.page);
        for i in 0..self.page / 4 {
            out.extend_from_slice(
                &t.read32(Self::reg(flash::BUF) + 4 * i as u32)?
                    .to_le_bytes(),
            );
        }
        Ok(out)
    }
}

fn controller(card: &mut Card) -> Result<Controller<'_>> {
    let info = card.info();
    let page = info.flash_page as usize;
    // The page buffer window runs from BUF to the end of the 4 KiB block.
    let window = 0x1000 - flash::BUF as usize;
    if info.flash_bytes == 0
        || page == 0
        || !page.is_multiple_of(4)
        || page > window
        || info.flash_sector == 0
        || !(info.flash_sector as usize).is_multiple_of(page)
        || !info.flash_bytes.is_multiple_of(info.flash_sector)
    {
        return Err(refuse(format!(
            "the card reports an unusable flash geometry (size {}, sector {}, page {})",
            info.flash_bytes, info.flash_sector, info.flash_page
        )));
    }
    Ok(Controller { card, page })
}

/// The page holding byte `offset`, padded with 0xFF past the image end.
fn page_of(image: &[u8], index: usize, page: usize) -> Vec<u8> {
    let mut out = vec![0xFF; page];
    let start = index * page;
    if start < image.len() {
        let end = image.len().min(start + page);
        out[..end - start].copy_from_slice(&image[start..end]);
    }
    out
}

/// Writes `image` (checked with [`check_image`] first) to the card's flash: erase, program,
/// read back and compare every page, then mark it valid. `progress` is called before each step
/// and may stop the flash by returning `Break` (the image then stays unmarked).
pub fn program(
    card: &mut Card,
    image: &[u8],
    mut progress: impl FnMut(FlashProgress) -> ControlFlow<()>,
) -> Result<ImageHeader> {
    let mut header = check_image(image, card.info())?;
    let sector = card.info().flash_sector as usize;
    let mut ctl = controller(card)?;
    let page = ctl.page;
    let sectors = image.len().div_ceil(sector);
    let pages = image.len().div_ceil(page);
    let total = (sectors + 2 * pages + 1) as u64;
    let mut done = 0u64;
    let mut step = |phase: FlashPhase, done: &mut u64| -> Result<()> {
        let flow = progress(FlashProgress {
            phase,
            done: *done,
            total,
        });
        *done += 1;
        match flow {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(TransportError::Aborted("the flash")),
        }
    };

    // Sector 0 first: it holds the marker of whatever image was there before.
    for s in 0..sectors {
        step(FlashPhase::Erase, &mut done)?;
        ctl.erase((s * sector) as u32)?;
    }
    for p in 0..pages {
        step(FlashPhase::Program, &mut done)?;
        let data = page_of(image, p, page);
        if data.iter().any(|&b| b != 0xFF) {
            ctl.program_page((p * page) as u32, &data)?;
        }
    }
    for p in 0..pages {
        step(FlashPhase::Verify, &mut done)?;
        let got = ctl.read_page((p * page) as u32)?;
        if got != page_of(image, p, page) {
            let at = got
                .iter()
                .zip(page_of(image, p, page))
                .position(|(a, b)| *a != b)
                .unwrap_or(0);
            return Err(refuse(format!(
                "read-back of the page at {:#x} differs from the image at byte {:#x}: the \
                 image is not marked valid",
                p * page,
                p * page + at
            )));
        }
    }
    step(FlashPhase::Mark, &mut done)?;
    let marker_page = MARKER_OFFSET / page;
    let mut mark = vec![0xFF; page];
    let at = MARKER_OFFSET - marker_page * page;
    mark[at..at + 4].copy_from_slice(&VALID_MARKER.to_le_bytes());
    ctl.program_page((marker_page * page) as u32, &mark)?;
    let mut expected = page_of(image, marker_page, page);
    expected[at..at + 4].copy_from_slice(&VALID_MARKER.to_le_bytes());
    if ctl.read_page((marker_page * page) as u32)? != expected {
        return Err(refuse(
            "the valid marker did not read back; the image is not marked valid".into(),
        ));
    }
    header.marker = VALID_MARKER;
    Ok(header)
}

/// What the flash holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlashState {
    /// Erased: no image.
    Empty,
    /// A complete, verified image.
    Valid(ImageHeader),
    /// A header without the valid marker: a flash that did not finish. Not bootable as good.
    Incomplete(ImageHeader),
    /// Something that is not a kiln image, or a damaged one.
    Invalid(String),
}

/// Reads the image header from the flash.
pub fn read_state(card: &mut Card) -> Result<FlashState> {
    let mut ctl = controller(card)?;
    let page = ctl.page;
    let mut head = Vec::with_capacity(HEADER_BYTES + page);
    for p in 0..HEADER_BYTES.div_ceil(page) {
        head.extend(ctl.read_page((p * page) as u32)?);
    }
    let head = &head[..HEADER_BYTES];
    if head.iter().all(|&b| b == 0xFF) {
        return Ok(FlashState::Empty);
    }
    let header = match ImageHeader::parse(head) {
        Ok(h) => h,
        Err(e) => return Ok(FlashState::Invalid(e)),
    };
    Ok(match header.marker {
        VALID_MARKER => FlashState::Valid(header),
        ERASED_WORD => FlashState::Incomplete(header),
        other => FlashState::Invalid(format!(
            "the valid marker reads {other:#010x}, neither set nor erased"
        )),
    })
}

/// Reads the whole bitstream back and checks it against the header's digest.
pub fn verify_digest(card: &mut Card, header: &ImageHeader) -> Result<bool> {
    let flash_bytes = u64::from(card.info().flash_bytes);
    let total = HEADER_BYTES as u64 + header.bitstream_len;
    if total > flash_bytes {
        return Ok(false);
    }
    let mut ctl = controller(card)?;
    let page = ctl.page;
    let mut hasher = Sha256::new();
    let total = total as usize;
    for p in 0..total.div_ceil(page) {
        let data = ctl.read_page((p * page) as u32)?;
        let start = p * page;
        let from = HEADER_BYTES.saturating_sub(start).min(page);
        let to = (total - start).min(page);
        if from < to {
            hasher.update(&data[from..to]);
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    Ok(digest == header.sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> CardInfo {
        CardInfo {
            id: crate::regs::ID_MAGIC,
            version: crate::regs::VERSION,
            card_id: 0x1234_5678,
            caps: 0,
            clock_mhz: 250,
            dram_bytes: 1 << 28,
            msm_buckets: 0,
            msm_latency: 0,
            msm_max_windows: 0,
            ntt_log_max: 0,
            flash_bytes: 1 << 16,
            flash_sector: 4096,
            flash_page: 256,
            bitstream_bytes: 1000,
            status: 0,
        }
    }

    #[test]
    fn a_packed_image_passes_and_its_header_round_trips() {
        let bits: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let image = pack(0x1234_5678, &bits);
        let h = check_image(&image, &info()).unwrap();
        assert_eq!(h.bitstream_len, 1000);
        assert_eq!(ImageHeader::parse(&h.to_bytes()).unwrap(), h);
    }

    #[test]
    fn wrong_card_size_digest_marker_and_truncation_are_refused() {
        let bits = vec![0xA5u8; 1000];
        let refused = |image: &[u8], info: &CardInfo, needle: &str| {
            let err = check_image(image, info).unwrap_err().to_string();
            assert!(err.contains(needle), "{err} (wanted '{needle}')");
        };
        refused(&pack(0x1111_1111, &bits), &info(), "card ID");
        refused(
            &pack(0x1234_5678, &bits[..999]),
            &info(),
            "wrong size for this card",
        );
        let image = pack(0x1234_5678, &bits);
        refused(&image[..image.len() - 1], &info(), "wrong size");
        refused(&image[..100], &info(), "shorter than");
        let mut corrupt = image.clone();
        corrupt[HEADER_BYTES + 5] ^= 1;
        refused(&corrupt, &info(), "SHA-256");
        let mut marked = image.clone();
        marked[MARKER_OFFSET..MARKER_OFFSET + 4].copy_from_slice(&VALID_MARKER.to_le_bytes());
        refused(&marked, &info(), "marker");
        let mut small = info();
        small.flash_bytes = 1024;
        small.bitstream_bytes = 0;
        refused(&image, &small, "flash holds");
        let mut not_kiln = image.clone();
        not_kiln[0] = b'X';
        refused(&not_kiln, &info(), "magic");
    }
}
