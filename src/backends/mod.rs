//! Choosing a backend by name at run time.
//!
//! Every backend kiln knows is listed in [`KNOWN`], whether or not this build contains it, so
//! that asking for one gives a precise answer: not a known name, not compiled into this build, or
//! compiled in but no device found. Each answer lists what is available.

use kiln_cpu::CpuBackend;
use kiln_host::faulty::{Fault, FaultyBackend};
use kiln_host::{ArkworksBackend, Backend, DeviceInfo};
use thiserror::Error;

// Each device backend is a crate of its own (host/cuda, host/wgpu, host/fpga), switched by the
// cargo feature of the same name; these names keep `kiln::backends::cuda::CudaBackend` and the
// like working.
#[cfg(feature = "cuda")]
pub use kiln_cuda as cuda;
#[cfg(feature = "fpga")]
pub use kiln_fpga as fpga;
#[cfg(feature = "wgpu")]
pub use kiln_wgpu as wgpu;

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

/// Every backend, one line each, in order of preference for [`open_best`]: the fastest hardware
/// first, then kiln's cpu backend, the arkworks reference last. A new backend is a line here and an arm in [`open_device`].
pub const KNOWN: &[KnownBackend] = &[
    known("cuda", "NVIDIA GPUs, CUDA kernels driven through cudarc", cfg!(feature = "cuda")),
    known("wgpu", "any GPU through WGSL and wgpu (Vulkan, Metal, DX12; lavapipe only when asked for by name)", cfg!(feature = "wgpu")),
    known("fpga", "FPGA cards on PCIe through the Xilinx XDMA driver", cfg!(feature = "fpga")),
    known("fpga-sim", "the FPGA design as a Verilator model (`make sim`; never chosen automatically)", cfg!(feature = "fpga")),
    known(CpuBackend::NAME, "the host CPU with kiln's own MSM (batched affine buckets; the default without an accelerator)", true),
    known(ArkworksBackend::NAME, "arkworks on the host CPU: the reference every backend is checked against", true),
    KnownBackend { diagnostic: true, ..known("faulty", "diagnostic: the arkworks backend with deliberate MSM and coset-NTT faults; `kiln selftest --backend faulty` must fail", true) },
];

const fn known(name: &'static str, description: &'static str, compiled_in: bool) -> KnownBackend {
    KnownBackend {
        name,
        description,
        compiled_in,
        diagnostic: false,
    }
}

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
        .filter(|b| b.compiled_in && !b.diagnostic && device_present(b.name))
        .map(|b| b.name)
        .collect()
}

/// Whether `name`'s device is there to be counted among [`compiled_in`]: the cuda backend needs
/// the NVIDIA driver, `fpga` a card, `wgpu` a hardware adapter (a software one such as lavapipe
/// is slower than the cpu backend). The simulated card runs every clock cycle in software, so
/// the suites that run "every backend" would take minutes on it: it is never counted (its own
/// suite, host/fpga/tests and `make test`'s selftests, runs the same checks).
fn device_present(name: &str) -> bool {
    match name {
        #[cfg(feature = "cuda")]
        "cuda" => kiln_cuda::driver::driver_present(),
        #[cfg(feature = "wgpu")]
        "wgpu" => kiln_wgpu::hardware_adapter_present(),
        #[cfg(feature = "fpga")]
        "fpga" => kiln_fpga::card_present(),
        "fpga-sim" => false,
        _ => true,
    }
}

/// Settings some backends take when they are opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// Bytes the cpu backend may spend on fixed-base tables of resident bases
    /// ([`kiln_cpu::CpuBackend::with_table_budget`]); 0 (the default) builds none.
    pub fixed_base_bytes: usize,
}

/// The backend `name` on its first device, if this build has it: `software` admits a software
/// wgpu adapter (lavapipe). The error is the backend's own reason for finding no device.
#[cfg_attr(not(feature = "wgpu"), allow(unused_variables))]
fn open_device(
    name: &str,
    software: bool,
    options: OpenOptions,
) -> Option<Result<Box<dyn Backend>, String>> {
    fn boxed<B: Backend + 'static, E: ToString>(
        r: Result<B, E>,
    ) -> Result<Box<dyn Backend>, String> {
        r.map(|b| Box::new(b) as Box<dyn Backend>)
            .map_err(|e| e.to_string())
    }
    Some(match name {
        CpuBackend::NAME => Ok(Box::new(CpuBackend::with_table_budget(
            options.fixed_base_bytes,
        ))),
        ArkworksBackend::NAME => Ok(Box::new(ArkworksBackend::new())),
        "faulty" => Ok(Box::new(FaultyBackend::new(&[
            Fault::MsmG1DropsLastTerm,
            Fault::CosetIgnoresShift,
        ]))),
        #[cfg(feature = "cuda")]
        "cuda" => boxed(kiln_cuda::CudaBackend::open()),
        #[cfg(feature = "wgpu")]
        "wgpu" => boxed(kiln_wgpu::WgpuBackend::open(kiln_wgpu::GpuOptions {
            allow_software: software,
            ..Default::default()
        })),
        #[cfg(feature = "fpga")]
        "fpga" => boxed(kiln_fpga::FpgaBackend::open_xdma()),
        #[cfg(feature = "fpga")]
        "fpga-sim" => boxed(kiln_fpga::FpgaBackend::open_sim()),
        _ => return None,
    })
}

/// Opens the backend called `name` on its first device. The list of what is available (which
/// probes every backend's device) is made only for an error.
pub fn open(name: &str) -> Result<Box<dyn Backend>, OpenError> {
    open_with(name, OpenOptions::default())
}

/// As [`open`], with `options`.
pub fn open_with(name: &str, options: OpenOptions) -> Result<Box<dyn Backend>, OpenError> {
    let available = || list(compiled_in().into_iter());
    let Some(known) = KNOWN.iter().find(|b| b.name == name) else {
        return Err(OpenError::Unknown {
            name: name.to_string(),
            known: list(KNOWN.iter().map(|b| b.name)),
            available: available(),
        });
    };
    match open_device(known.name, true, options) {
        Some(Ok(backend)) => Ok(backend),
        Some(Err(reason)) => Err(OpenError::NoDevice {
            name: name.to_string(),
            reason,
            available: available(),
        }),
        None => Err(OpenError::NotCompiledIn {
            name: name.to_string(),
            available: available(),
        }),
    }
}

/// The first backend in [`KNOWN`]'s order that opens, never a diagnostic one, a software wgpu
/// adapter or the simulated card. The cpu backend always opens.
pub fn open_best() -> Box<dyn Backend> {
    open_best_with(OpenOptions::default())
}

/// As [`open_best`], with `options`.
pub fn open_best_with(options: OpenOptions) -> Box<dyn Backend> {
    KNOWN
        .iter()
        .filter(|b| b.compiled_in && !b.diagnostic && b.name != "fpga-sim")
        .find_map(|b| open_device(b.name, false, options)?.ok())
        .unwrap_or_else(|| Box::new(CpuBackend::with_table_budget(options.fixed_base_bytes)))
}

/// What each known backend finds: its devices, or why it has none.
pub fn probe() -> Vec<(KnownBackend, Result<Vec<DeviceInfo>, OpenError>)> {
    KNOWN
        .iter()
        .map(|b| (*b, open(b.name).map(|backend| vec![backend.device_info()])))
        .collect()
}
