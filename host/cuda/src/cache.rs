//! Compiled kernels on disk, so that NVRTC runs once per source version and architecture.
//!
//! An entry is `<program>-<hash>-<arch>.cubin` with NVRTC's log beside it (`.log`), where the
//! hash is SHA-256 of the expanded program source and the NVRTC options. The NVRTC version is
//! deliberately not part of the key: a cubin for a named `sm_XX` runs on any driver that
//! supports that architecture, so cubins built on a machine with NVRTC can be shipped to a GPU
//! machine as a ready cache (`make gpu-bundle`) and load there without NVRTC at all.
//!
//! The folder is `$KILN_CUDA_CACHE`, else `$XDG_CACHE_HOME/kiln/cuda`, else
//! `$HOME/.cache/kiln/cuda`; `KILN_CUDA_CACHE=off` disables the cache. Failing to write an
//! entry is not an error (the next run compiles again); an entry is written to a temporary file
//! and renamed, so a reader never sees half of one.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::nvrtc::{self, Compiled, NvrtcError};
use crate::sources::Program;

/// A cubin larger than this in the cache is treated as damaged (kiln's are well under 1 MiB).
const MAX_CUBIN_BYTES: u64 = 64 << 20;

/// The on-disk kernel cache.
#[derive(Clone, Debug)]
pub struct KernelCache {
    dir: Option<PathBuf>,
}

/// Where a compiled program came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Cache,
    Nvrtc,
}

impl KernelCache {
    /// The cache the environment selects (see the module docs).
    pub fn from_env() -> Self {
        let dir = match std::env::var_os("KILN_CUDA_CACHE") {
            Some(v) if v == "off" || v == "0" || v.is_empty() => None,
            Some(v) => Some(PathBuf::from(v)),
            None => std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|base| base.join("kiln").join("cuda")),
        };
        KernelCache { dir }
    }

    /// A cache in `dir`, or none.
    pub fn at(dir: Option<PathBuf>) -> Self {
        KernelCache { dir }
    }

    /// The folder, if caching is on.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The key of a program's source for an architecture.
    pub fn key(program: Program, source: &str, arch: &str) -> String {
        let mut h = Sha256::new();
        h.update(source.as_bytes());
        for opt in nvrtc::options(arch) {
            h.update([0u8]);
            h.update(opt.as_bytes());
        }
        let digest = h.finalize();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{hex}-{arch}", program.name())
    }

    fn read(&self, key: &str) -> Option<(Vec<u8>, String)> {
        let dir = self.dir.as_ref()?;
        let cubin_path = dir.join(format!("{key}.cubin"));
        let size = std::fs::metadata(&cubin_path).ok()?.len();
        if size == 0 || size > MAX_CUBIN_BYTES {
            return None;
        }
        let cubin = std::fs::read(&cubin_path).ok()?;
        let log = std::fs::read_to_string(dir.join(format!("{key}.log"))).unwrap_or_default();
        Some((cubin, log))
    }

    fn write(&self, key: &str, compiled: &Compiled) {
        let Some(dir) = &self.dir else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let tmp_suffix = format!("tmp{}", std::process::id());
        for (ext, bytes) in [
            ("log", compiled.log.as_bytes()),
            ("cubin", &compiled.cubin[..]),
        ] {
            let tmp = dir.join(format!("{key}.{ext}.{tmp_suffix}"));
            if std::fs::write(&tmp, bytes).is_err()
                || std::fs::rename(&tmp, dir.join(format!("{key}.{ext}"))).is_err()
            {
                let _ = std::fs::remove_file(&tmp);
                return;
            }
        }
    }

    /// The program compiled for `arch`, from the cache or from NVRTC (then cached).
    pub fn compile(&self, program: Program, arch: &str) -> Result<(Compiled, Origin), NvrtcError> {
        let source = nvrtc::program_source(program)?;
        let key = Self::key(program, &source, arch);
        if let Some((cubin, log)) = self.read(&key) {
            return Ok((
                Compiled {
                    program,
                    arch: arch.to_string(),
                    cubin,
                    log,
                },
                Origin::Cache,
            ));
        }
        let compiled = nvrtc::compile(program, &source, arch)?;
        self.write(&key, &compiled);
        Ok((compiled, Origin::Nvrtc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_source_and_arch() {
        let a = KernelCache::key(Program::Ntt, "x", "sm_80");
        assert_ne!(a, KernelCache::key(Program::Ntt, "y", "sm_80"));
        assert_ne!(a, KernelCache::key(Program::Ntt, "x", "sm_90"));
        assert!(a.starts_with("ntt-") && a.ends_with("-sm_80"));
    }

    #[test]
    fn entries_round_trip_and_damaged_ones_are_ignored() {
        let dir = std::env::temp_dir().join(format!("kiln-cache-test-{}", std::process::id()));
        let cache = KernelCache::at(Some(dir.clone()));
        let compiled = Compiled {
            program: Program::Vec,
            arch: "sm_90".into(),
            cubin: vec![1, 2, 3],
            log: "ptxas info".into(),
        };
        cache.write("k", &compiled);
        assert_eq!(
            cache.read("k"),
            Some((vec![1, 2, 3], "ptxas info".to_string()))
        );
        std::fs::write(dir.join("e.cubin"), b"").unwrap();
        assert_eq!(cache.read("e"), None);
        assert_eq!(KernelCache::at(None).read("k"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
