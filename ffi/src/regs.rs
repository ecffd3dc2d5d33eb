//! The card's register map: the one definition both sides use.
//!
//! The host drivers read these constants, and `cargo run -p kiln-ffi --example gen_hdl_consts`
//! writes them into `hdl/rtl/kiln_pkg.sv`, the package the RTL decodes addresses with (a test
//! checks the committed package matches). `hdl/REGISTERS.md` documents every register.
//!
//! The register space is the XDMA user BAR (AXI4-Lite, 32-bit registers, 4-byte aligned
//! offsets), in 4 KiB blocks: card information, the MSM kernel, the NTT kernel and the flash
//! controller. Each kernel block follows the HLS control convention (UG1399): `AP_CTRL` at 0x00
//! with `ap_start`, `ap_done` (cleared when read), `ap_idle` and `ap_ready`, then the interrupt
//! registers, then arguments from 0x10.

/// What [`ID`] reads on every kiln card: ASCII "KILN".
pub const ID_MAGIC: u32 = 0x4B49_4C4E;
/// The register-map version this host speaks: major in bits 31..16, minor in 15..8, patch in
/// 7..0. A card with another major version is refused.
pub const VERSION: u32 = 0x0001_0000;
/// The card ID of the Verilator model (ASCII "SIM1"). A board build sets its own.
pub const SIM_CARD_ID: u32 = 0x5349_4D31;

/// Offsets in the card information block (read-only unless noted).
pub mod card {
    /// [`super::ID_MAGIC`].
    pub const ID: u32 = 0x000;
    /// Register-map version, as [`super::VERSION`].
    pub const VERSION: u32 = 0x004;
    /// The board this design was built for; flash images carry it.
    pub const CARD_ID: u32 = 0x008;
    /// Capability bits, [`super::caps`].
    pub const CAPS: u32 = 0x00C;
    /// The clock the design is built for, in MHz (cycle counts are projected at this clock).
    pub const CLOCK_MHZ: u32 = 0x010;
    /// log2 of the card memory size in bytes: DMA addresses run from 0 to 2^this.
    pub const DRAM_LOG2: u32 = 0x014;
    /// Bucket RAM entries of the MSM engine (windows x buckets per window must fit).
    pub const MSM_BUCKETS: u32 = 0x018;
    /// Cycles from a (bucket, point) pair entering the curve adder to its sum leaving it.
    pub const MSM_LATENCY: u32 = 0x01C;
    /// log2 of the NTT engine's on-chip transform size.
    pub const NTT_LOG_MAX: u32 = 0x020;
    /// Configuration flash size in bytes.
    pub const FLASH_BYTES: u32 = 0x024;
    /// Flash erase sector size in bytes.
    pub const FLASH_SECTOR: u32 = 0x028;
    /// Flash program page size in bytes.
    pub const FLASH_PAGE: u32 = 0x02C;
    /// Size in bytes of a bitstream for this card; 0 if any size that fits the flash is accepted.
    pub const BITSTREAM_BYTES: u32 = 0x030;
    /// Read/write scratch register for transport checks.
    pub const SCRATCH: u32 = 0x034;
    /// Busy bits: bit 0 MSM, bit 1 NTT, bit 2 flash.
    pub const STATUS: u32 = 0x038;
    /// Largest number of windows one MSM may use.
    pub const MSM_MAX_WINDOWS: u32 = 0x03C;

    /// Bits of [`STATUS`]: the engine is busy.
    pub const STATUS_MSM: u32 = 1 << 0;
    pub const STATUS_NTT: u32 = 1 << 1;
    pub const STATUS_FLASH: u32 = 1 << 2;
}

/// Bits of [`card::CAPS`].
pub mod caps {
    /// The MSM engine accumulates G1 buckets.
    pub const MSM_G1: u32 = 1 << 0;
    /// The MSM engine accumulates G2 buckets (not in this design).
    pub const MSM_G2: u32 = 1 << 1;
    /// The NTT engine runs radix-2 transforms.
    pub const NTT: u32 = 1 << 2;
    /// The NTT engine runs element-wise vector operations.
    pub const VEC: u32 = 1 << 3;
    /// The configuration flash controller is present.
    pub const FLASH: u32 = 1 << 4;
}

/// Base offsets of the blocks: address bits 15..[`SHIFT`] select the block, the bits below it
/// are the offset within the block.
pub mod block {
    /// log2 of the block size (4 KiB).
    pub const SHIFT: u32 = 12;

    pub const CARD: u32 = 0x0000;
    pub const MSM: u32 = 0x1000;
    pub const NTT: u32 = 0x2000;
    pub const FLASH: u32 = 0x3000;
}

/// HLS-style control registers at the start of each kernel block.
pub mod ctrl {
    /// bit 0 ap_start (write 1 to start), bit 1 ap_done (cleared when read), bit 2 ap_idle,
    /// bit 3 ap_ready.
    pub const AP_CTRL: u32 = 0x00;
    /// Global interrupt enable (bit 0).
    pub const GIE: u32 = 0x04;
    /// Interrupt enable (bit 0: done).
    pub const IER: u32 = 0x08;
    /// Interrupt status (bit 0: done); write 1 to clear.
    pub const ISR: u32 = 0x0C;
    /// Error flags of the last run; cleared by ap_start. Non-zero means the run was refused.
    pub const ERROR: u32 = 0x80;
    /// Cycles from ap_start to ap_done of the last run (low and high words).
    pub const CYCLES_LO: u32 = 0x90;
    pub const CYCLES_HI: u32 = 0x94;

    pub const AP_START: u32 = 1 << 0;
    pub const AP_DONE: u32 = 1 << 1;
    pub const AP_IDLE: u32 = 1 << 2;
    pub const AP_READY: u32 = 1 << 3;

    /// The writable bit of [`GIE`].
    pub const GIE_ENABLE: u32 = 1 << 0;
    /// The done interrupt, in [`IER`] and [`ISR`].
    pub const INT_DONE: u32 = 1 << 0;
}

/// Arguments and counters of the MSM kernel (offsets in its block).
pub mod msm {
    /// Card address of the affine bases (64 bytes each, the device layout).
    pub const BASES_LO: u32 = 0x10;
    pub const BASES_HI: u32 = 0x14;
    /// Card address of the digits: per point, `WINDOWS` packed digits (u32), padded to 8.
    pub const DIGITS_LO: u32 = 0x18;
    pub const DIGITS_HI: u32 = 0x1C;
    /// Card address the buckets are written to (128 bytes each, XYZZ).
    pub const OUT_LO: u32 = 0x20;
    pub const OUT_HI: u32 = 0x24;
    /// Number of points.
    pub const COUNT: u32 = 0x28;
    /// Windows per scalar.
    pub const WINDOWS: u32 = 0x2C;
    /// Buckets per window (2^(c-1)).
    pub const BUCKETS: u32 = 0x30;
    /// Cycles a pair waited on a bucket with an addition in flight (low, high).
    pub const STALLS_LO: u32 = 0x98;
    pub const STALLS_HI: u32 = 0x9C;
    /// Additions issued to the curve adder (low, high).
    pub const PAIRS_LO: u32 = 0xA0;
    pub const PAIRS_HI: u32 = 0xA4;

    /// Error bits.
    pub const ERR_ARGS: u32 = 1 << 0;
    pub const ERR_CAPACITY: u32 = 1 << 1;
    pub const ERR_ALIGN: u32 = 1 << 2;
    pub const ERR_RANGE: u32 = 1 << 3;
    pub const ERR_DIGIT: u32 = 1 << 4;
}

/// Arguments and counters of the NTT kernel.
pub mod ntt {
    /// [`OP_NTT`] or [`OP_VEC`].
    pub const OPCODE: u32 = 0x10;
    /// log2 of the block transform size (NTT).
    pub const LOG_N: u32 = 0x14;
    /// log2 of the number of strided blocks (NTT).
    pub const LOG_BLOCKS: u32 = 0x18;
    /// bit 0: load the twiddle table before the transform.
    pub const FLAGS: u32 = 0x1C;
    /// Card address of the data (NTT, in place) or of the left vector (VEC).
    pub const A_LO: u32 = 0x20;
    pub const A_HI: u32 = 0x24;
    /// Card address of the right vector (VEC).
    pub const B_LO: u32 = 0x28;
    pub const B_HI: u32 = 0x2C;
    /// Card address of the result (VEC).
    pub const DST_LO: u32 = 0x30;
    pub const DST_HI: u32 = 0x34;
    /// Card address of the twiddle table: `w^i` for `i < 2^(LOG_N - 1)`, Montgomery form.
    pub const TW_LO: u32 = 0x38;
    pub const TW_HI: u32 = 0x3C;
    /// Vector operation, `VEC_*`.
    pub const VEC_OP: u32 = 0x40;
    /// Vector length in elements.
    pub const LEN: u32 = 0x44;
    /// The constant of `VEC_SCALE` / `VEC_ADDC`: [`CONST_WORDS`] words, least significant
    /// first.
    pub const CONST0: u32 = 0x50;
    /// Words of the constant at [`CONST0`].
    pub const CONST_WORDS: u32 = 8;

    pub const OP_NTT: u32 = 0;
    pub const OP_VEC: u32 = 1;

    pub const FLAG_LOAD_TWIDDLES: u32 = 1 << 0;

    pub const VEC_ADD: u32 = 0;
    pub const VEC_SUB: u32 = 1;
    pub const VEC_MUL: u32 = 2;
    pub const VEC_SCALE: u32 = 3;
    pub const VEC_ADDC: u32 = 4;
    pub const VEC_COPY: u32 = 5;

    pub const ERR_ARGS: u32 = 1 << 0;
    pub const ERR_ALIGN: u32 = 1 << 2;
    pub const ERR_RANGE: u32 = 1 << 3;
}

/// The configuration flash controller.
pub mod flash {
    /// Write a command to start it: [`CMD_ERASE`], [`CMD_PROGRAM`] or [`CMD_READ`].
    pub const CMD: u32 = 0x00;
    /// Byte address in the flash: sector-aligned for erase, page-aligned otherwise.
    pub const ADDR: u32 = 0x04;
    /// bit 0 busy, bit 1 done (since the last command), bit 2 error.
    pub const STATUS: u32 = 0x08;
    /// Error bits of the last command.
    pub const ERROR: u32 = 0x0C;
    /// The page buffer: one page, read and written as 32-bit words (little-endian bytes).
    pub const BUF: u32 = 0x100;

    pub const CMD_ERASE: u32 = 1;
    pub const CMD_PROGRAM: u32 = 2;
    pub const CMD_READ: u32 = 3;

    pub const STATUS_BUSY: u32 = 1 << 0;
    pub const STATUS_DONE: u32 = 1 << 1;
    pub const STATUS_ERROR: u32 = 1 << 2;

    pub const ERR_RANGE: u32 = 1 << 0;
    pub const ERR_ALIGN: u32 = 1 << 1;
    pub const ERR_BUSY: u32 = 1 << 2;
    pub const ERR_COMMAND: u32 = 1 << 3;
}
