//! `kiln kernels check`: every CUDA kernel compiled by NVRTC, without a GPU; and what the registry
//! and the CLI say about the `cuda` backend on a machine without the NVIDIA driver. Needs NVRTC
//! (`make setup` installs it into .deps/nvrtc); set `KILN_SKIP_NVRTC=1` to skip these tests on a
//! machine without it (they fail otherwise, saying so).

#![cfg(feature = "cuda")]

use std::process::{Command, Output};

use kiln_cuda::Program;

fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .output()
        .expect("run kiln")
}

fn nvrtc_available() -> bool {
    if std::env::var("KILN_SKIP_NVRTC").is_ok_and(|v| v == "1") {
        return false;
    }
    if let Err(e) = kiln_cuda::nvrtc::load() {
        panic!("{e}\n(set KILN_SKIP_NVRTC=1 to skip the NVRTC tests)");
    }
    true
}

#[test]
fn kernels_check_compiles_and_reports_every_kernel() {
    if !nvrtc_available() {
        return;
    }
    let o = kiln(&["kernels", "check", "--arch", "sm_90"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for program in Program::ALL {
        for kernel in program.kernels() {
            let line = out
                .lines()
                .find(|l| l.split_whitespace().next() == Some(kernel))
                .unwrap_or_else(|| panic!("{kernel} missing from:\n{out}"));
            let registers: u32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            assert!(registers > 0 && registers <= 255, "{line}");
        }
    }
    assert!(out.contains("every program compiled for sm_90"), "{out}");
}

#[test]
fn kernels_check_refuses_what_is_not_an_architecture() {
    let o = kiln(&["kernels", "check", "--arch", "compute_90"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an architecture"));
}

#[test]
fn a_compile_error_is_an_error_with_nvrtcs_log() {
    if !nvrtc_available() {
        return;
    }
    let err = kiln_cuda::nvrtc::compile(
        Program::Vec,
        "extern \"C\" __global__ void k(int* p) { p[0] = undefined_name; }",
        "sm_90",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("undefined_name"), "{text}");
}

#[test]
fn without_a_driver_the_registry_and_the_cli_say_so() {
    if kiln_cuda::driver::driver_present() {
        println!("an NVIDIA driver is present: nothing to check here (make test-gpu)");
        return;
    }
    let err = kiln::backends::open("cuda")
        .err()
        .expect("no driver, yet cuda opened");
    assert!(err.to_string().contains("no NVIDIA driver found"), "{err}");
    assert!(!kiln::backends::compiled_in().contains(&"cuda"));
    let o = kiln(&["selftest", "--backend", "cuda", "--log-size", "4"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("no NVIDIA driver found"), "{stderr}");
}
