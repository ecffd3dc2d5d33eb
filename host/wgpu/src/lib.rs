//! kiln's `wgpu` backend: the WGSL kernels of `kernels/wgsl` on any Vulkan, Metal or DX12 GPU
//! (Mesa's lavapipe in CI), behind the seam.
//!
//! * [`backend`]: [`WgpuBackend`], the seam's operations on one adapter;
//! * [`msm`], [`ntt`], [`vec_ops`]: the drivers (device-neutral planning from `kiln-msm` and
//!   `kiln-ntt`);
//! * [`context`]: device acquisition with the adapter's limits, buffers, the pipeline cache,
//!   dispatches and bounded waits;
//! * [`shader`], [`field_gen`] and [`curve_gen`]: WGSL generation, with every field constant
//!   formatted from arkworks, the limb-level arithmetic emitted as straight-line code and the
//!   curve formulas as programs for a small interpreter;
//! * [`buffers`]: resident Fr vectors (chunked to fit bindings) and bases, in the device layout;
//! * [`radix`]: conversions between the device layout and the kernels' limb radix;
//! * [`harness`]: field and curve operations on arrays, for tests and benchmarks.
//!
//! The kernels themselves live in `kernels/wgsl/` (see its README); this crate is the only one
//! that loads them ([`shader`]).

pub mod backend;
pub mod buffers;
pub mod context;
pub mod curve_gen;
pub mod field_gen;
pub mod harness;
pub mod msm;
pub mod ntt;
pub mod radix;
pub mod shader;
pub mod vec_ops;

pub use backend::WgpuBackend;
pub use buffers::{FrVec, Group, PointBuf};
pub use context::{
    device_error, gpu_device_node_present, hardware_adapter_present, Batch, Bind, Gpu, GpuOptions,
    NO_ADAPTER_HINT, WORKGROUP,
};
pub use shader::{LimbShape, Part};
