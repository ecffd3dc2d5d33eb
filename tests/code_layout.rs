//! The `kiln` executable is linked with the code a proof runs kept together (build.rs,
//! link/hot_code.ld) and, where the loader allows, with packed relative relocations: checks that
//! both took effect, so that a lost symbol-mangling setting, a list that no longer names kiln's
//! MSM or a probe that stopped passing shows up here rather than as a quietly larger resident
//! set (BENCHMARKS.md, "Stop 32" and "Stop 33").

use std::process::Command;

/// (name, address, size) of the executable's sections, from `readelf`.
fn sections(binary: &str) -> Vec<(String, u64, u64)> {
    let out = Command::new("readelf")
        .args(["-SW", binary])
        .output()
        .expect("readelf runs");
    assert!(out.status.success(), "readelf -SW {binary} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|line| {
            // "  [16] .text.hot   PROGBITS   00000000005a5880 5a4880 1be721 00  AX  0   0 16"
            let rest = line.trim_start().strip_prefix('[')?.split_once(']')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let address = u64::from_str_radix(fields.get(2)?, 16).ok()?;
            let size = u64::from_str_radix(fields.get(4)?, 16).ok()?;
            Some((fields[0].to_string(), address, size))
        })
        .collect()
}

/// Addresses of the function symbols whose (mangled) name contains `fragment`.
fn symbol_addresses(binary: &str, fragment: &str) -> Vec<u64> {
    let out = Command::new("nm")
        .args(["--defined-only", binary])
        .output()
        .expect("nm runs");
    assert!(out.status.success(), "nm {binary} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.contains(fragment))
        .filter_map(|line| u64::from_str_radix(line.split_whitespace().next()?, 16).ok())
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn proving_code_is_linked_together() {
    let binary = env!("CARGO_BIN_EXE_kiln");
    let sections = sections(binary);
    let (_, start, size) = sections
        .iter()
        .find(|(name, _, _)| name == ".text.hot")
        .unwrap_or_else(|| {
            panic!("{binary} has no .text.hot section: build.rs or link/hot_code.ld")
        });
    let text = sections
        .iter()
        .find(|(name, _, _)| name == ".text")
        .expect(".text");
    println!(
        ".text.hot {size} bytes at {start:#x}, .text {} bytes",
        text.2
    );
    // The proving path is about 1.8 MB in a release build; a script that matched only a few
    // names (legacy mangling, say) would leave it nearly empty.
    assert!(*size > 512 * 1024, ".text.hot holds only {size} bytes");
    assert!(
        *size < text.2,
        ".text.hot ({size} bytes) is not smaller than the rest of .text"
    );
    // kiln's own MSM (v0 names: crate kiln_msm, module cpu) runs in every proof.
    let msm = symbol_addresses(binary, "8kiln_msm3cpu10by_windows");
    assert!(
        !msm.is_empty(),
        "no kiln_msm::cpu::by_windows symbols in {binary}"
    );
    let inside = msm
        .iter()
        .filter(|a| (*start..start + size).contains(*a))
        .count();
    println!(
        "{inside} of {} kiln_msm::cpu::by_windows instances in .text.hot",
        msm.len()
    );
    assert!(
        inside > 0,
        "none of kiln's MSM window functions is in .text.hot"
    );
}

/// glibc's version on this machine, as (major, minor), from `getconf GNU_LIBC_VERSION`.
fn glibc_version() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    // "glibc 2.36"
    let text = String::from_utf8_lossy(&out.stdout);
    let (major, minor) = text.split_whitespace().nth(1)?.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn relative_relocations_are_packed_where_the_loader_applies_them() {
    let binary = env!("CARGO_BIN_EXE_kiln");
    let out = Command::new("readelf")
        .args(["-dW", binary])
        .output()
        .expect("readelf runs");
    assert!(out.status.success(), "readelf -dW {binary} failed");
    let packed = String::from_utf8_lossy(&out.stdout).contains("(RELR)");
    let rela = sections(binary)
        .into_iter()
        .find(|(name, _, _)| name == ".rela.dyn")
        .map_or(0, |(_, _, size)| size);
    let glibc = glibc_version();
    let opted_out = option_env!("KILN_PACKED_RELOCS") == Some("0");
    println!("glibc {glibc:?}, DT_RELR {packed}, .rela.dyn {rela} bytes, opted out {opted_out}");
    if glibc >= Some((2, 36)) && !opted_out {
        assert!(
            packed,
            "{binary} has no DT_RELR although glibc here applies it"
        );
        // What is left are the relocations that name a symbol; the relative ones (about
        // 29,000, 0.7 MB) went to .relr.dyn.
        assert!(rela < 64 * 1024, ".rela.dyn is still {rela} bytes");
    } else {
        assert!(
            !packed,
            "{binary} has DT_RELR, which this machine's loader does not apply"
        );
    }
}
