//! One wgpu device: adapter choice, raised limits, buffers, the pipeline cache, dispatches and
//! bounded waits.
//!
//! Every wait on the device is bounded ([`GpuOptions::timeout`]): software Vulkan (lavapipe) and
//! broken drivers can hang, and a hung prover must become an error, not a stuck process. wgpu's
//! default error handler panics; this context records errors instead and turns them into
//! [`Error::Device`] or [`Error::OutOfMemory`] at the end of each operation.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use kiln_host::device::{DeviceInfo, DeviceKind};
use kiln_host::error::{Error, Result};

use super::shader::LimbShape;

/// Threads per workgroup of every kiln kernel (`@workgroup_size(64)` in the WGSL sources).
pub const WORKGROUP: u32 = 64;

/// How to open a device.
#[derive(Clone, Debug)]
pub struct GpuOptions {
    /// Accept a software adapter (lavapipe, `wgpu::DeviceType::Cpu`). CI does; automatic backend
    /// choice does not, since the cpu backend is faster than any software GPU.
    pub allow_software: bool,
    /// The longest any single wait on the device may take.
    pub timeout: Duration,
    /// Limb shape of the kernels.
    pub shape: LimbShape,
    /// Cap on the bytes of one storage binding, below the device's own limit. Tests use it to
    /// force vectors to be split into several buffers, as a large NTT on a small device is.
    pub max_binding_bytes: Option<u64>,
}

/// Every adapter of the compute APIs kiln uses (Vulkan, Metal, DX12).
fn adapters() -> Vec<wgpu::Adapter> {
    let backends = wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12;
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    // No validation layers: they are slow, and absent on most machines anyway.
    desc.flags = wgpu::InstanceFlags::empty();
    let instance = wgpu::Instance::new(desc);
    pollster::block_on(instance.enumerate_adapters(backends))
}

/// Whether a hardware adapter (anything but a software rasteriser such as lavapipe) is present;
/// enumerated once per process. This decides whether automatic backend choice considers wgpu.
pub fn hardware_adapter_present() -> bool {
    static PRESENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PRESENT.get_or_init(|| {
        gpu_device_node_present()
            && adapters()
                .iter()
                .any(|a| a.get_info().device_type != wgpu::DeviceType::Cpu)
    })
}

/// Device files through which Linux GPU drivers are reached: DRM render nodes (AMD, Intel,
/// NVIDIA with nvidia-drm), NVIDIA's own device files, and WSL's paravirtual GPU.
#[cfg(target_os = "linux")]
const GPU_DEVICE_NODES: [(&str, &str); 3] =
    [("/dev/dri", "renderD"), ("/dev", "nvidia"), ("/dev", "dxg")];

/// Whether a hardware GPU could be present at all. On Linux a hardware Vulkan driver needs one of
/// [`GPU_DEVICE_NODES`]; without one every adapter is a software one, and enumerating adapters
/// would load lavapipe and the LLVM it links (about 50 MB resident) only to reject it, in every
/// `kiln prove` that picks its backend automatically. Elsewhere: assumed present.
pub fn gpu_device_node_present() -> bool {
    #[cfg(target_os = "linux")]
    {
        GPU_DEVICE_NODES.iter().any(|(dir, prefix)| {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
            })
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

impl Default for GpuOptions {
    /// Software adapters allowed, limb shape [`LimbShape::DEFAULT`], timeout 300 s or
    /// `KILN_WGPU_TIMEOUT_S`.
    fn default() -> Self {
        let timeout = std::env::var("KILN_WGPU_TIMEOUT_S")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|&s| s > 0)
            .unwrap_or(300);
        GpuOptions {
            allow_software: true,
            timeout: Duration::from_secs(timeout),
            shape: LimbShape::DEFAULT,
            max_binding_bytes: None,
        }
    }
}

/// An opened wgpu device and everything kiln keeps per device.
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    options: GpuOptions,
    modules: Mutex<HashMap<String, wgpu::ShaderModule>>,
    pipelines: Mutex<HashMap<(String, &'static str), wgpu::ComputePipeline>>,
    errors: Arc<Mutex<Vec<wgpu::Error>>>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("adapter", &self.info.name)
            .field("type", &self.info.device_type)
            .finish()
    }
}

fn rank(t: wgpu::DeviceType) -> u32 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// The reason no device could be opened, for `OpenError::NoDevice`.
pub const NO_ADAPTER_HINT: &str =
    "no Vulkan, Metal or DX12 adapter found (for a software Vulkan device on Debian/Ubuntu: apt install mesa-vulkan-drivers)";

impl Gpu {
    /// Opens the best adapter: a discrete GPU before an integrated one, a software adapter only
    /// when `options.allow_software` is set. `KILN_WGPU_ADAPTER=substring` picks by name. The
    /// device is requested with the adapter's own limits, so buffers and bindings may be as
    /// large as the hardware allows (wgpu's defaults stop at 128 MiB bindings).
    pub fn open(options: GpuOptions) -> std::result::Result<Gpu, String> {
        if !options.allow_software && !gpu_device_node_present() {
            return Err("no GPU device file (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg): only software adapters could be found, and they are slower than the cpu backend; ask for --backend wgpu explicitly to use one".to_string());
        }
        let adapters = adapters();
        if adapters.is_empty() {
            return Err(NO_ADAPTER_HINT.to_string());
        }
        let wanted = std::env::var("KILN_WGPU_ADAPTER").ok();
        let mut candidates: Vec<_> = adapters
            .into_iter()
            .filter(|a| {
                let info = a.get_info();
                (options.allow_software || info.device_type != wgpu::DeviceType::Cpu)
                    && wanted
                        .as_deref()
                        .is_none_or(|w| info.name.to_lowercase().contains(&w.to_lowercase()))
            })
            .collect();
        candidates.sort_by_key(|a| rank(a.get_info().device_type));
        let Some(adapter) = candidates.into_iter().next() else {
            return Err(match (&wanted, options.allow_software) {
                (Some(w), _) => format!("no adapter whose name contains '{w}' (KILN_WGPU_ADAPTER)"),
                (None, false) => "only software adapters (e.g. lavapipe) were found, and they are slower than the cpu backend; ask for --backend wgpu explicitly to use one".to_string(),
                (None, true) => NO_ADAPTER_HINT.to_string(),
            });
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("kiln"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| format!("adapter '{}' refused a device: {e}", info.name))?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e);
            }
        }));
        Ok(Gpu {
            device,
            queue,
            info,
            limits,
            options,
            modules: Mutex::new(HashMap::new()),
            pipelines: Mutex::new(HashMap::new()),
            errors,
        })
    }

    /// The wgpu device.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The wgpu queue.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// The adapter's description.
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// Whether the adapter is a software rasteriser (lavapipe, WARP...).
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// The limb shape the kernels are generated for.
    pub fn shape(&self) -> LimbShape {
        self.options.shape
    }

    /// The device limits in force (the adapter's own).
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    /// The largest storage binding in bytes: the device's limit, the largest buffer, and any
    /// cap from [`GpuOptions::max_binding_bytes`].
    pub fn max_binding_bytes(&self) -> u64 {
        let device = self
            .limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size);
        self.options
            .max_binding_bytes
            .map_or(device, |cap| cap.min(device))
    }

    /// What `kiln devices` prints.
    pub fn device_info(&self, backend: &'static str) -> DeviceInfo {
        let mib = |b: u64| format!("{} MiB", b >> 20);
        let mut properties = vec![
            ("api".to_string(), format!("{:?}", self.info.backend)),
            (
                "adapter type".to_string(),
                format!(
                    "{:?}{}",
                    self.info.device_type,
                    if self.is_software() {
                        " (software)"
                    } else {
                        ""
                    }
                ),
            ),
            (
                "driver".to_string(),
                format!("{} {}", self.info.driver, self.info.driver_info)
                    .trim()
                    .to_string(),
            ),
            ("limbs".to_string(), self.shape().name()),
            ("max binding".to_string(), mib(self.max_binding_bytes())),
            ("max buffer".to_string(), mib(self.limits.max_buffer_size)),
        ];
        properties.push((
            "wait timeout".to_string(),
            format!("{} s", self.options.timeout.as_secs()),
        ));
        DeviceInfo {
            backend,
            kind: if self.is_software() {
                DeviceKind::Cpu
            } else {
                DeviceKind::Gpu
            },
            name: self.info.name.clone(),
            properties,
        }
    }

    /// Turns errors wgpu reported since the last check into one [`Error`].
    pub fn check(&self, op: &'static str) -> Result<()> {
        let errors: Vec<wgpu::Error> = match self.errors.lock() {
            Ok(mut v) => v.drain(..).collect(),
            Err(_) => return Err(device_error(op, "the error log lock is poisoned")),
        };
        match errors.into_iter().next() {
            None => Ok(()),
            Some(wgpu::Error::OutOfMemory { .. }) => Err(Error::OutOfMemory {
                what: format!("{op} on {}", self.info.name),
                needed_bytes: 0,
            }),
            Some(e) => Err(device_error(op, e.to_string())),
        }
    }

    /// A storage buffer of at least `bytes` bytes (rounded up to 16), which can also be copied
    /// to and from and cleared.
    pub fn storage_buffer(&self, what: &str, bytes: u64) -> Result<wgpu::Buffer> {
        let size = bytes.max(16).div_ceil(16) * 16;
        if size > self.limits.max_buffer_size {
            return Err(Error::OutOfMemory {
                what: format!(
                    "{what}: larger than the device's largest buffer ({} bytes)",
                    self.limits.max_buffer_size
                ),
                needed_bytes: size,
            });
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(what),
            size,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        if pollster::block_on(scope.pop()).is_some() {
            return Err(Error::OutOfMemory {
                what: what.to_string(),
                needed_bytes: size,
            });
        }
        Ok(buffer)
    }

    /// A storage buffer holding `bytes` (padded with zeros to a multiple of 16).
    pub fn buffer_with(&self, what: &str, bytes: &[u8]) -> Result<wgpu::Buffer> {
        let buffer = self.storage_buffer(what, bytes.len() as u64)?;
        self.write(&buffer, 0, bytes);
        Ok(buffer)
    }

    /// Queues a write of `bytes` at `offset`; it lands before the next submitted work.
    pub fn write(&self, buffer: &wgpu::Buffer, offset: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if bytes.len().is_multiple_of(4) {
            self.queue.write_buffer(buffer, offset, bytes);
        } else {
            let mut padded = bytes.to_vec();
            padded.resize(bytes.len().div_ceil(4) * 4, 0);
            self.queue.write_buffer(buffer, offset, &padded);
        }
    }

    /// The pipeline for `entry` of the module `key`, compiling the module from `source()` the
    /// first time either is asked for. Compilation errors (naga's or the driver's) are errors,
    /// not panics.
    pub fn pipeline(
        &self,
        key: &str,
        entry: &'static str,
        source: impl FnOnce() -> String,
    ) -> Result<wgpu::ComputePipeline> {
        let lookup = (key.to_string(), entry);
        if let Some(p) = lock(&self.pipelines, "pipeline cache")?.get(&lookup) {
            return Ok(p.clone());
        }
        let module = {
            let mut modules = lock(&self.modules, "module cache")?;
            match modules.get(key) {
                Some(m) => m.clone(),
                None => {
                    let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
                    let m = self
                        .device
                        .create_shader_module(wgpu::ShaderModuleDescriptor {
                            label: Some(key),
                            source: wgpu::ShaderSource::Wgsl(source().into()),
                        });
                    if let Some(e) = pollster::block_on(scope.pop()) {
                        return Err(device_error("shader compilation", format!("{key}: {e}")));
                    }
                    modules.insert(key.to_string(), m.clone());
                    m
                }
            }
        };
        let started = Instant::now();
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(device_error(
                "pipeline creation",
                format!("{key}::{entry}: {e}"),
            ));
        }
        if std::env::var_os("KILN_WGPU_LOG").is_some() {
            eprintln!(
                "kiln wgpu: compiled {key}::{entry} in {:.2?}",
                started.elapsed()
            );
        }
        lock(&self.pipelines, "pipeline cache")?.insert(lookup, pipeline.clone());
        Ok(pipeline)
    }

    /// A new batch of device work.
    pub fn batch(&self, op: &'static str) -> Batch<'_> {
        Batch {
            gpu: self,
            op,
            encoder: self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(op) }),
        }
    }

    /// Waits for `index` to finish, at most the configured timeout.
    fn wait(&self, op: &'static str, index: wgpu::SubmissionIndex) -> Result<()> {
        match self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(self.options.timeout),
        }) {
            Ok(_) => Ok(()),
            Err(wgpu::PollError::Timeout) => Err(self.timeout_error(op)),
            Err(e) => Err(device_error(op, format!("waiting for the device: {e}"))),
        }
    }

    fn timeout_error(&self, op: &'static str) -> Error {
        device_error(
            op,
            format!(
                "timed out after {} s waiting for '{}' (set KILN_WGPU_TIMEOUT_S to wait longer)",
                self.options.timeout.as_secs(),
                self.info.name
            ),
        )
    }

    /// Copies `size` bytes at `offset` of `buffer` back to the host.
    pub fn read(
        &self,
        op: &'static str,
        buffer: &wgpu::Buffer,
        offset: u64,
        size: u64,
    ) -> Result<Vec<u8>> {
        if size == 0 {
            return Ok(Vec::new());
        }
        let staging_size = size.div_ceil(4) * 4;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("kiln readback"),
            size: staging_size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut batch = self.batch(op);
        batch
            .encoder
            .copy_buffer_to_buffer(buffer, offset, &staging, 0, staging_size);
        batch.submit()?;
        let (tx, rx) = mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        // Map callbacks run inside poll; keep polling until it lands or the deadline passes.
        let deadline = Instant::now() + self.options.timeout;
        let result = loop {
            let _ = self.device.poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: Some(Duration::from_millis(100)),
            });
            match rx.try_recv() {
                Ok(r) => break r,
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(device_error(op, "the buffer mapping was dropped"))
                }
                Err(mpsc::TryRecvError::Empty) if Instant::now() >= deadline => {
                    return Err(self.timeout_error(op))
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
        };
        result.map_err(|e| device_error(op, format!("mapping the readback buffer: {e}")))?;
        let bytes = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| device_error(op, format!("reading the mapped buffer: {e}")))?;
            view[..size as usize].to_vec()
        };
        staging.unmap();
        self.check(op)?;
        Ok(bytes)
    }
}

fn lock<'a, T>(m: &'a Mutex<T>, what: &str) -> Result<std::sync::MutexGuard<'a, T>> {
    m.lock()
        .map_err(|_| device_error("wgpu", format!("the {what} lock is poisoned")))
}

/// An [`Error::Device`] for `op`.
pub fn device_error(op: &'static str, message: impl Into<String>) -> Error {
    Error::Device {
        op,
        message: message.into(),
    }
}

/// A binding of a buffer range: a whole buffer, or `len` bytes at `offset`.
#[derive(Clone, Copy, Debug)]
pub struct Bind<'a> {
    pub buffer: &'a wgpu::Buffer,
    pub offset: u64,
    pub size: Option<u64>,
}

impl<'a> From<&'a wgpu::Buffer> for Bind<'a> {
    fn from(buffer: &'a wgpu::Buffer) -> Self {
        Bind {
            buffer,
            offset: 0,
            size: None,
        }
    }
}

/// Recorded device work, submitted and awaited (bounded) as one.
pub struct Batch<'g> {
    gpu: &'g Gpu,
    op: &'static str,
    encoder: wgpu::CommandEncoder,
}

impl Batch<'_> {
    /// Records one dispatch of `pipeline` over `threads` threads. Binding 0 of every kiln kernel
    /// is a read-only `array<u32>` of parameters, whose word 0 is the thread count (kernels
    /// return early past it) followed by `params`; `bindings` are (binding number, range).
    pub fn dispatch(
        &mut self,
        pipeline: &wgpu::ComputePipeline,
        params: &[u32],
        bindings: &[(u32, Bind<'_>)],
        threads: u64,
    ) -> Result<()> {
        if threads == 0 {
            return Ok(());
        }
        // u32::MAX itself is reserved: compact kernels test the thread count against it.
        let threads32 = u32::try_from(threads)
            .ok()
            .filter(|&t| t < u32::MAX)
            .ok_or_else(|| {
                Error::InvalidArgument(format!("{}: {threads} threads in one dispatch", self.op))
            })?;
        let mut words = Vec::with_capacity(params.len() + 1);
        words.push(threads32);
        words.extend_from_slice(params);
        let param_buffer = self
            .gpu
            .buffer_with("kiln params", bytemuck::cast_slice(&words))?;
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: param_buffer.as_entire_binding(),
        }];
        for (binding, b) in bindings {
            entries.push(wgpu::BindGroupEntry {
                binding: *binding,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: b.buffer,
                    offset: b.offset,
                    size: b.size.and_then(wgpu::BufferSize::new),
                }),
            });
        }
        let group = self
            .gpu
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            });
        let groups = threads.div_ceil(u64::from(WORKGROUP));
        let max_x = u64::from(self.gpu.limits.max_compute_workgroups_per_dimension.max(1));
        let x = groups.min(max_x);
        let y = groups.div_ceil(x);
        if y > max_x {
            return Err(Error::InvalidArgument(format!(
                "{}: {threads} threads exceed one dispatch",
                self.op
            )));
        }
        let mut pass = self
            .encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(x as u32, y as u32, 1);
        Ok(())
    }

    /// Records zero-filling a whole buffer.
    pub fn clear(&mut self, buffer: &wgpu::Buffer) {
        self.encoder.clear_buffer(buffer, 0, None);
    }

    /// Records a buffer-to-buffer copy.
    pub fn copy(
        &mut self,
        from: &wgpu::Buffer,
        from_offset: u64,
        to: &wgpu::Buffer,
        to_offset: u64,
        size: u64,
    ) {
        if size > 0 {
            self.encoder
                .copy_buffer_to_buffer(from, from_offset, to, to_offset, size);
        }
    }

    /// Submits the work and waits for it (bounded); reports any device error.
    pub fn submit(self) -> Result<()> {
        let op = self.op;
        let gpu = self.gpu;
        let index = gpu.queue.submit([self.encoder.finish()]);
        gpu.wait(op, index)?;
        gpu.check(op)
    }
}
