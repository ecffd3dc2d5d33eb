//! Host facts for the cpu backend's device report, read from /proc where it exists.

use crate::device::{DeviceInfo, DeviceKind};

fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|line| line.split(':').next().map(str::trim) == Some(key))
        .and_then(|line| line.split_once(':'))
        .map(|(_, value)| value.trim().to_string())
}

/// Describes the host CPU: model, threads, memory and the instruction-set extensions that the
/// arkworks field arithmetic benefits from.
pub fn cpu_device_info(backend: &'static str) -> DeviceInfo {
    let name = proc_field("/proc/cpuinfo", "model name")
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut properties = vec![
        ("threads".to_string(), threads.to_string()),
        (
            "rayon threads".to_string(),
            rayon::current_num_threads().to_string(),
        ),
    ];
    if let Some(mem) = proc_field("/proc/meminfo", "MemTotal") {
        properties.push(("memory".to_string(), mem));
    }
    if let Some(flags) = proc_field("/proc/cpuinfo", "flags") {
        let wanted = ["adx", "bmi2", "avx2", "avx512f"];
        let have: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|f| flags.split_whitespace().any(|x| x == *f))
            .collect();
        properties.push((
            "isa extensions".to_string(),
            if have.is_empty() {
                "none of adx/bmi2/avx2/avx512f".into()
            } else {
                have.join(" ")
            },
        ));
    }
    properties.push((
        "msm".to_string(),
        "ark-ec VariableBaseMSM (Pippenger, signed digits)".into(),
    ));
    properties.push((
        "ntt".to_string(),
        "ark-poly radix-2 domains, up to 2^28".into(),
    ));
    DeviceInfo {
        backend,
        kind: DeviceKind::Cpu,
        name,
        properties,
    }
}
