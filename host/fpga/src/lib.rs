//! kiln's FPGA backends: `fpga`, a kiln card behind the Xilinx XDMA driver, and `fpga-sim`, the
//! Verilator model of `hdl/` (built by `make sim`). Both are the same code over
//! `kiln_ffi::Transport`.
//!
//! * [`backend`]: [`FpgaBackend`], the seam's operations split between the card and the host;
//! * [`msm`], [`ntt`]: the card's MSM and NTT drivers (bucket accumulation and on-chip
//!   transforms on the card; digits, reductions and larger NTT stages on the host);
//! * [`card`]: reaching a card (XDMA device files or the model), for the backends and
//!   `kiln card`;
//! * [`counters`]: card cycles, host time and DMA bytes per backend, for `kiln bench`.
//!
//! The RTL is in `hdl/`, the transport and register map in `kiln-ffi` (`ffi/`).

pub mod backend;
pub mod card;
pub mod counters;
pub mod msm;
pub mod ntt;

pub use backend::FpgaBackend;
pub use card::{card_present, default_device, open_sim_card, open_xdma_card};
pub use counters::{card_figures, CardFigures};
/// The card transport, for callers that drive a card directly (`kiln card`).
pub use kiln_ffi as ffi;

/// The name of the backend on a real card.
pub const XDMA_NAME: &str = "fpga";
/// The name of the backend on the Verilator model.
pub const SIM_NAME: &str = "fpga-sim";
