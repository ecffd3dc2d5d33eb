//! A kiln card over any [`Transport`]: identification, kernel runs, card memory access.

use std::time::{Duration, Instant};

use crate::error::{Result, TransportError};
use crate::regs::{self, block, card, ctrl};
use crate::transport::Transport;

/// What a card says about itself (the card information block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardInfo {
    /// [`regs::ID_MAGIC`] on every kiln card.
    pub id: u32,
    /// Register-map version (major.minor.patch in bytes 2, 1, 0).
    pub version: u32,
    /// The board this design was built for; flash images must carry the same.
    pub card_id: u32,
    /// Capability bits, [`regs::caps`].
    pub caps: u32,
    /// The clock the design is built for, in MHz.
    pub clock_mhz: u32,
    /// Card memory size in bytes.
    pub dram_bytes: u64,
    /// Bucket RAM entries of the MSM engine.
    pub msm_buckets: u32,
    /// Latency of the MSM engine's curve adder, in cycles.
    pub msm_latency: u32,
    /// The most windows one MSM may use.
    pub msm_max_windows: u32,
    /// log2 of the NTT engine's on-chip transform size.
    pub ntt_log_max: u32,
    /// Configuration flash size, erase sector and program page, in bytes.
    pub flash_bytes: u32,
    pub flash_sector: u32,
    pub flash_page: u32,
    /// The size of a bitstream for this card (0: any that fits).
    pub bitstream_bytes: u32,
    /// Busy bits: MSM, NTT, flash.
    pub status: u32,
}

impl CardInfo {
    /// `major.minor.patch` of the register map.
    pub fn version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            self.version >> 16,
            (self.version >> 8) & 0xFF,
            self.version & 0xFF
        )
    }

    /// Whether the card has every capability bit in `caps`.
    pub fn has(&self, caps: u32) -> bool {
        self.caps & caps == caps
    }

    /// The capabilities as words.
    pub fn caps_string(&self) -> String {
        let names = [
            (regs::caps::MSM_G1, "msm-g1"),
            (regs::caps::MSM_G2, "msm-g2"),
            (regs::caps::NTT, "ntt"),
            (regs::caps::VEC, "vec"),
            (regs::caps::FLASH, "flash"),
        ];
        let list: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| self.caps & bit != 0)
            .map(|(_, n)| *n)
            .collect();
        if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        }
    }

    /// The busy bits as words.
    pub fn status_string(&self) -> String {
        let busy: Vec<&str> = [
            (card::STATUS_MSM, "msm"),
            (card::STATUS_NTT, "ntt"),
            (card::STATUS_FLASH, "flash"),
        ]
        .iter()
        .filter(|(bit, _)| self.status & bit != 0)
        .map(|(_, n)| *n)
        .collect();
        if busy.is_empty() {
            "idle".into()
        } else {
            format!("busy: {}", busy.join(", "))
        }
    }
}

/// The card's kernels, each a block with HLS-style control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Msm,
    Ntt,
}

impl Kernel {
    /// Offset of the kernel's register block.
    pub fn base(self) -> u32 {
        match self {
            Kernel::Msm => block::MSM,
            Kernel::Ntt => block::NTT,
        }
    }

    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Msm => "the MSM kernel",
            Kernel::Ntt => "the NTT kernel",
        }
    }

    fn describe_errors(self, flags: u32) -> String {
        let names: &[(u32, &str)] = match self {
            Kernel::Msm => &[
                (regs::msm::ERR_ARGS, "bad arguments"),
                (
                    regs::msm::ERR_CAPACITY,
                    "windows x buckets exceed the bucket RAM",
                ),
                (regs::msm::ERR_ALIGN, "an address is not 32-byte aligned"),
                (regs::msm::ERR_RANGE, "a region is outside card memory"),
                (
                    regs::msm::ERR_DIGIT,
                    "a digit exceeds the buckets per window",
                ),
            ],
            Kernel::Ntt => &[
                (regs::ntt::ERR_ARGS, "bad arguments"),
                (regs::ntt::ERR_ALIGN, "an address is not 32-byte aligned"),
                (regs::ntt::ERR_RANGE, "a region is outside card memory"),
            ],
        };
        let list: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, n)| *n)
            .collect();
        if list.is_empty() {
            "unknown flags".into()
        } else {
            list.join("; ")
        }
    }
}

/// What one kernel run reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Clock cycles from ap_start to ap_done, counted by the card.
    pub cycles: u64,
}

/// How long a kernel may run before the host gives up, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// An identified kiln card.
pub struct Card {
    transport: Box<dyn Transport>,
    info: CardInfo,
    timeout: Duration,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card")
            .field("transport", &self.transport.describe())
            .field("info", &self.info)
            .finish()
    }
}

fn implausible(what: &'static str, value: u32) -> TransportError {
    TransportError::CardError {
        what,
        flags: value,
        detail: "the card information block holds an implausible value".into(),
    }
}

impl Card {
    /// Checks that the transport reaches a kiln card of a compatible version and reads what it
    /// says about itself.
    pub fn open(mut transport: Box<dyn Transport>) -> Result<Self> {
        let id = transport.read32(card::ID)?;
        if id != regs::ID_MAGIC {
            return Err(TransportError::NotKiln {
                found: id,
                expected: regs::ID_MAGIC,
            });
        }
        let version = transport.read32(card::VERSION)?;
        if version >> 16 != regs::VERSION >> 16 {
            return Err(TransportError::Version {
                found: version,
                expected: regs::VERSION,
            });
        }
        let mut read = |offset| transport.read32(offset);
        let dram_log2 = read(card::DRAM_LOG2)?;
        let info = CardInfo {
            id,
            version,
            card_id: read(card::CARD_ID)?,
            caps: read(card::CAPS)?,
            clock_mhz: read(card::CLOCK_MHZ)?,
            dram_bytes: if (12..=48).contains(&dram_log2) {
                1u64 << dram_log2
            } else {
                return Err(implausible("DRAM_LOG2", dram_log2));
            },
            msm_buckets: read(card::MSM_BUCKETS)?,
            msm_latency: read(card::MSM_LATENCY)?,
            msm_max_windows: read(card::MSM_MAX_WINDOWS)?,
            ntt_log_max: read(card::NTT_LOG_MAX)?,
            flash_bytes: read(card::FLASH_BYTES)?,
            flash_sector: read(card::FLASH_SECTOR)?,
            flash_page: read(card::FLASH_PAGE)?,
            bitstream_bytes: read(card::BITSTREAM_BYTES)?,
            status: read(card::STATUS)?,
        };
        if info.ntt_log_max > 28 {
            return Err(implausible("NTT_LOG_MAX", info.ntt_log_max));
        }
        Ok(Card {
            transport,
            info,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// What the card said when it was opened.
    pub fn info(&self) -> &CardInfo {
        &self.info
    }

    /// Re-reads the busy bits.
    pub fn refresh_status(&mut self) -> Result<u32> {
        self.info.status = self.transport.read32(card::STATUS)?;
        Ok(self.info.status)
    }

    /// How long [`Card::wait`] waits for ap_done.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The current kernel timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The transport underneath (for flash programming and model controls).
    pub fn transport(&mut self) -> &mut dyn Transport {
        &mut *self.transport
    }

    /// What the transport reaches.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    /// Reads a register of a kernel block.
    pub fn read(&mut self, kernel: Kernel, offset: u32) -> Result<u32> {
        self.transport.read32(kernel.base() + offset)
    }

    /// Writes a register of a kernel block.
    pub fn write(&mut self, kernel: Kernel, offset: u32, value: u32) -> Result<()> {
        self.transport.write32(kernel.base() + offset, value)
    }

    /// Writes a 64-bit argument as its low and high registers.
    pub fn write64(&mut self, kernel: Kernel, lo_offset: u32, value: u64) -> Result<()> {
        self.write(kernel, lo_offset, value as u32)?;
        self.write(kernel, lo_offset + 4, (value >> 32) as u32)
    }

    /// Reads a 64-bit counter from its low and high registers.
    pub fn read64(&mut self, kernel: Kernel, lo_offset: u32) -> Result<u64> {
        let lo = self.read(kernel, lo_offset)?;
        let hi = self.read(kernel, lo_offset + 4)?;
        Ok(u64::from(hi) << 32 | u64::from(lo))
    }

    fn check_range(&self, addr: u64, len: usize) -> Result<()> {
        let size = self.info.dram_bytes;
        let len = len as u64;
        if addr <= size && len <= size - addr {
            Ok(())
        } else {
            Err(TransportError::OutOfRange { addr, len, size })
        }
    }

    /// Copies `data` to card memory at `addr`.
    pub fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        self.check_range(addr, data.len())?;
        self.transport.write_mem(addr, data)
    }

    /// Fills `out` from card memory at `addr`.
    pub fn read_mem(&mut self, addr: u64, out: &mut [u8]) -> Result<()> {
        self.check_range(addr, out.len())?;
        self.transport.read_mem(addr, out)
    }

    /// Starts a kernel whose arguments are written and waits for it.
    pub fn run(&mut self, kernel: Kernel) -> Result<RunStats> {
        self.write(kernel, ctrl::AP_CTRL, ctrl::AP_START)?;
        self.wait(kernel)
    }

    /// Waits for ap_done, then reports the kernel's error flags as an error, or its cycles.
    pub fn wait(&mut self, kernel: Kernel) -> Result<RunStats> {
        let start = Instant::now();
        loop {
            let status = self.read(kernel, ctrl::AP_CTRL)?;
            if status & ctrl::AP_DONE != 0 {
                break;
            }
            let waited = start.elapsed();
            if waited > self.timeout {
                return Err(TransportError::Timeout {
                    what: format!("ap_done from {} on {}", kernel.name(), self.describe()),
                    waited,
                    detail: format!(
                        "AP_CTRL reads {status:#x} (ap_start {}, ap_idle {}); the card may be \
                         hung or programmed with another design",
                        status & ctrl::AP_START != 0,
                        status & ctrl::AP_IDLE != 0
                    ),
                });
            }
            self.transport.pause();
        }
        let flags = self.read(kernel, ctrl::ERROR)?;
        if flags != 0 {
            return Err(TransportError::CardError {
                what: kernel.name(),
                flags,
                detail: kernel.describe_errors(flags),
            });
        }
        Ok(RunStats {
            cycles: self.read64(kernel, ctrl::CYCLES_LO)?,
        })
    }
}
