//! How the `kiln` executable is linked on Linux, for a small resident footprint: a small proof's
//! peak memory is mostly kiln's own pages (BENCHMARKS.md, "Stop 32" and "Stop 33").
//!
//! - The code a proof runs is kept together (link/hot_code.ld, written by link/hot_code.py): a
//!   small proof then touches 2 MB of its code pages, not 6 MB. Only for lld or GNU ld (both read
//!   the script's `INSERT BEFORE`); `KILN_HOT_CODE_LAYOUT=0` leaves the default layout.
//! - Relative relocations are packed (`-z pack-relative-relocs`, DT_RELR): the loader reads a few
//!   KB at start instead of 0.7 MB of `.rela.dyn` that then stay mapped. The executable then needs
//!   a loader that knows DT_RELR (glibc 2.36 or later), so it is done only where a probe program
//!   linked the same way runs on the build machine; `KILN_PACKED_RELOCS=0` turns it off, for an
//!   executable to be copied to machines with an older glibc.

use std::path::Path;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=link/hot_code.ld");
    println!("cargo:rerun-if-env-changed=KILN_HOT_CODE_LAYOUT");
    println!("cargo:rerun-if-env-changed=KILN_PACKED_RELOCS");
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default() != "linux" {
        return;
    }
    if enabled("KILN_HOT_CODE_LAYOUT") {
        let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        let script = Path::new(&root).join("link/hot_code.ld");
        println!("cargo:rustc-link-arg-bin=kiln=-Wl,-T,{}", script.display());
    }
    if enabled("KILN_PACKED_RELOCS") && packed_relocs_run_here() {
        println!("cargo:rustc-link-arg-bin=kiln=-Wl,-z,pack-relative-relocs");
    }
}

fn enabled(variable: &str) -> bool {
    std::env::var(variable).map_or(true, |v| v != "0")
}

/// Whether a position-independent C program with a relative relocation, linked with
/// `-z pack-relative-relocs` by the linker cargo uses, links without warnings and runs: the
/// linker knows the option and this machine's loader applies DT_RELR. Never when cross-compiling
/// (the probe could not run here, and the target's loader is unknown).
fn packed_relocs_run_here() -> bool {
    if std::env::var("HOST").ok() != std::env::var("TARGET").ok() {
        return false;
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let (source, probe) = (
        Path::new(&out).join("relr_probe.c"),
        Path::new(&out).join("relr_probe"),
    );
    let program = "static int x = 7; int *p = &x; int main(void) { return *p == 7 ? 0 : 1; }\n";
    if std::fs::write(&source, program).is_err() {
        return false;
    }
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".into());
    let quiet = |c: &mut Command| {
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    quiet(
        Command::new(&linker)
            .args([
                "-fPIE",
                "-pie",
                "-Wl,-z,pack-relative-relocs",
                "-Wl,--fatal-warnings",
                "-o",
            ])
            .arg(&probe)
            .arg(&source),
    ) && quiet(&mut Command::new(&probe))
}
