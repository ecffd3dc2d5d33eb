//! `hdl/rtl/kiln_pkg.sv` is what the generator (ffi/examples/gen_hdl_consts.rs) prints today:
//! the RTL's field constants are arkworks' and its register offsets are `kiln_ffi::regs`.

#[path = "../examples/gen_hdl_consts.rs"]
mod generator;

#[test]
fn the_committed_hdl_package_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hdl/rtl/kiln_pkg.sv");
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == generator::render(),
        "{} is stale; regenerate it with \
         `cargo run -p kiln-ffi --example gen_hdl_consts > hdl/rtl/kiln_pkg.sv`",
        path.display()
    );
}

#[test]
fn the_package_holds_the_bn254_moduli() {
    // Independent of arkworks: the moduli as published (EIP-196).
    let text = generator::render();
    assert!(text.contains(
        "FqModulus = 256'h30644e72e131a029_b85045b68181585d_97816a916871ca8d_3c208c16d87cfd47"
    ));
    assert!(text.contains(
        "FrModulus = 256'h30644e72e131a029_b85045b68181585d_2833e84879b97091_43e1f593f0000001"
    ));
}
