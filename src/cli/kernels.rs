//! `kiln kernels check`: compile every CUDA kernel with NVRTC for an architecture and print
//! what ptxas reports for each (registers, shared memory, stack, spills). Needs NVRTC, not a
//! GPU. A program that fails to compile, or a kernel kiln expects that the compiler did not
//! report, exits 1; NVRTC missing exits 2.

use std::process::ExitCode;

/// Checks `archs` (`sm_80`, `sm_90`, ...); `fresh` bypasses the kernel cache.
#[cfg(feature = "cuda")]
pub fn check(archs: &[String], fresh: bool) -> anyhow::Result<ExitCode> {
    use std::time::Instant;

    use kiln_cuda::cache::{KernelCache, Origin};
    use kiln_cuda::nvrtc::{self, parse_report};
    use kiln_cuda::Program;

    let nv = match nvrtc::load() {
        Ok(nv) => nv,
        Err(e) => {
            eprintln!("kiln kernels check: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let cache = if fresh {
        KernelCache::at(None)
    } else {
        KernelCache::from_env()
    };
    let location = nv
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the loader's search path".to_string());
    println!(
        "kiln kernels check: NVRTC {}.{} from {location}; cache {}",
        nv.version.0,
        nv.version.1,
        cache
            .dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "off".to_string())
    );
    let mut failures = 0usize;
    for arch in archs {
        println!();
        println!("architecture {arch}");
        println!(
            "  {:<26} {:>9} {:>12} {:>14} {:>12} {:>11}",
            "kernel",
            "registers",
            "shared bytes",
            "stack B (+calls)",
            "spill stores",
            "spill loads"
        );
        for program in Program::ALL {
            let start = Instant::now();
            let (compiled, origin) = match cache.compile(program, arch) {
                Ok(c) => c,
                Err(e) => {
                    println!("  {program}: FAILED");
                    eprintln!("{e}");
                    failures += 1;
                    continue;
                }
            };
            let how = match origin {
                Origin::Cache => "from the cache".to_string(),
                Origin::Nvrtc => format!("compiled in {:.1} s", start.elapsed().as_secs_f64()),
            };
            println!(
                "  program {program} ({}, cubin {} bytes, {how})",
                program.entry(),
                compiled.cubin.len()
            );
            let report = parse_report(&compiled.log);
            for r in &report {
                let flag = if r.spill_stores + r.spill_loads > 0 {
                    "  spills"
                } else {
                    ""
                };
                let stack = format!("{} ({})", r.stack_bytes, r.cumulative_stack_bytes);
                println!(
                    "    {:<24} {:>9} {:>12} {:>16} {:>12} {:>11}{flag}",
                    r.name, r.registers, r.shared_bytes, stack, r.spill_stores, r.spill_loads
                );
            }
            for kernel in program.kernels() {
                if !report.iter().any(|r| r.name == *kernel) {
                    println!("    {kernel}: MISSING from the compiler's report");
                    failures += 1;
                }
            }
        }
    }
    println!();
    if failures == 0 {
        println!(
            "kernels check: every program compiled for {}",
            archs.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("kernels check: {failures} failure(s)");
        Ok(ExitCode::from(1))
    }
}

#[cfg(not(feature = "cuda"))]
pub fn check(_archs: &[String], _fresh: bool) -> anyhow::Result<ExitCode> {
    eprintln!("kiln kernels check: this build of kiln has no CUDA support (cargo feature `cuda`)");
    Ok(ExitCode::from(2))
}

/// `sm_` followed by a compute capability, as NVRTC names real architectures.
pub fn parse_arch(s: &str) -> Result<String, String> {
    match s.strip_prefix("sm_") {
        Some(cc)
            if (2..=4).contains(&cc.len())
                && cc.chars().next().is_some_and(|c| c.is_ascii_digit())
                && cc.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Ok(s.to_string())
        }
        _ => Err(format!("'{s}' is not an architecture like sm_80 or sm_90")),
    }
}
