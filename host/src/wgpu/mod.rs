//! The wgpu device layer (cargo feature `wgpu`): what the WGSL MSM and NTT drivers
//! (`kiln-msm`, `kiln-ntt`) and the `wgpu` backend share.
//!
//! * [`context`]: device acquisition with the adapter's limits, buffers, the pipeline cache,
//!   dispatches and bounded waits;
//! * [`shader`], [`field_gen`] and [`curve_gen`]: WGSL generation, with every field constant
//!   formatted from arkworks, the limb-level arithmetic emitted as straight-line code and the
//!   curve formulas as programs for a small interpreter;
//! * [`buffers`]: resident Fr vectors (chunked to fit bindings) and bases, in the device layout;
//! * [`radix`]: conversions between the device layout and the kernels' limb radix;
//! * [`vec_ops`]: the element-wise vector operations;
//! * [`harness`]: field and curve operations on arrays, for tests and benchmarks.
//!
//! The kernels themselves live in `kernels/wgsl/` (see its README).

pub mod buffers;
pub mod context;
pub mod curve_gen;
pub mod field_gen;
pub mod harness;
pub mod radix;
pub mod shader;
pub mod vec_ops;

/// The wgpu crate itself, for the drivers in `kiln-msm` and `kiln-ntt`.
pub use ::wgpu as raw;
pub use buffers::{FrVec, Group, PointBuf};
pub use context::{device_error, Batch, Bind, Gpu, GpuOptions, NO_ADAPTER_HINT, WORKGROUP};
pub use shader::{LimbShape, Part};
