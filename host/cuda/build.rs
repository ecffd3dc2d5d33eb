//! With the `emulator` feature, compiles kiln's CUDA sources as host C++
//! (src/hosttest/emulator.cpp includes the kernel entry files of kernels/cuda).

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_EMULATOR");
    if std::env::var_os("CARGO_FEATURE_EMULATOR").is_none() {
        return;
    }
    // Every header and entry file the emulator includes.
    println!("cargo:rerun-if-changed=../../kernels/cuda");
    println!("cargo:rerun-if-changed=src/hosttest/emulator.cpp");
    cc::Build::new()
        .cpp(true)
        .file("src/hosttest/emulator.cpp")
        .flag_if_supported("-std=c++17")
        .flag_if_supported("-Wall")
        .flag_if_supported("-Wextra")
        .flag_if_supported("-Wno-unused-parameter")
        .opt_level(2)
        .compile("kiln_cuda_emulator");
}
