//! Compiles kiln's CUDA sources as host C++ (src/emulator.cpp includes the kernel entry files).

fn main() {
    // kernels/cuda, recursively: every header and entry file the emulator includes.
    println!("cargo:rerun-if-changed=..");
    cc::Build::new()
        .cpp(true)
        .file("src/emulator.cpp")
        .flag_if_supported("-std=c++17")
        .flag_if_supported("-Wall")
        .flag_if_supported("-Wextra")
        .flag_if_supported("-Wno-unused-parameter")
        .opt_level(2)
        .compile("kiln_cuda_emulator");
}
