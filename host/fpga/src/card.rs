//! Reaching a kiln card: over the Xilinx XDMA driver's character devices, or as a fresh
//! Verilator model of `hdl/`. `kiln card` uses these directly; the backends open through them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_ffi::sim::{SimConfig, SimTransport};
use kiln_ffi::xdma::XdmaTransport;
use kiln_ffi::{Card, Transport, TransportError};

/// How long one kernel may run: a real card finishes in seconds; the model simulates every
/// clock cycle, so it gets longer. `KILN_FPGA_TIMEOUT_S` overrides both.
fn kernel_timeout(sim: bool) -> Duration {
    std::env::var("KILN_FPGA_TIMEOUT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(if sim {
            Duration::from_secs(3600)
        } else {
            kiln_ffi::card::DEFAULT_TIMEOUT
        })
}

/// Opens the card at `prefix` (`/dev/xdma0`) as an identified [`Card`].
pub fn open_xdma_card(prefix: &Path) -> Result<Card, TransportError> {
    let transport = XdmaTransport::open(prefix)?;
    let mut card = Card::open(Box::new(transport) as Box<dyn Transport>)?;
    card.set_timeout(kernel_timeout(false));
    Ok(card)
}

/// A fresh Verilator model of the card as an identified [`Card`].
pub fn open_sim_card() -> Result<Card, TransportError> {
    let transport = SimTransport::open(SimConfig::default())?;
    let mut card = Card::open(Box::new(transport) as Box<dyn Transport>)?;
    card.set_timeout(kernel_timeout(true));
    Ok(card)
}

/// The card the `fpga` backend uses: `$KILN_FPGA_DEVICE` if set, else the first
/// `/dev/xdma<N>` the driver made.
pub fn default_device() -> Result<PathBuf, TransportError> {
    if let Some(p) = std::env::var_os("KILN_FPGA_DEVICE") {
        return Ok(p.into());
    }
    XdmaTransport::discover(Path::new("/dev"))
        .into_iter()
        .next()
        .ok_or_else(|| TransportError::NoDevice {
            path: "/dev/xdma*".into(),
            reason: "no xdma<N>_user device files (is the Xilinx XDMA driver loaded and a kiln \
                     bitstream on the card?)"
                .into(),
        })
}

/// Whether [`default_device`] names a card whose register device exists.
pub fn card_present() -> bool {
    default_device()
        .map(|p| kiln_ffi::xdma::XdmaPaths::for_prefix(&p).user.exists())
        .unwrap_or(false)
}
