//! The CUDA sources, embedded in the binary, and the programs NVRTC compiles from them.
//!
//! A GPU machine may have the binaries but not the source tree, so every file under
//! `kernels/cuda` is compiled into kiln with `include_str!`. A program is one entry file
//! (`ntt.cu`, `msm_g1.cu`, ...) with its `#include "..."` lines expanded here, each file once,
//! with `#line` markers so that NVRTC's messages name the original files. The expanded text is
//! what NVRTC compiles and what the kernel cache's key hashes.

use std::collections::HashSet;
use std::fmt;

macro_rules! kernel_files {
    ($($path:literal),* $(,)?) => {
        /// Every CUDA source file, as `(path relative to kernels/cuda, text)`.
        pub const FILES: &[(&str, &str)] = &[
            $(($path, include_str!(concat!("../../../kernels/cuda/", $path))),)*
        ];
    };
}

kernel_files!(
    "util/compat.cuh",
    "util/ptx.cuh",
    "util/kernel.cuh",
    "ff/bn254_constants.cuh",
    "ff/mont.cuh",
    "ff/fq2.cuh",
    "ff/bn254.cuh",
    "ff/powers.cuh",
    "ec/xyzz.cuh",
    "ntt/ntt.cuh",
    "vec/vec.cuh",
    "msm/sort.cuh",
    "msm/accumulate.cuh",
    "ntt.cu",
    "vec.cu",
    "msm_sort.cu",
    "msm_g1.cu",
    "msm_g2.cu",
);

/// One NVRTC compilation unit: an entry file and the kernels it defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Program {
    /// NTT: twiddle generation, bit reversal, shared-memory passes, scaling.
    Ntt,
    /// Element-wise Fr vector operations.
    Vec,
    /// MSM signed digits and the counting sort by bucket (both curves).
    MsmSort,
    /// MSM bucket accumulation and reduction in G1.
    MsmG1,
    /// MSM bucket accumulation and reduction in G2.
    MsmG2,
}

impl Program {
    /// Every program, in the order `kiln kernels check` reports them.
    pub const ALL: [Program; 5] = [
        Program::Ntt,
        Program::Vec,
        Program::MsmSort,
        Program::MsmG1,
        Program::MsmG2,
    ];

    /// The entry file, relative to `kernels/cuda`.
    pub fn entry(self) -> &'static str {
        match self {
            Program::Ntt => "ntt.cu",
            Program::Vec => "vec.cu",
            Program::MsmSort => "msm_sort.cu",
            Program::MsmG1 => "msm_g1.cu",
            Program::MsmG2 => "msm_g2.cu",
        }
    }

    /// A short name for reports and cache files.
    pub fn name(self) -> &'static str {
        self.entry().trim_end_matches(".cu")
    }

    /// The `extern "C"` kernels the program defines.
    pub fn kernels(self) -> &'static [&'static str] {
        match self {
            Program::Ntt => &["ntt_twiddles", "ntt_bitrev", "ntt_scale", "ntt_pass"],
            Program::Vec => &["vec_op"],
            Program::MsmSort => &[
                "msm_digits",
                "msm_histogram",
                "msm_scatter",
                "scan_blocks",
                "scan_add",
            ],
            Program::MsmG1 => &[
                "msm_g1_accumulate",
                "msm_g1_bucket_reduce",
                "msm_g1_pairwise",
                "msm_g1_to_jacobian",
            ],
            Program::MsmG2 => &[
                "msm_g2_accumulate",
                "msm_g2_bucket_reduce",
                "msm_g2_pairwise",
                "msm_g2_to_jacobian",
            ],
        }
    }

    /// The program's source with every include expanded.
    pub fn source(self) -> Result<String, SourceError> {
        expand(self.entry())
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A source tree that does not resolve: a bug in kiln's embedded sources, reported by the
/// tests and by `kiln kernels check`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("{from}: #include \"{include}\" names no embedded kernel file")]
    MissingInclude { from: String, include: String },
    #[error("no embedded kernel file {0}")]
    MissingEntry(String),
}

/// The text of an embedded file.
pub fn file(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// `dir/rel` with `.` and `..` segments resolved.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The quoted include of a line, if it is one: `#include "x"`, with any spacing.
fn quoted_include(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("include")?.trim();
    let rest = rest.strip_prefix('"')?;
    rest.split_once('"').map(|(name, _)| name)
}

fn expand_into(
    path: &str,
    out: &mut String,
    seen: &mut HashSet<String>,
) -> Result<(), SourceError> {
    if !seen.insert(path.to_string()) {
        return Ok(());
    }
    let text = file(path).ok_or_else(|| SourceError::MissingEntry(path.to_string()))?;
    out.push_str(&format!("#line 1 \"{path}\"\n"));
    for (number, line) in text.lines().enumerate() {
        match quoted_include(line) {
            Some(include) => {
                let target = join(parent(path), include);
                if file(&target).is_none() {
                    return Err(SourceError::MissingInclude {
                        from: path.to_string(),
                        include: include.to_string(),
                    });
                }
                expand_into(&target, out, seen)?;
                out.push_str(&format!("#line {} \"{path}\"\n", number + 2));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(())
}

/// `entry` with its quoted includes expanded, each file once.
pub fn expand(entry: &str) -> Result<String, SourceError> {
    let mut out = String::new();
    expand_into(entry, &mut out, &mut HashSet::new())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_program_expands_and_defines_its_kernels() {
        for program in Program::ALL {
            let src = program.source().unwrap();
            assert!(
                !src.contains("#include \""),
                "{program}: unexpanded include"
            );
            for kernel in program.kernels() {
                let pattern = format!("KILN_THREAD_KERNEL({kernel},");
                let block = format!("KILN_BLOCK_KERNEL({kernel},");
                assert!(
                    src.contains(&pattern) || src.contains(&block),
                    "{program}: no definition of {kernel}"
                );
            }
        }
    }

    #[test]
    fn every_file_under_kernels_cuda_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernels/cuda");
        let mut missing = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if path.file_name().unwrap() != "hosttest" {
                        stack.push(path);
                    }
                    continue;
                }
                let ext = path.extension().and_then(|e| e.to_str());
                if matches!(ext, Some("cu") | Some("cuh")) {
                    let rel = path.strip_prefix(&root).unwrap().to_str().unwrap();
                    if file(rel).is_none() {
                        missing.push(rel.to_string());
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "not embedded in sources.rs: {missing:?}"
        );
    }

    #[test]
    fn includes_resolve_relative_to_the_including_file() {
        assert_eq!(join("msm", "../ff/bn254.cuh"), "ff/bn254.cuh");
        assert_eq!(join("", "ntt/ntt.cuh"), "ntt/ntt.cuh");
        assert_eq!(
            quoted_include("  #  include \"a/b.cuh\" // x"),
            Some("a/b.cuh")
        );
        assert_eq!(quoted_include("#include <stdint.h>"), None);
    }
}
