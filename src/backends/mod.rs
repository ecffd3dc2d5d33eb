//! Choosing a backend by name at run time.
//!
//! Every backend kiln knows is listed in [`KNOWN`], whether or not this build contains it, so
//! that asking for one gives a precise answer: not a known name, not compiled into this build, or
//! compiled in but no device found. Each answer lists what is available.

use kiln_host::faulty::{Fault, FaultyBackend};
use kiln_host::{Backend, CpuBackend, DeviceInfo};
use thiserror::Error;

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
        compiled_in: false,
        diagnostic: false,
    },
    KnownBackend {
        name: "wgpu",
        description: "any GPU through WGSL and wgpu (Vulkan, Metal, DX12)",
        compiled_in: false,
        diagnostic: false,
    },
    KnownBackend {
        name: "fpga",
        description: "FPGA cards on PCIe through the Xilinx XDMA driver",
        compiled_in: false,
        diagnostic: false,
    },
    KnownBackend {
        name: "fpga-sim",
        description: "the FPGA design as a Verilator model",
        compiled_in: false,
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
/// `faulty` backend is left out).
pub fn compiled_in() -> Vec<&'static str> {
    KNOWN
        .iter()
        .filter(|b| b.compiled_in && !b.diagnostic)
        .map(|b| b.name)
        .collect()
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

/// The first backend in [`KNOWN`]'s order that opens. The cpu backend always does.
pub fn open_best() -> Box<dyn Backend> {
    KNOWN
        .iter()
        .filter(|b| b.compiled_in && !b.diagnostic)
        .find_map(|b| open(b.name).ok())
        .unwrap_or_else(|| Box::new(CpuBackend::new()))
}

/// What each known backend finds: its devices, or why it has none.
pub fn probe() -> Vec<(KnownBackend, Result<Vec<DeviceInfo>, OpenError>)> {
    KNOWN
        .iter()
        .map(|b| (*b, open(b.name).map(|backend| vec![backend.device_info()])))
        .collect()
}
