//! The operator's view of the FPGA path: `kiln card info|flash|pack`, `kiln selftest` and
//! `kiln bench` on `fpga-sim`, and the errors for a missing card. Needs `make sim`, unless
//! KILN_SKIP_SIM=1.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .output()
        .expect("run kiln")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Whether the model is there; if not, fail unless KILN_SKIP_SIM=1.
fn model_built() -> bool {
    match kiln_ffi::sim::SimTransport::open(Default::default()) {
        Ok(_) => true,
        Err(e) => {
            assert!(std::env::var_os("KILN_SKIP_SIM").is_some(), "{e}");
            println!("skipped: {e}");
            false
        }
    }
}

/// `name` in a folder of this test process, removed when it exits.
fn scratch(name: &str) -> PathBuf {
    let dir = support::scratch::process_scratch("fpga-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn card_info_on_the_model_shows_identity_capabilities_and_flash() {
    if !model_built() {
        return;
    }
    let o = kiln(&["card", "info", "--sim"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    for needle in [
        "0x4b494c4e (kiln)",
        "version        1.0.0",
        "card id        0x53494d31",
        "msm-g1, ntt, vec, flash",
        "250 MHz",
        "adder latency 48 cycles",
        "status         idle",
        "flash image    empty",
    ] {
        assert!(out.contains(needle), "'{needle}' missing:\n{out}");
    }
}

/// `kiln card pack`: wraps `bitstream` as a flash image for `card_id` in `output`.
fn pack(card_id: &str, bitstream: &std::path::Path, output: &std::path::Path) -> Output {
    let (bitstream, output) = (bitstream.to_str().unwrap(), output.to_str().unwrap());
    kiln(&[
        "card",
        "pack",
        "--card-id",
        card_id,
        "--bitstream",
        bitstream,
        "--output",
        output,
    ])
}

/// `kiln card flash --sim`: programs `image` into the simulated card's flash.
fn flash_sim(image: &std::path::Path) -> Output {
    kiln(&[
        "card",
        "flash",
        "--sim",
        "--bitstream",
        image.to_str().unwrap(),
    ])
}

#[test]
fn card_flash_writes_a_packed_image_and_refuses_wrong_ones() {
    if !model_built() {
        return;
    }
    let raw = scratch("raw.bin");
    let bits: Vec<u8> = (0..65536u32).map(|i| (i * 131 % 256) as u8).collect();
    std::fs::write(&raw, &bits).unwrap();
    let img = scratch("good.kimg");
    let o = pack("0x53494d31", &raw, &img);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = flash_sim(&img);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("flash image    valid: card ID 0x53494d31, 65536-byte bitstream"),
        "{out}"
    );

    let other = scratch("other.kimg");
    let o = pack("0x12345678", &raw, &other);
    assert!(o.status.success());
    let o = flash_sim(&other);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("the image is for card ID 0x12345678"), "{err}");

    let short = scratch("short.bin");
    std::fs::write(&short, &bits[..1000]).unwrap();
    let o = pack("0x53494d31", &short, &other);
    assert!(o.status.success());
    let o = flash_sim(&other);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("wrong size for this card"), "{err}");

    let o = flash_sim(&raw);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("magic"), "{err}");
    for f in [raw, img, other, short] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn a_missing_card_is_a_clear_error() {
    let o = kiln(&["card", "info", "--device", "/nonexistent/kiln/xdma7"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(
        err.contains("/nonexistent/kiln/xdma7_user") && err.contains("does not exist"),
        "{err}"
    );
    if !kiln::backends::fpga::card_present() {
        let o = kiln(&["selftest", "--backend", "fpga", "--log-size", "2"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2));
        assert!(err.contains("backend 'fpga' found no device"), "{err}");
    }
}

#[test]
fn selftest_and_bench_run_on_the_simulated_card() {
    if !model_built() {
        return;
    }
    let o = kiln(&["selftest", "--backend", "fpga-sim", "--log-size", "5"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains(" 0 failed"), "{out}");

    let json = scratch("bench.json");
    let o = kiln(&[
        "bench",
        "--backend",
        "fpga-sim",
        "--op",
        "msm-g1",
        "--op",
        "ntt",
        "--log-sizes",
        "6",
        "--repeats",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("card cycles") && out.contains("250 MHz"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    for r in report["results"].as_array().unwrap() {
        let card = &r["card"];
        assert!(card["cycles"].as_u64().unwrap() > 0, "{r}");
        let projected = card["projected_ms"].as_f64().unwrap();
        let parts = card["card_ms"].as_f64().unwrap() + card["host_ms"].as_f64().unwrap();
        assert!((projected - parts).abs() < 1e-9, "{r}");
    }
}

#[test]
fn devices_lists_the_simulated_card() {
    if !model_built() {
        return;
    }
    let o = kiln(&["devices"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("fpga-sim [simulator] kiln card 0x53494d31"),
        "{out}"
    );
}
