//! hdl/ is accepted by both simulators the issue names: Icarus Verilog (iverilog -g2012)
//! compiles the card's top level and every unit test wrapper, and Verilator 5 lints them with
//! -Wall (the waivers are the ones `make sim` uses: empty output pins and unused package
//! constants are deliberate). Both get hdl/rtl as the include path for kiln_assert.svh; Verilator
//! lints the assertions it holds, Icarus compiles without them (it cannot parse concurrent
//! assertions). Needs iverilog and verilator (`make setup`), unless KILN_SKIP_SIM=1.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hdl() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hdl")
}

/// The RTL in compile order: the two packages, then every module.
fn rtl() -> Vec<PathBuf> {
    let dir = hdl().join("rtl");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sv"))
        .filter(|p| !p.ends_with("kiln_pkg.sv") && !p.ends_with("kiln_arch_pkg.sv"))
        .collect();
    modules.sort();
    let mut files = vec![dir.join("kiln_pkg.sv"), dir.join("kiln_arch_pkg.sv")];
    files.extend(modules);
    files
}

/// `-I<hdl/rtl>`, where the modules find kiln_assert.svh.
fn include_dir() -> String {
    format!("-I{}", hdl().join("rtl").display())
}

fn wrappers() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(hdl().join("tb"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sv"))
        .collect();
    v.sort();
    v
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-V").output().is_ok()
        || Command::new(name).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("KILN_SKIP_SIM").is_some(),
            "{name} not found: `make setup` installs it (or set KILN_SKIP_SIM=1)"
        );
        println!("skipped: {name} not found");
    }
    found
}

#[test]
fn icarus_compiles_the_card_and_every_unit_wrapper() {
    if !tool("iverilog") {
        return;
    }
    let out = std::env::temp_dir().join(format!("kiln-iverilog-{}.vvp", std::process::id()));
    let mut tops = vec![("kiln_card".to_string(), None)];
    for w in wrappers() {
        let top = w.file_stem().unwrap().to_string_lossy().into_owned();
        tops.push((top, Some(w)));
    }
    assert!(tops.len() >= 9, "{tops:?}");
    for (top, extra) in tops {
        let o = Command::new("iverilog")
            .args(["-g2012", &include_dir(), "-s", &top, "-o"])
            .arg(&out)
            .args(rtl())
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "iverilog -s {top} failed:\n{stderr}");
        // Icarus prints "sorry" notes for constructs it accepts but simulates conservatively;
        // anything called an error fails the test.
        assert!(
            !stderr.to_lowercase().contains("error"),
            "iverilog -s {top}:\n{stderr}"
        );
        // Icarus elaborated a real design, not an empty one.
        assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{top}");
    }
    let _ = std::fs::remove_file(&out);
}

#[test]
fn verilator_lints_the_card_and_every_unit_wrapper_clean() {
    if !tool("verilator") {
        return;
    }
    let mut tops = vec![("kiln_card".to_string(), None)];
    for w in wrappers() {
        let top = w.file_stem().unwrap().to_string_lossy().into_owned();
        tops.push((top, Some(w)));
    }
    for (top, extra) in tops {
        let o = Command::new("verilator")
            .args([
                "--lint-only",
                "-Wall",
                "-Wno-PINCONNECTEMPTY",
                "-Wno-DECLFILENAME",
                "-Wno-UNUSEDPARAM",
                &include_dir(),
                "--top-module",
                &top,
            ])
            .args(rtl())
            .args(extra)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "verilator --lint-only -Wall on {top}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
