//! Command-line definitions (clap) and dispatch. Each subcommand lives in its own module.

mod batch;
mod bench;
#[cfg(feature = "fpga")]
mod card;
mod client;
mod demo;
mod devices;
mod job;
mod kernels;
mod key;
mod plot;
mod selftest;
mod serve;
mod setup;
mod snarkjs;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// kiln: BN254 proving on CPUs, GPUs and FPGAs behind one prover API.
#[derive(Debug, Parser)]
#[command(name = "kiln", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the backends compiled into this build and the devices each one finds.
    Devices,
    /// Check every seam operation of a backend (MSM G1/G2, NTT, inverse and coset NTT, vector
    /// operations) against the arkworks CPU reference on seeded random inputs and the MSM edge
    /// cases. Exits 1 on any mismatch, 2 if the backend cannot run.
    Selftest {
        /// Backend to check (see `kiln devices`).
        #[arg(long, default_value = "cpu")]
        backend: String,
        /// Main input size is 2^N. MSM edge cases also run at n = 1, 2^N - 1 and 2^N + 3; NTTs at
        /// n = 1 and 2 too.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(0..=24))]
        log_size: u32,
        /// Seed for the random inputs, decimal or 0x-hex; a fresh one is drawn and printed if absent.
        #[arg(long, value_parser = parse_seed)]
        seed: Option<u64>,
    },
    /// Time seam operations and Groth16 proving: median, min and max over repeats, next to the
    /// arkworks reference measured in the same run.
    Bench {
        /// Backend to measure.
        #[arg(long, default_value = "cpu")]
        backend: String,
        /// Operation(s) to measure; repeat the flag for several. Default: all.
        #[arg(long = "op", value_enum)]
        ops: Vec<BenchOp>,
        /// Inclusive range of log2 sizes, as A..B (or a single N). Limits: msm-g1 up to 24,
        /// msm-g2 up to 22, ntt up to 26, groth16 from 3 to 22. For groth16 the size is the
        /// evaluation domain (constraints + public inputs rounded up to a power of two).
        #[arg(long, default_value = "10..14", value_parser = parse_log_sizes)]
        log_sizes: LogSizes,
        /// Timed repetitions per size, after one untimed warm-up.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
        repeats: u32,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Seed for the random inputs (printed if drawn).
        #[arg(long, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Memory the cpu backend may spend on fixed-base tables of resident bases, in MiB
        /// (0: none). A table holds a copy of its bases per window and saves every later MSM
        /// over them its per-window reductions; building it costs tens of MSMs, so it pays only
        /// for keys that prove many times (BENCHMARKS.md, "Fixed-base tables").
        #[arg(long, default_value_t = 0)]
        fixed_base_mb: usize,
        /// Also draw the medians (backend and reference, per operation, against the size) as
        /// an SVG chart in this file.
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// Prove a circom witness with a snarkjs Groth16 or PLONK key (rapidsnark's argument order:
    /// ZKEY WITNESS PROOF PUBLIC); the proof system is read from the key. With --wasm and
    /// --input the witness is computed from circom inputs instead (snarkjs's fullprove:
    /// ZKEY PROOF PUBLIC). Writes snarkjs's proof.json and public.json, only after the proof
    /// has been verified.
    Prove {
        /// ZKEY WITNESS PROOF PUBLIC, or ZKEY PROOF PUBLIC with --wasm and --input: the snarkjs
        /// proving key (.zkey), the witness (.wtns) from circom's witness calculator, where to
        /// write the proof (proof.json) and the public signals (public.json).
        #[arg(num_args = 3..=4, required = true, value_names = ["ZKEY", "WITNESS", "PROOF", "PUBLIC"])]
        files: Vec<PathBuf>,
        /// The circuit's witness calculator (circom's .wasm), run in-process on --input.
        #[arg(long, requires = "input")]
        wasm: Option<PathBuf>,
        /// circom inputs (input.json) for --wasm.
        #[arg(long, requires = "wasm")]
        input: Option<PathBuf>,
        /// Backend to prove on; default: the best one that finds a device.
        #[arg(long)]
        backend: Option<String>,
        /// Skip the prime-order subgroup checks of the key's B-query G2 points (they are still
        /// checked to be on the curve; header points and each proof's B point are always fully
        /// checked). Without this flag every point is checked, the subgroup checks batched into
        /// random-combination tests (false-accept probability below 2^-100), and a Groth16
        /// key that passes is remembered by its SHA-256 so that later runs skip them.
        #[arg(long)]
        trusted_key: bool,
        /// Run the subgroup checks even if this key (by its SHA-256) passed them before, and do
        /// not record it. The cache of checked keys is a folder of marker files:
        /// $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln/checked-keys, else
        /// ~/.cache/kiln/checked-keys; a folder that cannot be written only costs a warning.
        #[arg(long)]
        no_key_cache: bool,
        /// Also print how long each stage of the proof took (witness checks, NTTs, MSMs,
        /// verification), to see where the time goes on a backend.
        #[arg(long)]
        stages: bool,
    },
    /// Verify a Groth16 or PLONK proof as `snarkjs groth16 verify` / `snarkjs plonk verify` do,
    /// picking the protocol from the verification key: prints OK! and exits 0, or prints
    /// "Invalid proof" and exits 1; malformed files (a proof for another protocol, the wrong
    /// number of public signals) exit 2 with the reason.
    Verify {
        /// snarkjs verification_key.json.
        verification_key: PathBuf,
        /// snarkjs public.json.
        public: PathBuf,
        /// snarkjs proof.json.
        proof: PathBuf,
    },
    /// Make a snarkjs-compatible proving key from a circom circuit and a prepared powers of tau,
    /// byte for byte what `snarkjs groth16 setup` / `snarkjs plonk setup` write. A Groth16 key
    /// still needs a phase-2 contribution (`snarkjs zkey contribute`) before production use.
    Setup {
        /// The proof system the key is for.
        #[arg(value_enum)]
        system: SetupSystem,
        /// The circuit (circom's .r1cs).
        r1cs: PathBuf,
        /// A powers of tau prepared for phase 2 (`snarkjs powersoftau prepare phase2`, or
        /// `kiln ptau new`), of a power large enough for the circuit.
        ptau: PathBuf,
        /// Where to write the key (.zkey); written through a temporary file.
        zkey: PathBuf,
    },
    /// Powers of tau files.
    Ptau {
        #[command(subcommand)]
        command: PtauCommand,
    },
    /// Device kernels: `kiln kernels check` compiles every CUDA kernel with NVRTC (no GPU
    /// needed) and prints each kernel's registers, shared memory and spills.
    Kernels {
        #[command(subcommand)]
        command: KernelsCommand,
    },
    /// FPGA card tools: `kiln card info` identifies a card, `kiln card flash` programs a
    /// bitstream image into its configuration flash, `kiln card pack` makes such an image.
    #[cfg(feature = "fpga")]
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// The main job: a derivatives-exchange batch (trades, Black-Scholes option marks, an
    /// expiry, a liquidation) applied by the engine and proven with Groth16 and with PLONK on the
    /// best available backend; both proofs are verified and must bind the same new state root.
    /// Prints a timing table, then settles the batch on-chain: deploys the verifiers and the
    /// settlement contract in an in-process EVM and prints the stored root and the gas used.
    /// The first run for a shape makes its keys (slow, then cached).
    Demo {
        /// Backend to prove on; default: the best one that finds a device.
        #[arg(long)]
        backend: Option<String>,
        /// Key folder (default: $KILN_KEYS, else ~/.cache/kiln/keys); keys are made on first use
        /// from a local, INSECURE powers of tau.
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Seed of the generated batch, decimal or 0x-hex (printed if drawn).
        #[arg(long, value_parser = parse_seed)]
        seed: Option<u64>,
        #[command(flatten)]
        shape: batch::ShapeArgs,
    },
    /// Derivatives-exchange batches: prove one, write its settlement contracts, or write a
    /// sample input.
    Batch {
        #[command(subcommand)]
        command: BatchCommand,
    },
    /// Run a prover node: an HTTP API (JSON) taking keys and jobs, a job queue in SQLite (one
    /// node, the default) or PostgreSQL (a cluster of nodes sharing one queue), and one worker
    /// per device holding its keys loaded. README, "Prover node".
    Serve(serve::ServeArgs),
    /// API keys of a node: `kiln apikey create --role submit|admin` prints a new one (only its
    /// hash is stored).
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Proving keys on a node (`kiln serve`): upload, list, delete, witness calculators.
    Key {
        #[command(subcommand)]
        command: key::KeyCommand,
    },
    /// Proving jobs on a node (`kiln serve`): submit, status, wait, cancel, list.
    Job {
        #[command(subcommand)]
        command: job::JobCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Make an API key and print it.
    Create {
        /// submit (jobs, and reading keys) or admin (everything, key uploads included).
        #[arg(long)]
        role: String,
        /// A name to remember it by.
        #[arg(long, default_value = "")]
        name: String,
        /// The node's database (as for `kiln serve --db`).
        #[arg(long)]
        db: Option<String>,
        /// The node's data folder (its default database is there).
        #[arg(long, default_value = "kiln-data")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Apply a batch to a state with the engine and prove it: writes the proofs, their
    /// verification keys, public.json, the new state and its roots into --out, and with both
    /// systems settle_calldata.hex (the calldata of KilnSettlement.settle). A batch the
    /// engine rejects (insufficient margin, stale or malformed price, overflow, ...) exits 2 with
    /// the rule it breaks; a malformed file exits 2 naming the field.
    Prove {
        /// The input: {"state": ..., "batch": ...} (see `kiln batch example`).
        #[arg(long)]
        input: PathBuf,
        /// Backend to prove on; default: the best one that finds a device.
        #[arg(long)]
        backend: Option<String>,
        /// Proof system(s).
        #[arg(long, value_enum, default_value = "both")]
        system: batch::SystemArg,
        /// Key folder (default: $KILN_KEYS, else ~/.cache/kiln/keys).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// A prepared powers of tau to make missing keys from (a ceremony's, for production);
        /// without it kiln makes a local, INSECURE one.
        #[arg(long)]
        ptau: Option<PathBuf>,
        /// Folder for the outputs.
        #[arg(long, default_value = "batch-proof")]
        out: PathBuf,
        #[command(flatten)]
        shape: batch::ShapeArgs,
    },
    /// Write the settlement contracts for a shape's keys: the Solidity sources (the verifiers
    /// with the shape's keys in BatchVerifiers.sol), the creation code of both verifiers with
    /// the keys appended and of the settlement contract (no Solidity compiler needed), and
    /// deployment.json. Makes the keys first if the folder has none.
    Contract {
        /// Key folder (default: $KILN_KEYS, else ~/.cache/kiln/keys).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Folder for the contracts.
        #[arg(long, default_value = "batch-contracts")]
        out: PathBuf,
        #[command(flatten)]
        shape: batch::ShapeArgs,
    },
    /// Write a sample input for `kiln batch prove` (a realistic batch and its state).
    Example {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed, decimal or 0x-hex (printed if drawn).
        #[arg(long, value_parser = parse_seed)]
        seed: Option<u64>,
        #[command(flatten)]
        shape: batch::ShapeArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KernelsCommand {
    /// Compile every CUDA kernel with NVRTC for the given architectures (default: sm_80 and
    /// sm_90) and print registers, shared memory, stack and spills per kernel. Exits 1 on a
    /// compile error, 2 when NVRTC is not found.
    Check {
        /// Target architecture, e.g. sm_80 (A100) or sm_90 (H100/H200); repeat for several.
        #[arg(long = "arch", value_parser = kernels::parse_arch)]
        archs: Vec<String>,
        /// Compile even if the kernel cache holds the programs.
        #[arg(long)]
        no_cache: bool,
    },
}

/// The proof systems `kiln setup` makes keys for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SetupSystem {
    Groth16,
    Plonk,
}

#[derive(Debug, Subcommand)]
pub enum PtauCommand {
    /// Make a local powers of tau, prepared for phase 2, in snarkjs's format. INSECURE: this
    /// process knows the toxic waste, so keys made from the file are for development and tests
    /// only; production keys need a multi-party ceremony's file.
    New {
        /// log2 of the largest circuit (constraints, or PLONK gates) the file supports; the file
        /// grows as 2^power (power 12: about 5 MiB, power 20: about 1.3 GiB).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=kiln_prover::setup::ptau::PTAU_NEW_MAX_POWER as i64))]
        power: u32,
        /// Where to write the file; written through a temporary file.
        out: PathBuf,
    },
}

/// What `kiln bench` can measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchOp {
    /// G1 multi-scalar multiplication, bases resident.
    MsmG1,
    /// G2 multi-scalar multiplication, bases resident.
    MsmG2,
    /// Forward NTT of a resident vector.
    Ntt,
    /// A whole Groth16 proof (key resident), verification included.
    Groth16,
}

impl BenchOp {
    pub const ALL: [BenchOp; 4] = [
        BenchOp::MsmG1,
        BenchOp::MsmG2,
        BenchOp::Ntt,
        BenchOp::Groth16,
    ];

    /// The log2 sizes this operation can be measured at: bounded by host memory for the inputs
    /// and the reference, and for groth16 by the smallest domain a circuit with a round has.
    pub fn log_size_range(self) -> std::ops::RangeInclusive<u32> {
        match self {
            BenchOp::MsmG1 => 0..=24,
            BenchOp::MsmG2 => 0..=22,
            BenchOp::Ntt => 0..=26,
            BenchOp::Groth16 => 3..=22,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BenchOp::MsmG1 => "msm-g1",
            BenchOp::MsmG2 => "msm-g2",
            BenchOp::Ntt => "ntt",
            BenchOp::Groth16 => "groth16",
        }
    }
}

/// An inclusive range of log2 sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogSizes {
    pub first: u32,
    pub last: u32,
}

fn parse_log_sizes(s: &str) -> Result<LogSizes, String> {
    let parse = |t: &str| -> Result<u32, String> {
        let v: u32 = t
            .trim()
            .parse()
            .map_err(|_| format!("'{t}' is not a whole number"))?;
        if v > 26 {
            return Err(format!("log size {v} is too large (at most 26)"));
        }
        Ok(v)
    };
    let (first, last) = match s.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
        None => (parse(s)?, parse(s)?),
    };
    if first > last {
        return Err(format!("empty range {first}..{last}"));
    }
    Ok(LogSizes { first, last })
}

fn parse_seed(s: &str) -> Result<u64, String> {
    kiln_host::conformance::parse_seed(s)
        .ok_or_else(|| format!("'{s}' is not a seed (decimal or 0x-hex u64)"))
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Devices => devices::run(),
        Command::Selftest {
            backend,
            log_size,
            seed,
        } => selftest::run(&backend, log_size, seed),
        Command::Bench {
            backend,
            ops,
            log_sizes,
            repeats,
            json,
            seed,
            fixed_base_mb,
            plot,
        } => {
            let ops = if ops.is_empty() {
                BenchOp::ALL.to_vec()
            } else {
                ops
            };
            bench::run(
                &backend,
                &ops,
                log_sizes,
                repeats,
                bench::Outputs {
                    json: json.as_deref(),
                    plot: plot.as_deref(),
                },
                seed,
                fixed_base_mb << 20,
            )
        }
        Command::Kernels {
            command: KernelsCommand::Check { archs, no_cache },
        } => {
            let archs = if archs.is_empty() {
                vec!["sm_80".to_string(), "sm_90".to_string()]
            } else {
                archs
            };
            kernels::check(&archs, no_cache)
        }
        #[cfg(feature = "fpga")]
        Command::Card { command } => card::run(command),
        Command::Demo {
            backend,
            keys,
            seed,
            shape,
        } => demo::run(backend.as_deref(), keys.as_deref(), seed, &shape),
        Command::Batch {
            command:
                BatchCommand::Prove {
                    input,
                    backend,
                    system,
                    keys,
                    ptau,
                    out,
                    shape,
                },
        } => batch::run_prove(
            &input,
            backend.as_deref(),
            system,
            keys.as_deref(),
            ptau.as_deref(),
            &out,
            &shape,
        ),
        Command::Batch {
            command: BatchCommand::Contract { keys, out, shape },
        } => batch::run_contract(keys.as_deref(), &out, &shape),
        Command::Batch {
            command: BatchCommand::Example { out, seed, shape },
        } => batch::run_example(out.as_deref(), seed, &shape),
        Command::Prove {
            files,
            wasm,
            input,
            backend,
            trusted_key,
            no_key_cache,
            stages,
        } => snarkjs::prove(
            &snarkjs::ProveFiles::from_args(files, wasm, input)?,
            backend.as_deref(),
            snarkjs::ProveOptions {
                trusted_key,
                no_key_cache,
                stages,
            },
        ),
        Command::Verify {
            verification_key,
            public,
            proof,
        } => snarkjs::verify(&verification_key, &public, &proof),
        Command::Setup {
            system,
            r1cs,
            ptau,
            zkey,
        } => setup::run_setup(system, &r1cs, &ptau, &zkey),
        Command::Ptau {
            command: PtauCommand::New { power, out },
        } => setup::run_ptau_new(power, &out),
        Command::Serve(args) => serve::run(args),
        Command::Apikey {
            command:
                ApikeyCommand::Create {
                    role,
                    name,
                    db,
                    data,
                },
        } => serve::create_api_key(db, &data, &role, &name),
        Command::Key { command } => key::run(command),
        Command::Job { command } => job::run(command),
    }
}

/// Opens a backend by name, or the best available one.
fn open_backend(name: Option<&str>) -> anyhow::Result<Box<dyn kiln_host::Backend>> {
    match name {
        Some(name) => Ok(kiln::backends::open(name)?),
        None => Ok(kiln::backends::open_best()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_size_ranges_parse() {
        assert_eq!(
            parse_log_sizes("10..16"),
            Ok(LogSizes {
                first: 10,
                last: 16
            })
        );
        assert_eq!(
            parse_log_sizes("10..=16"),
            Ok(LogSizes {
                first: 10,
                last: 16
            })
        );
        assert_eq!(
            parse_log_sizes("12"),
            Ok(LogSizes {
                first: 12,
                last: 12
            })
        );
        assert!(parse_log_sizes("16..10").is_err());
        assert!(parse_log_sizes("a..b").is_err());
        assert!(parse_log_sizes("10..40").is_err());
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
