//! The `sim` transport: the Verilator model of `hdl/` (top level `kiln_card`) in-process.
//!
//! `make sim` builds the model into `target/sim/libkiln_card_sim.so` (and the unit test
//! wrappers into `libkiln_units_sim.so`); this module loads it at run time through the C ABI of
//! `hdl/sim/kiln_card_sim.h`, with bindings bindgen generated from that header (committed in
//! `card_bindings.rs`, checked by `ffi/tests/bindings.rs`). So a plain `cargo build` needs
//! neither Verilator nor libclang, and a missing model is an error at run time that says to run
//! `make sim`.
//!
//! The libraries are looked for in `$KILN_SIM_DIR` if set, else next to the running executable
//! (and in a `sim/` folder there), else in this workspace's `target/sim`.

// Generated code: items the transport does not use stay, as bindgen wrote them.
#[allow(dead_code, non_camel_case_types, non_upper_case_globals, clippy::all)]
#[rustfmt::skip]
mod card_bindings;
#[allow(dead_code, non_camel_case_types, non_upper_case_globals, clippy::all)]
#[rustfmt::skip]
mod unit_bindings;
pub mod units;

use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{Result, TransportError};
use crate::transport::{check_aligned, Transport};

use card_bindings::{kiln_card_sim, kiln_card_sim_config, CardSimLib};

/// File name of the card model library.
pub const CARD_LIBRARY: &str = "libkiln_card_sim.so";
/// File name of the unit test library.
pub const UNITS_LIBRARY: &str = "libkiln_units_sim.so";

/// Where `make sim` writes the libraries in this source tree.
pub fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/sim")
}

/// The places a library is looked for, in order.
pub fn candidates(file: &str) -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("KILN_SIM_DIR") {
        return vec![PathBuf::from(dir).join(file)];
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(file));
        out.push(dir.join("sim").join(file));
    }
    out.push(build_dir().join(file));
    out
}

/// Finds a library, or says that the model is not built and where it looked.
pub(crate) fn locate(file: &str) -> Result<PathBuf> {
    let looked = candidates(file);
    looked
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| TransportError::ModelNotBuilt {
            looked: looked
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// A library loaded once per process, with the path it came from.
pub(crate) type LibraryCache<L> = OnceLock<Mutex<Option<(PathBuf, Arc<L>)>>>;

/// Loads each library once per process; later calls share it.
pub(crate) fn load_once<L: Send + Sync + 'static>(
    cache: &'static LibraryCache<L>,
    file: &str,
    load: impl FnOnce(&Path) -> std::result::Result<L, String>,
) -> Result<(PathBuf, Arc<L>)> {
    let slot = cache.get_or_init(|| Mutex::new(None));
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((path, lib)) = slot.as_ref() {
        return Ok((path.clone(), lib.clone()));
    }
    let path = locate(file)?;
    let lib = Arc::new(load(&path).map_err(|reason| TransportError::ModelLoad {
        path: path.clone(),
        reason,
    })?);
    *slot = Some((path.clone(), lib.clone()));
    Ok((path, lib))
}

fn card_library() -> Result<(PathBuf, Arc<CardSimLib>)> {
    static CACHE: LibraryCache<CardSimLib> = OnceLock::new();
    load_once(&CACHE, CARD_LIBRARY, |path| {
        // SAFETY: the library is our own model, built by `make sim` from hdl/; loading it runs
        // only the C++ runtime's static constructors.
        let lib = unsafe { CardSimLib::new(path) }.map_err(|e| e.to_string())?;
        // SAFETY: a function without arguments from the library just loaded.
        let abi = unsafe { lib.kiln_card_sim_abi_version() };
        if abi != card_bindings::KILN_CARD_SIM_ABI_VERSION {
            return Err(format!(
                "the library speaks ABI version {abi}, this kiln expects {}: rebuild it with `make sim`",
                card_bindings::KILN_CARD_SIM_ABI_VERSION
            ));
        }
        Ok(lib)
    })
}

/// How the simulated board behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Cycles from a card-memory read request to its data.
    pub mem_latency: u32,
    /// Per mille of cycles in which card memory refuses requests (back-pressure), 0..=999.
    pub mem_stall_permille: u32,
    /// Seed of the back-pressure pattern.
    pub seed: u64,
    /// Clock cycles each [`Transport::pause`] runs while the host polls.
    pub pause_cycles: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            mem_latency: 16,
            mem_stall_permille: 0,
            seed: 1,
            pause_cycles: 256,
        }
    }
}

/// The Verilator model of the card, behind the same [`Transport`] as a real one.
pub struct SimTransport {
    lib: Arc<CardSimLib>,
    sim: NonNull<kiln_card_sim>,
    path: PathBuf,
    mem_bytes: u64,
    pause_cycles: u64,
}

// SAFETY: the model has no thread affinity; it must only not be used from two threads at once,
// which `&mut self` on every access guarantees.
unsafe impl Send for SimTransport {}

impl std::fmt::Debug for SimTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTransport")
            .field("library", &self.path)
            .finish()
    }
}

impl SimTransport {
    /// Loads the model (once per process) and makes a fresh, reset card.
    pub fn open(config: SimConfig) -> Result<Self> {
        let (path, lib) = card_library()?;
        let raw = kiln_card_sim_config {
            mem_latency: config.mem_latency,
            mem_stall_permille: config.mem_stall_permille,
            seed: config.seed,
        };
        // SAFETY: `raw` outlives the call; the function copies it.
        let sim = unsafe { lib.kiln_card_sim_new(&raw) };
        let sim = NonNull::new(sim).ok_or_else(|| TransportError::ModelLoad {
            path: path.clone(),
            reason: format!("the model refused configuration {config:?} or ran out of memory"),
        })?;
        // SAFETY: `sim` is a live card of this library.
        let mem_bytes = unsafe { lib.kiln_card_sim_mem_bytes(sim.as_ptr()) };
        Ok(SimTransport {
            lib,
            sim,
            path,
            mem_bytes,
            pause_cycles: config.pause_cycles.max(1),
        })
    }

    /// Clock cycles simulated since the card was made.
    pub fn cycles(&self) -> u64 {
        // SAFETY: live card.
        unsafe { self.lib.kiln_card_sim_cycles(self.sim.as_ptr()) }
    }

    /// Card-memory requests from the design outside card memory (a design bug if non-zero).
    pub fn faults(&self) -> u64 {
        // SAFETY: live card.
        unsafe { self.lib.kiln_card_sim_faults(self.sim.as_ptr()) }
    }

    /// Runs the clock for `cycles` cycles.
    pub fn run(&mut self, cycles: u64) {
        // SAFETY: live card, exclusive access.
        unsafe { self.lib.kiln_card_sim_run(self.sim.as_ptr(), cycles) }
    }

    /// Cuts the flash chip's power after `commands` more program or erase commands (`None`:
    /// never), to test what an interrupted flash leaves behind.
    pub fn flash_power_cut(&mut self, commands: Option<u64>) {
        let n = commands.map_or(-1, |c| i64::try_from(c).unwrap_or(i64::MAX));
        // SAFETY: live card, exclusive access.
        unsafe { self.lib.kiln_card_sim_flash_power_cut(self.sim.as_ptr(), n) }
    }

    /// Where the RTL assertion that stopped the model failed (`<file>:<line>`), if one has:
    /// the model then answers every register access with [`TransportError::Assertion`].
    pub fn assertion(&self) -> Option<String> {
        // SAFETY: live card; the string is NUL-terminated and lives as long as the card.
        let at = unsafe { self.lib.kiln_card_sim_assertion(self.sim.as_ptr()) };
        // SAFETY: non-null means a NUL-terminated string owned by the card, copied here.
        (!at.is_null()).then(|| {
            unsafe { std::ffi::CStr::from_ptr(at) }
                .to_string_lossy()
                .into()
        })
    }

    /// The model library in use.
    pub fn library(&self) -> &Path {
        &self.path
    }

    fn code(&self, code: i32, op: &'static str, offset: u32) -> Result<()> {
        match code as u32 {
            card_bindings::KILN_CARD_SIM_OK => Ok(()),
            card_bindings::KILN_CARD_SIM_ERR_SLVERR => Err(TransportError::Refused { op, offset }),
            card_bindings::KILN_CARD_SIM_ERR_ALIGN => Err(TransportError::Misaligned { offset }),
            card_bindings::KILN_CARD_SIM_ERR_TIMEOUT => Err(TransportError::Timeout {
                what: format!("the AXI response to a register {op} at {offset:#x}"),
                waited: std::time::Duration::ZERO,
                detail: "the model's AXI4-Lite slave never answered".into(),
            }),
            card_bindings::KILN_CARD_SIM_ERR_ASSERTION => Err(TransportError::Assertion {
                at: self
                    .assertion()
                    .unwrap_or_else(|| "an unknown place".into()),
            }),
            other => Err(TransportError::ModelLoad {
                path: self.path.clone(),
                reason: format!("unexpected status {other} from a register {op}"),
            }),
        }
    }

    fn range(&self, addr: u64, len: usize) -> Result<()> {
        let len = len as u64;
        if addr <= self.mem_bytes && len <= self.mem_bytes - addr {
            Ok(())
        } else {
            Err(TransportError::OutOfRange {
                addr,
                len,
                size: self.mem_bytes,
            })
        }
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        // SAFETY: the card was made by this library and is freed exactly once.
        unsafe { self.lib.kiln_card_sim_free(self.sim.as_ptr()) }
    }
}

impl Transport for SimTransport {
    fn read32(&mut self, offset: u32) -> Result<u32> {
        check_aligned(offset)?;
        let mut value = 0u32;
        // SAFETY: live card, exclusive access, `value` outlives the call.
        let code = unsafe {
            self.lib
                .kiln_card_sim_reg_read(self.sim.as_ptr(), offset, &mut value)
        };
        self.code(code, "read", offset)?;
        Ok(value)
    }

    fn write32(&mut self, offset: u32, value: u32) -> Result<()> {
        check_aligned(offset)?;
        // SAFETY: live card, exclusive access.
        let code = unsafe {
            self.lib
                .kiln_card_sim_reg_write(self.sim.as_ptr(), offset, value)
        };
        self.code(code, "write", offset)
    }

    fn write_mem(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        self.range(addr, data.len())?;
        // SAFETY: live card; the pointer and length describe `data`.
        let code = unsafe {
            self.lib.kiln_card_sim_dma_write(
                self.sim.as_ptr(),
                addr,
                data.as_ptr(),
                data.len() as u64,
            )
        };
        if code != 0 {
            return self.range(u64::MAX, data.len());
        }
        Ok(())
    }

    fn read_mem(&mut self, addr: u64, out: &mut [u8]) -> Result<()> {
        self.range(addr, out.len())?;
        // SAFETY: live card; the pointer and length describe `out`.
        let code = unsafe {
            self.lib.kiln_card_sim_dma_read(
                self.sim.as_ptr(),
                addr,
                out.as_mut_ptr(),
                out.len() as u64,
            )
        };
        if code != 0 {
            return self.range(u64::MAX, out.len());
        }
        Ok(())
    }

    fn pause(&mut self) {
        self.run(self.pause_cycles);
    }

    fn describe(&self) -> String {
        format!("Verilator model {}", self.path.display())
    }

    fn as_sim(&mut self) -> Option<&mut SimTransport> {
        Some(self)
    }
}
