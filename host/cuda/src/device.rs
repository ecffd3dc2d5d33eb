//! [`CudaRunner`]: kiln's kernels on an NVIDIA GPU through cudarc.
//!
//! * One context and one stream per runner; every launch and copy goes on that stream, so
//!   work is ordered without events (cudarc's event tracking is switched off).
//! * Kernels are compiled at first use, per program, for the device's own compute capability
//!   (`sm_XY`) and loaded as cubins; compiled programs are cached on disk ([`KernelCache`]).
//! * Memory is plain device allocations (`cuMemAlloc`/stream-ordered pools), never managed
//!   memory. An allocation the device cannot satisfy is [`Error::OutOfMemory`].
//! * Waiting is bounded: [`KernelRunner::synchronize`] polls an event and gives up after
//!   `KILN_CUDA_TIMEOUT_SECS` (default 600) with an error instead of hanging.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cudarc::driver::{
    sys, CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DevicePtr, DeviceRepr,
    DriverError, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::Ptx;

use crate::cache::KernelCache;
use crate::driver::{self, GpuInfo};
use crate::runner::{DeviceWords, Kernel, KernelParams, KernelRunner, Program};
use kiln_host::error::{Error, Result};

/// Words on the GPU.
pub struct CudaWords {
    slice: CudaSlice<u32>,
    address: u64,
}

impl DeviceWords for CudaWords {
    fn words(&self) -> usize {
        self.slice.len()
    }
    fn address(&self) -> u64 {
        self.address
    }
}

/// A parameter struct as cudarc passes it: by pointer to its bytes.
#[repr(transparent)]
struct RawParams<P>(P);

// SAFETY: KernelParams guarantees a #[repr(C)] struct of integers matching the kernel's.
unsafe impl<P: KernelParams> DeviceRepr for RawParams<P> {}

fn device_error(op: &'static str, e: DriverError) -> Error {
    Error::Device {
        op,
        message: format!("{e:?}"),
    }
}

fn is_out_of_memory(e: &DriverError) -> bool {
    e.0 == sys::cudaError_enum::CUDA_ERROR_OUT_OF_MEMORY
}

/// An NVIDIA GPU that runs kiln's kernels.
pub struct CudaRunner {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    info: GpuInfo,
    cache: KernelCache,
    modules: Mutex<HashMap<Program, Arc<CudaModule>>>,
    functions: Mutex<HashMap<&'static str, CudaFunction>>,
    timeout: Duration,
}

impl CudaRunner {
    /// Opens CUDA device `ordinal`. Without a driver or a device this is an error, not a panic.
    pub fn open(ordinal: usize) -> Result<Self> {
        let gpus = driver::probe().map_err(|e| Error::Device {
            op: "open",
            message: e.to_string(),
        })?;
        let info = gpus.get(ordinal).cloned().ok_or_else(|| Error::Device {
            op: "open",
            message: format!("no CUDA device {ordinal} ({} found)", gpus.len()),
        })?;
        let ctx = CudaContext::new(ordinal).map_err(|e| device_error("open", e))?;
        // One stream orders everything; per-buffer events would only add overhead.
        // SAFETY: no buffers exist yet.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.default_stream();
        let timeout = std::env::var("KILN_CUDA_TIMEOUT_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(600));
        Ok(CudaRunner {
            ctx,
            stream,
            info,
            cache: KernelCache::from_env(),
            modules: Mutex::new(HashMap::new()),
            functions: Mutex::new(HashMap::new()),
            timeout,
        })
    }

    /// The device's description.
    pub fn info(&self) -> &GpuInfo {
        &self.info
    }

    /// The kernel cache in use.
    pub fn cache(&self) -> &KernelCache {
        &self.cache
    }

    fn module(&self, program: Program) -> Result<Arc<CudaModule>> {
        let mut modules = self.modules.lock().map_err(|_| Error::Device {
            op: "load kernels",
            message: "module table poisoned".into(),
        })?;
        if let Some(m) = modules.get(&program) {
            return Ok(m.clone());
        }
        let (compiled, _origin) = self
            .cache
            .compile(program, &self.info.arch())
            .map_err(|e| Error::Device {
                op: "compile kernels",
                message: e.to_string(),
            })?;
        let module = self
            .ctx
            .load_module(Ptx::from_binary(compiled.cubin))
            .map_err(|e| device_error("load kernels", e))?;
        modules.insert(program, module.clone());
        Ok(module)
    }

    fn function(&self, kernel: Kernel) -> Result<CudaFunction> {
        if let Some(f) = self
            .functions
            .lock()
            .ok()
            .and_then(|f| f.get(kernel.name).cloned())
        {
            return Ok(f);
        }
        let f = self
            .module(kernel.program)?
            .load_function(kernel.name)
            .map_err(|e| device_error("load kernels", e))?;
        if let Ok(mut fs) = self.functions.lock() {
            fs.insert(kernel.name, f.clone());
        }
        Ok(f)
    }

    fn wrap(&self, slice: CudaSlice<u32>) -> CudaWords {
        let address = {
            let (address, _sync) = slice.device_ptr(&self.stream);
            address
        };
        CudaWords { slice, address }
    }

    fn alloc_error(&self, what: &str, words: usize, e: DriverError) -> Error {
        if is_out_of_memory(&e) {
            Error::OutOfMemory {
                what: what.to_string(),
                needed_bytes: 4 * words as u64,
            }
        } else {
            device_error("alloc", e)
        }
    }
}

impl KernelRunner for CudaRunner {
    type Buffer = CudaWords;

    fn device_name(&self) -> String {
        format!("{} ({})", self.info.name, self.info.arch())
    }

    fn alloc_zeroed(&self, words: usize, what: &str) -> Result<CudaWords> {
        let slice = self
            .stream
            .alloc_zeros::<u32>(words.max(1))
            .map_err(|e| self.alloc_error(what, words, e))?;
        Ok(self.wrap(slice))
    }

    fn upload(&self, data: &[u32], what: &str) -> Result<CudaWords> {
        if data.is_empty() {
            return self.alloc_zeroed(1, what);
        }
        let slice = self
            .stream
            .clone_htod(data)
            .map_err(|e| self.alloc_error(what, data.len(), e))?;
        Ok(self.wrap(slice))
    }

    fn download(&self, buffer: &CudaWords, range: Range<usize>) -> Result<Vec<u32>> {
        if range.is_empty() {
            return Ok(Vec::new());
        }
        self.synchronize()?;
        let view = buffer.slice.try_slice(range.clone()).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "download of words {range:?} from a buffer of {} words",
                buffer.slice.len()
            ))
        })?;
        self.stream
            .clone_dtoh(&view)
            .map_err(|e| device_error("download", e))
    }

    fn copy(&self, dst: &mut CudaWords, src: &CudaWords) -> Result<()> {
        self.stream
            .memcpy_dtod(&src.slice, &mut dst.slice)
            .map_err(|e| device_error("copy", e))
    }

    unsafe fn launch<P: KernelParams>(
        &self,
        kernel: Kernel,
        grid: u32,
        block: u32,
        params: &P,
    ) -> Result<()> {
        let f = self.function(kernel)?;
        let raw = RawParams(*params);
        let cfg = LaunchConfig {
            grid_dim: (grid.max(1), 1, 1),
            block_dim: (block, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut builder = self.stream.launch_builder(&f);
        builder.arg(&raw);
        // SAFETY: the caller guarantees the parameters and buffers (see the trait).
        unsafe { builder.launch(cfg) }
            .map(|_| ())
            .map_err(|e| Error::Device {
                op: "launch",
                message: format!("{}: {e:?}", kernel.name),
            })
    }

    fn synchronize(&self) -> Result<()> {
        let event = self
            .stream
            .record_event(None)
            .map_err(|e| device_error("synchronize", e))?;
        let start = Instant::now();
        loop {
            match event.try_is_complete() {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(device_error("synchronize", e)),
            }
            if start.elapsed() > self.timeout {
                return Err(Error::Device {
                    op: "synchronize",
                    message: format!(
                        "the GPU did not finish within {} s (KILN_CUDA_TIMEOUT_SECS)",
                        self.timeout.as_secs()
                    ),
                });
            }
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    fn free_memory(&self) -> Option<u64> {
        self.ctx.mem_get_info().ok().map(|(free, _)| free as u64)
    }
}
