//! Is there an NVIDIA driver and a CUDA device? Asked before anything else touches CUDA.
//!
//! cudarc loads `libcuda.so` lazily and panics when it is missing, so the probe first asks
//! whether the library can be opened at all and only then initialises the driver; any panic
//! from the bindings is caught as well. The answer for a machine without the driver is an
//! ordinary "no NVIDIA driver found".

use std::panic::{catch_unwind, AssertUnwindSafe};

use cudarc::driver::{result, sys};

/// A CUDA device as the driver describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuInfo {
    pub ordinal: usize,
    pub name: String,
    /// Compute capability `(major, minor)`; NVRTC's architecture is `sm_{major}{minor}`.
    pub compute_capability: (i32, i32),
    pub total_memory: u64,
    pub multiprocessors: i32,
}

impl GpuInfo {
    /// The NVRTC architecture for this device (`sm_90` for an H100).
    pub fn arch(&self) -> String {
        format!(
            "sm_{}{}",
            self.compute_capability.0, self.compute_capability.1
        )
    }
}

/// Why there is no CUDA device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoDevice {
    #[error("no NVIDIA driver found (libcuda.so could not be loaded)")]
    NoDriver,
    #[error("the NVIDIA driver failed to initialise: {0}")]
    InitFailed(String),
    #[error("the NVIDIA driver found no CUDA device")]
    NoGpu,
    #[error("querying CUDA device {ordinal}: {message}")]
    Query { ordinal: usize, message: String },
}

/// Whether the driver library can be loaded at all.
pub fn driver_present() -> bool {
    // SAFETY: only tries to open the library.
    catch_unwind(|| unsafe { sys::is_culib_present() }).unwrap_or(false)
}

fn attribute(dev: sys::CUdevice, attr: sys::CUdevice_attribute) -> Result<i32, String> {
    // SAFETY: `dev` came from cuDeviceGet.
    unsafe { result::device::get_attribute(dev, attr) }.map_err(|e| format!("{e:?}"))
}

fn describe(ordinal: usize) -> Result<GpuInfo, String> {
    let dev = result::device::get(ordinal as i32).map_err(|e| format!("{e:?}"))?;
    let name = result::device::get_name(dev).map_err(|e| format!("{e:?}"))?;
    // SAFETY: as above.
    let total_memory = unsafe { result::device::total_mem(dev) }.map_err(|e| format!("{e:?}"))?;
    use sys::CUdevice_attribute::*;
    Ok(GpuInfo {
        ordinal,
        name,
        compute_capability: (
            attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?,
            attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?,
        ),
        total_memory: total_memory as u64,
        multiprocessors: attribute(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?,
    })
}

/// Every CUDA device, or why there is none.
pub fn probe() -> Result<Vec<GpuInfo>, NoDevice> {
    if !driver_present() {
        return Err(NoDevice::NoDriver);
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<GpuInfo>, NoDevice> {
        result::init().map_err(|e| NoDevice::InitFailed(format!("{e:?}")))?;
        let count =
            result::device::get_count().map_err(|e| NoDevice::InitFailed(format!("{e:?}")))?;
        if count <= 0 {
            return Err(NoDevice::NoGpu);
        }
        (0..count as usize)
            .map(|ordinal| {
                describe(ordinal).map_err(|message| NoDevice::Query { ordinal, message })
            })
            .collect()
    }));
    outcome.unwrap_or_else(|_| Err(NoDevice::InitFailed("the CUDA bindings panicked".into())))
}
