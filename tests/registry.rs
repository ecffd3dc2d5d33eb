//! The registry (`kiln::backends`): which backends it chooses on its own and what it answers
//! when a device is missing. Each backend's own behaviour is tested in its crate (`host/*/tests`).

use kiln::backends;

#[test]
#[cfg(feature = "fpga")]
fn the_registry_never_picks_the_simulator_and_a_missing_card_is_no_device() {
    assert_ne!(backends::open_best().name(), kiln_fpga::SIM_NAME);
    assert!(!backends::compiled_in().contains(&kiln_fpga::SIM_NAME));
    let known = backends::KNOWN
        .iter()
        .find(|b| b.name == kiln_fpga::SIM_NAME)
        .unwrap();
    assert!(known.compiled_in);
    // The xdma backend with no card: a NoDevice error that says what was looked for.
    if !kiln_fpga::card_present() {
        let err = backends::open(kiln_fpga::XDMA_NAME)
            .err()
            .expect("no card, yet fpga opened");
        let msg = err.to_string();
        assert!(matches!(err, backends::OpenError::NoDevice { .. }), "{msg}");
        assert!(msg.contains("xdma"), "{msg}");
        assert!(!backends::compiled_in().contains(&kiln_fpga::XDMA_NAME));
    }
}

/// A software adapter (lavapipe) is slower than the cpu backend: `open_best` never takes it, and
/// `compiled_in` (what "every backend" runs) does not list it; by name it still opens.
#[test]
#[cfg(feature = "wgpu")]
fn the_registry_never_picks_a_software_wgpu_adapter() {
    let options = kiln_wgpu::GpuOptions {
        allow_software: true,
        ..Default::default()
    };
    let Ok(wgpu) = kiln_wgpu::WgpuBackend::open(options) else {
        println!("no wgpu adapter at all: nothing to check");
        return;
    };
    if wgpu.gpu().is_software() {
        assert_ne!(backends::open_best().name(), "wgpu");
        assert!(!backends::compiled_in().contains(&"wgpu"));
        assert!(
            backends::open("wgpu").is_ok(),
            "by name, a software adapter opens"
        );
    }
    // The adapter is named in `kiln devices`.
    let name = wgpu.gpu().adapter_info().name.clone();
    assert!(backends::probe()
        .iter()
        .any(|(k, d)| k.name == "wgpu" && d.as_ref().is_ok_and(|d| d[0].name == name)));
}
