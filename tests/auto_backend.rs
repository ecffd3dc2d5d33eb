//! Automatic backend choice on a machine without a GPU costs nothing: `open_best` must not load a
//! software Vulkan driver (lavapipe, and the LLVM it links: about 50 MB resident) only to reject
//! it. Alone in its test binary, so no other test has loaded a driver into the process first.

#[test]
#[cfg(all(feature = "wgpu", target_os = "linux"))]
fn automatic_choice_without_a_gpu_device_file_loads_no_vulkan_driver() {
    if kiln_wgpu::gpu_device_node_present() {
        println!(
            "this machine has a GPU device file: enumerating adapters is the right thing here"
        );
        return;
    }
    let backend = kiln::backends::open_best();
    let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
    let drivers: Vec<&str> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|path| path.contains("libvulkan") || path.contains("libLLVM"))
        .collect();
    assert!(
        drivers.is_empty(),
        "open_best chose '{}' but loaded {drivers:?} on a machine with no GPU device file",
        backend.name()
    );
    assert_eq!(backend.name(), "cpu");
}
