//! The one trait every way of reaching a card implements.

use crate::error::Result;

/// A path to a kiln card: 32-bit registers on the user BAR, and DMA to and from card memory.
///
/// Two implementations: [`crate::xdma::XdmaTransport`] (the Xilinx XDMA driver's character
/// devices) and [`crate::sim::SimTransport`] (the Verilator model of `hdl/`). Everything above
/// this trait, from [`crate::card::Card`] to the MSM and NTT drivers, is the same code for both.
pub trait Transport: Send {
    /// Reads the register at `offset` (4-byte aligned) of the user BAR.
    fn read32(&mut self, offset: u32) -> Result<u32>;
    /// Writes the register at `offset` (4-byte aligned) of the user BAR.
    fn write32(&mut self, offset: u32, value: u32) -> Result<()>;
    /// Copies `data` to card memory at card address `addr` (host to card).
    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<()>;
    /// Fills `out` from card memory at card address `addr` (card to host).
    fn read_mem(&mut self, addr: u64, out: &mut [u8]) -> Result<()>;
    /// Lets the card make progress between two status polls: a short sleep on hardware, some
    /// clock cycles in simulation.
    fn pause(&mut self);
    /// What this transport reaches, for messages (`/dev/xdma0`, `Verilator model ...`).
    fn describe(&self) -> String;
    /// The simulated card's own controls (clock, fault injection), when this is the model.
    fn as_sim(&mut self) -> Option<&mut crate::sim::SimTransport> {
        None
    }
}

/// Checks a register offset before it reaches a device.
pub(crate) fn check_aligned(offset: u32) -> Result<()> {
    if offset.is_multiple_of(4) {
        Ok(())
    } else {
        Err(crate::error::TransportError::Misaligned { offset })
    }
}
