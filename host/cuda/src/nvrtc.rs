//! NVRTC at run time: finding the library, compiling a program to a cubin, and reading the
//! ptxas report (registers, shared memory, spills) out of the compile log.
//!
//! NVRTC is loaded dynamically (cudarc's `dynamic-loading`), so kiln builds and starts without
//! it. cudarc finds a library by its file name through the dynamic loader's search path; kiln
//! first looks for `libnvrtc.so.13` in the places it is usually installed (see [`search_dirs`])
//! and loads it and its builtins library (`libnvrtc-builtins.so.13.*`, which NVRTC itself opens
//! by name during a compile) by full path with `RTLD_GLOBAL`. A later load by name then finds
//! the already-loaded library, so `LD_LIBRARY_PATH` is not needed for a `make setup` install in
//! `.deps/nvrtc`. A missing NVRTC is an error with the places searched, never a panic.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cudarc::nvrtc::{result, sys};

use crate::sources::{Program, SourceError};

/// The NVRTC major version kiln's cudarc bindings are built for (feature `cuda-13000`).
pub const NVRTC_MAJOR: u32 = 13;

/// Why NVRTC could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NvrtcError {
    #[error(
        "NVRTC (libnvrtc.so.{NVRTC_MAJOR}) not found; searched KILN_NVRTC_LIB, LD_LIBRARY_PATH and {searched}. \
         Run `make setup` (installs PyPI's nvidia-cuda-nvrtc into .deps/nvrtc) or set KILN_NVRTC_LIB to its lib folder"
    )]
    NotFound { searched: String },
    #[error("loading {path}: {message}")]
    Load { path: String, message: String },
    #[error("{program}: the kernel sources do not resolve: {source}")]
    Source {
        program: Program,
        #[source]
        source: SourceError,
    },
    #[error("{program} for {arch}: NVRTC failed ({status}):\n{log}")]
    Compile {
        program: Program,
        arch: String,
        status: String,
        log: String,
    },
    #[error("{program}: NVRTC call failed: {message}")]
    Call { program: Program, message: String },
}

/// NVRTC, loaded.
#[derive(Debug, Clone)]
pub struct Nvrtc {
    /// `(major, minor)` as NVRTC reports it.
    pub version: (i32, i32),
    /// Where it was loaded from, when kiln found it by path (None: the loader's own search).
    pub path: Option<PathBuf>,
}

/// A program compiled for one architecture.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub program: Program,
    pub arch: String,
    pub cubin: Vec<u8>,
    /// NVRTC's log, with ptxas's `-v` report.
    pub log: String,
}

/// The folders searched for `libnvrtc.so.13`, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(v) = std::env::var_os("KILN_NVRTC_LIB") {
        let p = PathBuf::from(v);
        dirs.push(if p.is_file() {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            p
        });
    }
    if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
        dirs.extend(std::env::split_paths(&v));
    }
    let deps = Path::new(".deps/nvrtc/nvidia/cu13/lib");
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors().take(6) {
            dirs.push(dir.join(deps));
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(6) {
            dirs.push(dir.join(deps));
        }
    }
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        if let Some(v) = std::env::var_os(var) {
            dirs.push(PathBuf::from(&v).join("lib64"));
            dirs.push(PathBuf::from(v).join("lib"));
        }
    }
    dirs.push(PathBuf::from("/usr/local/cuda/lib64"));
    dirs.push(PathBuf::from("/usr/local/cuda/targets/x86_64-linux/lib"));
    // Python wheels (PyPI nvidia-cuda-nvrtc) in the usual environments.
    for prefix in [
        "/usr/local/lib",
        "/usr/lib",
        "/opt/torch/.venv/lib",
        "/opt/conda/lib",
    ] {
        if let Ok(entries) = std::fs::read_dir(prefix) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with("python3") {
                    for site in ["site-packages", "dist-packages"] {
                        dirs.push(entry.path().join(site).join("nvidia/cu13/lib"));
                    }
                }
            }
        }
    }
    dirs.push(PathBuf::from("/usr/lib/x86_64-linux-gnu"));
    dirs
}

/// The builtins library beside a libnvrtc, if any (its exact minor version varies).
fn builtins_in(dir: &Path) -> Option<PathBuf> {
    let prefix = format!("libnvrtc-builtins.so.{NVRTC_MAJOR}");
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && !n.contains(".alt."))
        })
        .min()
}

fn load_global(path: &Path) -> Result<(), NvrtcError> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: loading NVRTC runs its initialisers, which have no preconditions.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }.map_err(|e| {
        NvrtcError::Load {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    })?;
    // Kept loaded for the life of the process: cudarc and NVRTC find it by name from now on.
    std::mem::forget(lib);
    Ok(())
}

fn locate_and_load() -> Result<Nvrtc, NvrtcError> {
    let name = format!("libnvrtc.so.{NVRTC_MAJOR}");
    let dirs = search_dirs();
    let mut path = None;
    for dir in &dirs {
        let candidate = dir.join(&name);
        if candidate.is_file() {
            if let Some(builtins) = builtins_in(dir) {
                load_global(&builtins)?;
            }
            load_global(&candidate)?;
            path = Some(candidate);
            break;
        }
    }
    // SAFETY: only probes whether the library can be opened.
    if path.is_none() && !unsafe { sys::is_culib_present() } {
        let mut searched: Vec<String> = Vec::new();
        for d in &dirs {
            let d = d.display().to_string();
            if !searched.contains(&d) {
                searched.push(d);
            }
        }
        return Err(NvrtcError::NotFound {
            searched: searched.join(", "),
        });
    }
    let (mut major, mut minor) = (0, 0);
    // SAFETY: two out-pointers to live integers.
    let status = unsafe { sys::nvrtcVersion(&mut major, &mut minor) };
    if status != sys::nvrtcResult::NVRTC_SUCCESS {
        return Err(NvrtcError::Load {
            path: path.map(|p| p.display().to_string()).unwrap_or(name),
            message: format!("nvrtcVersion failed: {status:?}"),
        });
    }
    Ok(Nvrtc {
        version: (major, minor),
        path,
    })
}

/// Finds and loads NVRTC once per process.
pub fn load() -> Result<&'static Nvrtc, NvrtcError> {
    static NVRTC: OnceLock<Result<Nvrtc, NvrtcError>> = OnceLock::new();
    NVRTC
        .get_or_init(locate_and_load)
        .as_ref()
        .map_err(Clone::clone)
}

/// The NVRTC options kiln compiles every program with, for `arch` (`sm_80`, `sm_90`, ...).
pub fn options(arch: &str) -> Vec<String> {
    vec![
        format!("--gpu-architecture={arch}"),
        "--std=c++17".to_string(),
        "--ptxas-options=-v".to_string(),
    ]
}

/// Deletes an NVRTC program however its use ends.
struct ProgramGuard(sys::nvrtcProgram);

impl Drop for ProgramGuard {
    fn drop(&mut self) {
        // SAFETY: created by create_program and destroyed only here.
        let _ = unsafe { result::destroy_program(self.0) };
    }
}

fn text(raw: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = raw
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Compiles `program` to a cubin for `arch` (e.g. `sm_90`).
pub fn compile(program: Program, source: &str, arch: &str) -> Result<Compiled, NvrtcError> {
    load()?;
    let call = |message: String| NvrtcError::Call { program, message };
    let src = CString::new(source).map_err(|_| call("source contains a NUL byte".into()))?;
    let name = CString::new(program.entry()).expect("entry names have no NUL");
    let prog = result::create_program(&src, Some(name.as_c_str()))
        .map_err(|e| call(format!("nvrtcCreateProgram: {e:?}")))?;
    let guard = ProgramGuard(prog);
    let opts = options(arch);
    // SAFETY: `prog` is live until the guard drops.
    let status = unsafe { result::compile_program(guard.0, &opts) };
    // SAFETY: as above.
    let log = unsafe { result::get_program_log(guard.0) }
        .map(|raw| text(&raw))
        .unwrap_or_default();
    if let Err(e) = status {
        return Err(NvrtcError::Compile {
            program,
            arch: arch.to_string(),
            status: format!("{e:?}"),
            log,
        });
    }
    let mut size = 0usize;
    // SAFETY: `prog` is live; `size` is a live out-pointer.
    let status = unsafe { sys::nvrtcGetCUBINSize(guard.0, &mut size) };
    if status != sys::nvrtcResult::NVRTC_SUCCESS || size == 0 {
        return Err(call(format!(
            "nvrtcGetCUBINSize: {status:?} (size {size}); is {arch} a real architecture (sm_XX)?"
        )));
    }
    let mut cubin = vec![0u8; size];
    // SAFETY: the buffer holds exactly the size NVRTC reported.
    let status = unsafe { sys::nvrtcGetCUBIN(guard.0, cubin.as_mut_ptr().cast()) };
    if status != sys::nvrtcResult::NVRTC_SUCCESS {
        return Err(call(format!("nvrtcGetCUBIN: {status:?}")));
    }
    Ok(Compiled {
        program,
        arch: arch.to_string(),
        cubin,
        log,
    })
}

/// What ptxas reported for one kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelReport {
    pub name: String,
    pub registers: u32,
    pub shared_bytes: u32,
    /// The kernel's own stack frame.
    pub stack_bytes: u32,
    /// Its stack including the functions it calls (`KILN_HD_CALL` point operations).
    pub cumulative_stack_bytes: u32,
    /// Spills of the kernel and of the functions reported with it.
    pub spill_stores: u32,
    pub spill_loads: u32,
    pub barriers: u32,
}

/// The number before `unit` in `line` (`"Used 40 registers"`, `"1024 bytes smem"`).
fn number_before(line: &str, unit: &str) -> Option<u32> {
    let at = line.find(unit)?;
    line[..at].split_whitespace().last()?.parse().ok()
}

/// The per-kernel report in a compile log made with `--ptxas-options=-v`. ptxas writes, per
/// entry: "Compiling entry function 'k' for 'sm_90'", "Function properties for k", "N bytes
/// stack frame, N bytes spill stores, N bytes spill loads", "Used N registers, used N barriers,
/// N bytes smem, N bytes cumulative stack size"; then "Function properties for <callee>" with its
/// own stack line for each non-inlined function it calls.
pub fn parse_report(log: &str) -> Vec<KernelReport> {
    let mut out: Vec<KernelReport> = Vec::new();
    let mut properties_of_entry = false;
    for line in log.lines() {
        if let Some(rest) = line.split("Compiling entry function '").nth(1) {
            let name = rest.split('\'').next().unwrap_or_default().to_string();
            out.push(KernelReport {
                name,
                ..Default::default()
            });
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if let Some(rest) = line.split("Function properties for ").nth(1) {
            properties_of_entry = rest.trim() == current.name;
        } else if line.contains("stack frame") {
            let stores = number_before(line, "bytes spill stores").unwrap_or(0);
            let loads = number_before(line, "bytes spill loads").unwrap_or(0);
            if properties_of_entry {
                current.stack_bytes = number_before(line, "bytes stack frame").unwrap_or(0);
            }
            current.spill_stores += stores;
            current.spill_loads += loads;
        } else if line.contains("Used") && line.contains("registers") {
            current.registers = number_before(line, "registers").unwrap_or(0);
            current.barriers = number_before(line, "barriers").unwrap_or(0);
            current.shared_bytes = number_before(line, "bytes smem").unwrap_or(0);
            current.cumulative_stack_bytes =
                number_before(line, "bytes cumulative stack size").unwrap_or(current.stack_bytes);
        }
    }
    out
}

/// The program's expanded source, or the error naming the file that does not resolve.
pub fn program_source(program: Program) -> Result<String, NvrtcError> {
    program
        .source()
        .map_err(|source| NvrtcError::Source { program, source })
}

/// NVRTC's version string for reports.
pub fn version_string() -> Option<String> {
    load()
        .ok()
        .map(|n| format!("{}.{}", n.version.0, n.version.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ptxas_report_is_parsed() {
        let log = "ptxas info    : 0 bytes gmem\n\
            ptxas info    : Compiling entry function 'k2' for 'sm_90'\n\
            ptxas info    : Function properties for k2\n\
            ptxas         .     8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads\n\
            ptxas info    : Used 10 registers, used 0 barriers\n\
            ptxas info    : Compiling entry function 'k' for 'sm_90'\n\
            ptxas info    : Function properties for k\n\
            ptxas         .     256 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n\
            ptxas info    : Used 96 registers, used 1 barriers, 1024 bytes smem, 384 bytes cumulative stack size\n\
            ptxas info    : Function properties for _Z3addv\n\
            ptxas         .     0 bytes stack frame, 16 bytes spill stores, 8 bytes spill loads\n";
        let r = parse_report(log);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0],
            KernelReport {
                name: "k2".into(),
                registers: 10,
                shared_bytes: 0,
                stack_bytes: 8,
                cumulative_stack_bytes: 8,
                spill_stores: 4,
                spill_loads: 12,
                barriers: 0
            }
        );
        assert_eq!(
            (
                r[1].registers,
                r[1].shared_bytes,
                r[1].barriers,
                r[1].stack_bytes,
                r[1].cumulative_stack_bytes
            ),
            (96, 1024, 1, 256, 384)
        );
        assert_eq!(
            (r[1].spill_stores, r[1].spill_loads),
            (16, 8),
            "a callee's spills count"
        );
    }
}
