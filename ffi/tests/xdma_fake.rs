//! The `xdma` transport against a fake device folder: regular files standing in for the XDMA
//! driver's character devices (`xdma0_user`, `xdma0_h2c_0`, `xdma0_c2h_0`). Regular files
//! behave like the devices where it matters here: the file offset is the register offset or the
//! card address, and reads past the end come back short.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use kiln_ffi::regs::{self, card, ctrl};
use kiln_ffi::xdma::XdmaTransport;
use kiln_ffi::{Card, Kernel, Transport, TransportError};

/// A fresh folder under the system temp dir, removed on drop.
struct FakeDev {
    dir: PathBuf,
}

impl FakeDev {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kiln-xdma-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        FakeDev { dir }
    }

    fn prefix(&self) -> PathBuf {
        self.dir.join("xdma0")
    }

    fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("xdma0{suffix}"))
    }

    /// A user BAR of `bytes` bytes holding `regs`, and one file as card memory behind both DMA
    /// channels (c2h is a symlink to h2c, so what goes down comes back).
    fn populate(&self, bar_bytes: usize, registers: &[(u32, u32)], memory_bytes: usize) {
        let mut bar = vec![0u8; bar_bytes];
        for &(offset, value) in registers {
            let o = offset as usize;
            bar[o..o + 4].copy_from_slice(&value.to_le_bytes());
        }
        std::fs::write(self.path("_user"), bar).unwrap();
        std::fs::write(self.path("_h2c_0"), vec![0u8; memory_bytes]).unwrap();
        std::os::unix::fs::symlink(self.path("_h2c_0"), self.path("_c2h_0")).unwrap();
    }
}

impl Drop for FakeDev {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The card information block of a plausible kiln card.
fn kiln_registers() -> Vec<(u32, u32)> {
    vec![
        (card::ID, regs::ID_MAGIC),
        (card::VERSION, regs::VERSION),
        (card::CARD_ID, 0x0000_0250),
        (card::CAPS, regs::caps::MSM_G1 | regs::caps::NTT),
        (card::CLOCK_MHZ, 250),
        (card::DRAM_LOG2, 20),
        (card::MSM_BUCKETS, 1 << 14),
        (card::NTT_LOG_MAX, 11),
    ]
}

#[test]
fn a_missing_device_is_a_clear_no_device_error() {
    let dev = FakeDev::new();
    let err = XdmaTransport::open(&dev.prefix()).unwrap_err();
    match &err {
        TransportError::NoDevice { path, reason } => {
            assert_eq!(path, &dev.path("_user"));
            assert!(reason.contains("does not exist"), "{reason}");
        }
        other => panic!("expected NoDevice, got {other}"),
    }
    // With only the register file present, the missing DMA channel is named.
    std::fs::write(dev.path("_user"), [0u8; 64]).unwrap();
    let err = XdmaTransport::open(&dev.prefix()).unwrap_err().to_string();
    assert!(err.contains("xdma0_h2c_0"), "{err}");
}

#[test]
fn registers_are_32_bit_little_endian_at_their_offsets() {
    let dev = FakeDev::new();
    dev.populate(0x4000, &[(0x10, 0xDEAD_BEEF)], 4096);
    let mut t = XdmaTransport::open(&dev.prefix()).unwrap();
    assert_eq!(t.read32(0x10).unwrap(), 0xDEAD_BEEF);
    t.write32(0x1234 & !3, 0x0102_0304).unwrap();
    let bar = std::fs::read(dev.path("_user")).unwrap();
    assert_eq!(&bar[0x1234..0x1238], &[4, 3, 2, 1]);
    assert_eq!(t.read32(0x1234).unwrap(), 0x0102_0304);
}

#[test]
fn misaligned_register_offsets_are_refused_before_the_device() {
    let dev = FakeDev::new();
    dev.populate(64, &[], 64);
    let mut t = XdmaTransport::open(&dev.prefix()).unwrap();
    for offset in [1u32, 2, 3, 0x1001, 0x3FFF] {
        assert!(matches!(
            t.read32(offset),
            Err(TransportError::Misaligned { offset: o }) if o == offset
        ));
        assert!(matches!(
            t.write32(offset, 7),
            Err(TransportError::Misaligned { .. })
        ));
    }
    assert_eq!(std::fs::read(dev.path("_user")).unwrap(), vec![0u8; 64]);
}

#[test]
fn short_register_reads_are_errors() {
    let dev = FakeDev::new();
    dev.populate(6, &[], 64);
    let mut t = XdmaTransport::open(&dev.prefix()).unwrap();
    // Two bytes left at offset 4, none at 8.
    let err = t.read32(4).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::Short {
                done: 2,
                wanted: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        t.read32(8),
        Err(TransportError::Short { done: 0, .. })
    ));
}

#[test]
fn dma_uses_the_file_offset_as_the_card_address() {
    let dev = FakeDev::new();
    dev.populate(64, &[], 1 << 16);
    let mut t = XdmaTransport::open(&dev.prefix()).unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    t.write_mem(0x3000, &data).unwrap();
    let file = std::fs::read(dev.path("_h2c_0")).unwrap();
    assert_eq!(&file[0x3000..0x3000 + data.len()], &data[..]);
    assert!(file[..0x3000].iter().all(|&b| b == 0));
    let mut back = vec![0u8; data.len()];
    t.read_mem(0x3000, &mut back).unwrap();
    assert_eq!(back, data);
}

#[test]
fn short_dma_reads_are_errors_with_the_count() {
    let dev = FakeDev::new();
    dev.populate(64, &[], 1000);
    let mut t = XdmaTransport::open(&dev.prefix()).unwrap();
    let mut buf = vec![0u8; 300];
    let err = t.read_mem(900, &mut buf).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::Short {
                done: 100,
                wanted: 300,
                offset: 900,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_device_that_is_not_a_kiln_card_is_refused() {
    let dev = FakeDev::new();
    dev.populate(0x4000, &[(card::ID, 0x1234_5678)], 64);
    let t = XdmaTransport::open(&dev.prefix()).unwrap();
    let err = Card::open(Box::new(t)).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::NotKiln {
                found: 0x1234_5678,
                ..
            }
        ),
        "{err}"
    );

    let dev = FakeDev::new();
    let mut registers = kiln_registers();
    registers[1] = (card::VERSION, regs::VERSION + 0x0001_0000);
    dev.populate(0x4000, &registers, 64);
    let t = XdmaTransport::open(&dev.prefix()).unwrap();
    let err = Card::open(Box::new(t)).unwrap_err();
    assert!(matches!(err, TransportError::Version { .. }), "{err}");
}

#[test]
fn a_card_that_never_raises_done_times_out_with_a_clear_error() {
    let dev = FakeDev::new();
    dev.populate(0x4000, &kiln_registers(), 1 << 20);
    let t = XdmaTransport::open(&dev.prefix()).unwrap();
    let mut card = Card::open(Box::new(t)).unwrap();
    assert_eq!(card.info().card_id, 0x250);
    assert_eq!(card.info().dram_bytes, 1 << 20);
    card.set_timeout(Duration::from_millis(200));
    let start = Instant::now();
    let err = card.run(Kernel::Msm).unwrap_err();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(10),
        "{took:?}"
    );
    match &err {
        TransportError::Timeout { what, detail, .. } => {
            assert!(what.contains("ap_done") && what.contains("MSM"), "{what}");
            assert!(what.contains("xdma0"), "{what}");
            assert!(detail.contains("AP_CTRL"), "{detail}");
        }
        other => panic!("expected a timeout, got {other}"),
    }
    // The start bit did reach the register file.
    let bar = std::fs::read(dev.path("_user")).unwrap();
    let at = (regs::block::MSM + ctrl::AP_CTRL) as usize;
    assert_eq!(&bar[at..at + 4], &ctrl::AP_START.to_le_bytes());
}

#[test]
fn card_memory_bounds_are_checked_before_dma() {
    let dev = FakeDev::new();
    dev.populate(0x4000, &kiln_registers(), 1 << 20);
    let t = XdmaTransport::open(&dev.prefix()).unwrap();
    let mut card = Card::open(Box::new(t)).unwrap();
    let err = card.write_mem((1 << 20) - 4, &[0u8; 8]).unwrap_err();
    assert!(
        matches!(err, TransportError::OutOfRange { size: 1048576, .. }),
        "{err}"
    );
    let mut buf = [0u8; 8];
    assert!(card.read_mem(u64::MAX - 2, &mut buf).is_err());
}

#[test]
fn cards_are_discovered_by_their_user_device() {
    let dev = FakeDev::new();
    for name in [
        "xdma3_user",
        "xdma0_user",
        "xdma0_h2c_0",
        "xdma12_control",
        "xdmaX_user",
    ] {
        std::fs::write(dev.dir.join(name), b"").unwrap();
    }
    let found = XdmaTransport::discover(&dev.dir);
    assert_eq!(found, vec![dev.dir.join("xdma0"), dev.dir.join("xdma3")]);
    assert!(XdmaTransport::discover(Path::new("/nonexistent-kiln-dir")).is_empty());
}
