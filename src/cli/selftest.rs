//! `kiln selftest`

use std::process::ExitCode;

use kiln_host::conformance::{fresh_seed, run_selftest, SelftestConfig};

pub fn run(backend_name: &str, log_size: u32, seed: Option<u64>) -> anyhow::Result<ExitCode> {
    let backend = super::open_backend(Some(backend_name))?;
    let seed = seed.unwrap_or_else(fresh_seed);
    let device = backend.device_info();
    println!(
        "kiln selftest: backend {} on {}",
        backend.name(),
        device.name
    );
    println!(
        "log size {log_size} (n = {}), seed {seed:#x}",
        1u64 << log_size
    );
    println!(
        "replay: kiln selftest --backend {backend_name} --log-size {log_size} --seed {seed:#x}"
    );
    println!();
    let outcomes = run_selftest(&*backend, SelftestConfig { log_size, seed }, |o| {
        println!("{o}")
    })?;
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    println!();
    println!(
        "selftest: {} passed, {} failed",
        outcomes.len() - failed,
        failed
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
