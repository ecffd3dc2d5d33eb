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
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
