//! kiln's FPGA card transport.
//!
//! One trait, [`Transport`], for everything the host does with a kiln card: 32-bit register
//! accesses on the user BAR and DMA to and from card memory. Two implementations:
//!
//! * [`xdma::XdmaTransport`]: a card on PCIe behind the Xilinx XDMA driver's character devices;
//! * [`sim::SimTransport`]: the Verilator model of `hdl/`, loaded at run time (`make sim`).
//!
//! Above the trait, [`card::Card`] identifies a card and runs its kernels (HLS-style
//! ap_start/ap_done control, error flags, cycle counters), [`memory::CardMemory`] allocates
//! card memory, and [`flash`] programs the configuration flash safely. The register map lives in
//! [`regs`] and is also the source of `hdl/rtl/kiln_pkg.sv`. This crate knows nothing about
//! curves or fields: the MSM and NTT drivers (`kiln-msm`, `kiln-ntt`, feature `fpga`) build on it.

pub mod card;
pub mod error;
pub mod flash;
pub mod memory;
pub mod regs;
pub mod sim;
pub mod transport;
pub mod xdma;

pub use card::{Card, CardInfo, Kernel, RunStats};
pub use error::{Result, TransportError};
pub use memory::{CardMemory, Region};
pub use transport::Transport;
