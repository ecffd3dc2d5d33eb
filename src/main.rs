//! The `kiln` command line (`kiln --help` for the details):
//!
//! * operators: `devices`, `selftest`, `bench`, `kernels check`, `card info|flash|pack`;
//! * prover nodes and circom users: `prove`, `verify`, `setup groth16|plonk`, `ptau new`;
//! * the exchange frontend: `batch prove|example`, and `demo`, which runs one batch end to end.
//!
//! Each subcommand is one module of `src/cli/`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    return_large_frees_to_the_system();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Keeps glibc's allocator from holding on to freed multi-megabyte buffers.
///
/// glibc maps allocations above a threshold (128 KiB) and unmaps them when freed, but after the
/// first such free it raises the threshold to that buffer's size (up to 32 MiB), so that later
/// buffers of key, witness and NTT size come from the heap, where memory freed in the middle of
/// it is kept by the process. `kiln prove` frees its loading buffers early, then allocates and
/// frees vectors of a few megabytes per stage: with the threshold fixed, its resident memory
/// follows what it uses (about 1 MB less at the peak of a 31,200-constraint proof, where the
/// peak is within a few percent of rapidsnark's; BENCHMARKS.md), at the cost of one `mmap` per
/// large buffer, which a proof makes tens of.
fn return_large_frees_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists; mallopt only
    // changes the allocator's parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}
