//! Lays out the `kiln` executable with the code a proof runs kept together (link/hot_code.ld,
//! written by link/hot_code.py): a small proof then touches 2 MB of its code pages, not 6 MB.
//!
//! Only for Linux targets linked by lld or GNU ld (both read the script's `INSERT BEFORE`).
//! `KILN_HOT_CODE_LAYOUT=0` leaves the default layout, for linkers without linker scripts.

fn main() {
    println!("cargo:rerun-if-changed=link/hot_code.ld");
    println!("cargo:rerun-if-env-changed=KILN_HOT_CODE_LAYOUT");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let enabled = std::env::var("KILN_HOT_CODE_LAYOUT").map_or(true, |v| v != "0");
    if target_os == "linux" && enabled {
        let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        let script = std::path::Path::new(&root).join("link/hot_code.ld");
        println!("cargo:rustc-link-arg-bin=kiln=-Wl,-T,{}", script.display());
    }
}
