//! The `kiln` binary as an operator uses it: exit codes, output, the JSON a script reads.

use std::process::{Command, Output};

fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .output()
        .expect("run kiln")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn devices_lists_every_backend_and_the_cpu_device() {
    let o = kiln(&["devices"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for name in ["cuda", "wgpu", "fpga", "fpga-sim", "cpu"] {
        assert!(out.contains(name), "missing {name} in:\n{out}");
    }
    // A build without every backend says which are missing; a full build has none to report.
    let every_backend = cfg!(all(feature = "cuda", feature = "wgpu", feature = "fpga"));
    assert_eq!(
        out.contains("not compiled into this build"),
        !every_backend,
        "{out}"
    );
    assert!(out.contains("threads"));
    let compiled = out
        .lines()
        .find_map(|l| l.strip_prefix("compiled in: "))
        .unwrap_or_else(|| panic!("no 'compiled in' line in:\n{out}"));
    assert!(compiled.split(", ").any(|b| b == "cpu"), "{out}");
}

#[test]
fn selftest_passes_on_cpu_and_prints_its_seed() {
    let seed = kiln_host::conformance::fresh_seed();
    println!("selftest seed {seed:#x}");
    let o = kiln(&[
        "selftest",
        "--backend",
        "cpu",
        "--log-size",
        "5",
        "--seed",
        &format!("{seed:#x}"),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(out.contains(&format!("seed {seed:#x}")), "{out}");
    assert!(out.contains(" 0 failed"), "{out}");
    for op in [
        "msm-g1",
        "msm-g2",
        "ntt",
        "intt",
        "coset-ntt",
        "coset-intt",
        "vec-mul",
    ] {
        assert!(
            out.contains(&format!("PASS  {op} ")),
            "no passing {op} line:\n{out}"
        );
    }
    for case in [
        "zero scalars",
        "scalar r-1",
        "all-equal scalars",
        "duplicated bases",
        "infinity bases",
        "n = 1",
        "not a power of two",
    ] {
        assert!(out.contains(case), "edge case '{case}' missing:\n{out}");
    }
}

#[test]
fn selftest_fails_with_exit_status_1_on_a_wrong_backend() {
    let o = kiln(&["selftest", "--backend", "faulty", "--log-size", "4"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  msm-g1 "), "{out}");
    assert!(out.contains("FAIL  coset-ntt "), "{out}");
    assert!(out.contains("PASS  msm-g2 "), "{out}");
    assert!(!out.contains(" 0 failed"), "{out}");
}

#[test]
fn unavailable_backends_are_refused_with_what_is_available() {
    // Compiled in, but its device is missing: the fpga backend pointed at a card that does not
    // exist (KILN_FPGA_DEVICE), so the answer is the same on every machine.
    let o = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["selftest", "--backend", "fpga"])
        .env("KILN_FPGA_DEVICE", "/nonexistent/xdma9")
        .output()
        .expect("run kiln");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let expected = if cfg!(feature = "fpga") {
        "backend 'fpga' found no device"
    } else {
        "not compiled into this build"
    };
    assert!(
        stderr(&o).contains(expected) && stderr(&o).contains("available: "),
        "{}",
        stderr(&o)
    );

    // Left out of this build (wgpu is not a default feature).
    if !cfg!(feature = "wgpu") {
        let o = kiln(&["selftest", "--backend", "wgpu"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            stderr(&o).contains("not compiled into this build"),
            "{}",
            stderr(&o)
        );
    }

    let o = kiln(&["bench", "--backend", "tpu"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown backend 'tpu'")
            && err.contains("fpga-sim")
            && err.contains("available in this build: ")
            && err.contains("cpu"),
        "{err}"
    );
}

#[test]
fn bad_flags_are_refused() {
    for args in [
        &["selftest", "--log-size", "99"][..],
        &["bench", "--log-sizes", "12..10"],
        &["bench", "--op", "fft"],
        &["selftest", "--seed", "banana"],
        &["bench", "--repeats", "0"],
        &["bench", "--repeats", "4294967295"],
        &["bench", "--op", "groth16", "--log-sizes", "2"],
        &["bench", "--op", "msm-g2", "--log-sizes", "10..26"],
    ] {
        let o = kiln(args);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn bench_writes_json_a_script_can_read() {
    let dir = std::env::temp_dir().join(format!("kiln-bench-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.json");
    let o = kiln(&[
        "bench",
        "--op",
        "msm-g1",
        "--op",
        "ntt",
        "--op",
        "groth16",
        "--log-sizes",
        "5..6",
        "--repeats",
        "3",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report["backend"], "cpu");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let stats = &r["backend"];
        let (min, median, max) = (
            stats["min_ms"].as_f64().unwrap(),
            stats["median_ms"].as_f64().unwrap(),
            stats["max_ms"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= median && median <= max, "{r}");
        assert!(r["reference"]["median_ms"].as_f64().unwrap() > 0.0);
        assert_eq!(r["repeats"], 3);
    }
    assert_eq!(results[0]["op"], "msm-g1");
    assert_eq!(results[0]["n"], 32);
    assert_eq!(results[5]["op"], "groth16");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_proves_a_batch_with_both_systems_and_prints_a_timing_table() {
    let s = kiln_circuits::model::Shape::TEST;
    // The key folder the batch tests share (made once per circuit).
    let keys = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiln-batch-keys");
    let o = kiln(&[
        "demo",
        "--backend",
        "cpu",
        "--seed",
        "0x1",
        "--keys",
        keys.to_str().unwrap(),
        "--accounts",
        &s.accounts.to_string(),
        "--slots",
        &s.slots.to_string(),
        "--trades",
        &s.trades.to_string(),
        "--series",
        &s.series.to_string(),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    for line in [
        "batch seed 0x1",
        "Black-Scholes mark",
        "expired: settled at its payoff",
        "new state root:",
        "groth16: proof verified",
        "plonk: proof verified",
        "groth16 and plonk agree on the new state root",
        "engine: apply the batch natively",
        "groth16: prove (verified before returning)",
        "plonk: prove (verified before returning)",
    ] {
        assert!(out.contains(line), "'{line}' missing:\n{out}");
    }
}

#[test]
fn help_documents_every_flag() {
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["selftest", "--help"],
            &["--backend", "--log-size", "--seed"],
        ),
        (
            &["bench", "--help"],
            &[
                "--backend",
                "--op",
                "--log-sizes",
                "--repeats",
                "--json",
                "--seed",
                "msm-g1",
                "msm-g2",
                "groth16",
            ],
        ),
        (
            &["demo", "--help"],
            &[
                "--backend",
                "--keys",
                "--seed",
                "--accounts",
                "--slots",
                "--trades",
                "--series",
            ],
        ),
        (
            &["batch", "prove", "--help"],
            &[
                "--input",
                "--backend",
                "--system",
                "--keys",
                "--ptau",
                "--out",
                "--trades",
            ],
        ),
        (
            &["batch", "example", "--help"],
            &["--out", "--seed", "--accounts"],
        ),
        (&["setup", "--help"], &["groth16", "plonk", "r1cs", "ptau"]),
        (&["ptau", "new", "--help"], &["--power", "INSECURE"]),
        (
            &["--help"],
            &[
                "devices", "selftest", "bench", "demo", "batch", "prove", "verify", "setup", "ptau",
            ],
        ),
    ];
    for (args, expected) in cases {
        let o = kiln(args);
        assert!(o.status.success());
        let out = stdout(&o);
        for flag in expected {
            assert!(
                out.contains(flag),
                "`kiln {}` does not mention {flag}:\n{out}",
                args.join(" ")
            );
        }
    }
}
