//! Choosing a backend by name at run time.
//!
//! Every backend kiln knows is listed in [`KNOWN`], whether or not this build contains it, so
//! that asking for one gives a precise answer: not a known name, not compiled into this build, or
//! compiled in but no device found. Each answer lists what is available.

use kiln_host::faulty::{Fault, FaultyBackend};
use kiln_host::{Backend, CpuBackend, DeviceInfo};
use thiserror::Error;

#[cfg(feature = "cuda")]
pub mod cuda;
#[cfg(feature = "fpga")]
pub mod fpga;
#[cfg(feature = "wgpu")]
pub mod wgpu;

/// A backend kiln knows about.
#[derive(Clone, Copy, Debug)]
pub struct KnownBackend {
    /// The name it is selected by.
    pub name: &'static str,
    /// What it drives.
    pub description: &'static str,
    /// Whether this build contains it.
    pub compiled_in: bool,
    /// A diagnostic backend: deliberately wrong, never chosen by [`open_best`] and not counted
    /// as available for proving.
    pub diagnostic: bool,
}

/// Every backend, in order of preference for [`open_best`]: the fastest hardware first, the
/// cpu reference last.
pub const KNOWN: &[KnownBackend] = &[
    KnownBackend {
        name: "cuda",
        description: "NVIDIA GPUs, CUDA kernels driven through cudarc",
        compiled_in: cfg!(feature = "cuda"),
        diagnostic: false,
    },
    KnownBackend {
        name: "wgpu",
        description: "any GPU through WGSL and wgpu (Vulkan, Metal, DX12; lavapipe only when asked for by name)",
        compiled_in: cfg!(feature = "wgpu"),
        diagnostic: false,
    },
    KnownBackend {
        name: "fpga",
        description: "FPGA cards on PCIe through the Xilinx XDMA driver",
        compiled_in: cfg!(feature = "fpga"),
        diagnostic: false,
    },
    KnownBackend {
        name: "fpga-sim",
        description: "the FPGA design as a Verilator model (`make sim`; never chosen automatically)",
        compiled_in: cfg!(feature = "fpga"),
        diagnostic: false,
    },
    KnownBackend {
        name: CpuBackend::NAME,
        description: "arkworks on the host CPU (the reference)",
        compiled_in: true,
        diagnostic: false,
    },
    KnownBackend {
        name: "faulty",
        description: "diagnostic: the cpu backend with deliberate MSM and coset-NTT faults; `kiln selftest --backend faulty` must fail",
        compiled_in: true,
        diagnostic: true,
    },
];

/// Why a backend could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error(
        "unknown backend '{name}'; known backends: {known}; available in this build: {available}"
    )]
    Unknown {
        name: String,
        known: String,
        available: String,
    },
    #[error("backend '{name}' is not compiled into this build of kiln; available: {available}")]
    NotCompiledIn { name: String, available: String },
    #[error("backend '{name}' found no device: {reason}; available: {available}")]
    NoDevice {
        name: String,
        reason: String,
        available: String,
    },
}

fn list(names: impl Iterator<Item = &'static str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// The names of the backends compiled into this build that compute correctly (the diagnostic
/// `faulty` backend is left out). The `cuda` backend is left out on a machine without the
/// NVIDIA driver, where it is compiled in (by default) but can never open; with the driver it
/// is listed, so everything that runs "every backend" runs it on a GPU machine. Likewise `fpga`
/// is listed only when a card is present, and `fpga-sim` (slow: a simulation) never.
pub fn compiled_in() -> Vec<&'static str> {
    KNOWN
        .iter()
        .filter(|b| b.compiled_in && !b.diagnostic)
        .filter(|b| b.name != "cuda" || cuda_driver_present())
        .filter(|b| b.name != "fpga" || fpga_card_present())
        // The simulated card runs every clock cycle in software: the suites that run "every
        // backend" would take minutes on it, so it is not counted here. Its own suite
        // (tests/fpga_*.rs, `make test`'s selftests) runs the same checks.
        .filter(|b| b.name != "fpga-sim")
        .map(|b| b.name)
        .collect()
}

#[cfg(feature = "cuda")]
fn cuda_driver_present() -> bool {
    kiln_host::cuda::driver::driver_present()
}

#[cfg(not(feature = "cuda"))]
fn cuda_driver_present() -> bool {
    false
}

/// Whether the `fpga` backend finds a card (`/dev/xdma<N>_user`, or `$KILN_FPGA_DEVICE`).
fn fpga_card_present() -> bool {
    #[cfg(feature = "fpga")]
    return fpga::card_present();
    #[cfg(not(feature = "fpga"))]
    return false;
}

/// Opens the backend called `name` on its first device.
pub fn open(name: &str) -> Result<Box<dyn Backend>, OpenError> {
    let available = list(compiled_in().into_iter());
    let Some(known) = KNOWN.iter().find(|b| b.name == name) else {
        return Err(OpenError::Unknown {
            name: name.to_string(),
            known: list(KNOWN.iter().map(|b| b.name)),
            available,
        });
    };
    match known.name {
        CpuBackend::NAME => Ok(Box::new(CpuBackend::new())),
        #[cfg(feature = "cuda")]
        "cuda" => cuda::CudaBackend::open()
            .map(|b| Box::new(b) as Box<dyn Backend>)
            .map_err(|reason| OpenError::NoDevice {
                name: "cuda".to_string(),
                reason,
                available,
            }),
        #[cfg(feature = "wgpu")]
        "wgpu" => open_wgpu(true, available),
        #[cfg(feature = "fpga")]
        "fpga" => fpga::open_xdma(available),
        #[cfg(feature = "fpga")]
        "fpga-sim" => fpga::open_sim(available),
        "faulty" => Ok(Box::new(FaultyBackend::new(&[
            Fault::MsmG1DropsLastTerm,
            Fault::CosetIgnoresShift,
        ]))),
        _ => Err(OpenError::NotCompiledIn {
            name: name.to_string(),
            available,
        }),
    }
}

/// The wgpu backend on the best adapter; `software` admits lavapipe-like adapters.
#[cfg(feature = "wgpu")]
fn open_wgpu(software: bool, available: String) -> Result<Box<dyn Backend>, OpenError> {
    let options = kiln_host::wgpu::GpuOptions {
        allow_software: software,
        ..Default::default()
    };
    wgpu::WgpuBackend::open(options)
        .map(|b| Box::new(b) as Box<dyn Backend>)
        .map_err(|reason| OpenError::NoDevice {
            name: "wgpu".to_string(),
            reason,
            available,
        })
}

/// The first backend in [`KNOWN`]'s order that opens. The cpu backend always does.
pub fn open_best() -> Box<dyn Backend> {
    KNOWN
        .iter()
        .filter(|b| b.compiled_in && !b.diagnostic)
        .find_map(|b| match b.name {
            // A software adapter (lavapipe) is slower than the cpu backend: never chosen here.
            #[cfg(feature = "wgpu")]
            "wgpu" => open_wgpu(false, String::new()).ok(),
            // A simulated card runs every clock cycle in software: never chosen here.
            "fpga-sim" => None,
            name => open(name).ok(),
        })
        .unwrap_or_else(|| Box::new(CpuBackend::new()))
}

/// What each known backend finds: its devices, or why it has none.
pub fn probe() -> Vec<(KnownBackend, Result<Vec<DeviceInfo>, OpenError>)> {
    KNOWN
        .iter()
        .map(|b| (*b, open(b.name).map(|backend| vec![backend.device_info()])))
        .collect()
}
