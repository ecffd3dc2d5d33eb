//! `kiln batch prove|example` and the shared path `kiln demo` runs: a derivatives-exchange batch
//! applied by the engine, proven with Groth16 and/or PLONK on a backend, verified, and checked to
//! bind one new state root.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use clap::{Args, ValueEnum};
use kiln_circuits::json::{batch_to_json, read_input, state_to_json};
use kiln_circuits::model::{Batch, Shape, State};
use kiln_circuits::prove::{prove_batch, BatchKeys, BatchProof, Report, Systems};
use kiln_circuits::units::{to_f64, PRICE_FRAC, VALUE_FRAC};
use kiln_prover::api::{Proof, ProofSystem};
use kiln_prover::setup;

use super::setup::Bar;
use super::table::{self, ms};

/// The dimensions of the batch circuit; one set of keys serves every batch of one shape.
#[derive(Args, Clone, Copy, Debug)]
pub struct ShapeArgs {
    /// Accounts in the state tree (a power of two).
    #[arg(long, default_value_t = Shape::DEMO.accounts)]
    pub accounts: usize,
    /// Position slots per account (1 to 3).
    #[arg(long, default_value_t = Shape::DEMO.slots)]
    pub slots: usize,
    /// Trades per batch (shorter batches are padded).
    #[arg(long, default_value_t = Shape::DEMO.trades)]
    pub trades: usize,
    /// Option series in the market.
    #[arg(long, default_value_t = Shape::DEMO.series)]
    pub series: usize,
}

impl ShapeArgs {
    pub fn shape(&self) -> anyhow::Result<Shape> {
        let s = Shape {
            accounts: self.accounts,
            slots: self.slots,
            trades: self.trades,
            series: self.series,
        };
        s.validate().map_err(anyhow::Error::msg)?;
        Ok(s)
    }
}

/// Which proof systems `kiln batch prove` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SystemArg {
    Groth16,
    Plonk,
    /// Both; the batch is final only when both proofs bind the same new state root.
    Both,
}

impl From<SystemArg> for Systems {
    fn from(s: SystemArg) -> Self {
        match s {
            SystemArg::Groth16 => Systems::Groth16,
            SystemArg::Plonk => Systems::Plonk,
            SystemArg::Both => Systems::Both,
        }
    }
}

/// Where keys are kept when `--keys` is not given: `$KILN_KEYS`, else `~/.cache/kiln/keys`.
pub fn default_key_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("KILN_KEYS") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    cache.join("kiln").join("keys")
}

/// Key preparation reported on stderr, long stages with a progress bar.
struct CliReport {
    bar: Bar,
}

impl Report for CliReport {
    fn stage(&self, what: &str) {
        self.bar.finish();
        eprintln!("kiln: {what}");
    }
    fn progress(&self) -> &dyn setup::Progress {
        &self.bar
    }
}

/// Makes or opens the keys of `shape` under `root`, timing it.
pub fn keys(
    root: &Path,
    shape: &Shape,
    ptau: Option<&Path>,
) -> anyhow::Result<(BatchKeys, Duration)> {
    let start = Instant::now();
    let report = CliReport { bar: Bar::new() };
    let folder = BatchKeys::folder(root, shape);
    let keys = BatchKeys::prepare(&folder, shape, ptau, &report);
    report.bar.finish();
    let keys = keys.with_context(|| format!("preparing keys in {}", folder.display()))?;
    Ok((keys, start.elapsed()))
}

fn decimal(raw: ark_bn254::Fr, frac: u32) -> String {
    match kiln_circuits::arith::i128_from_fr(raw) {
        Some(v) => format!("{:.6}", to_f64(v, frac)),
        None => raw.to_string(),
    }
}

/// Proves, then prints what happened and a timing table. Returns the proof for the caller to
/// write out.
pub fn prove_and_report(
    backend: &dyn kiln_host::Backend,
    keys: &BatchKeys,
    key_time: Duration,
    state: &State,
    batch: &Batch,
    systems: Systems,
) -> anyhow::Result<BatchProof> {
    let mut rng = StdRng::from_entropy();
    let proven = prove_batch(backend, keys, state, batch, systems, &mut rng)?;
    let o = &proven.outcome;
    println!(
        "batch {}: {} trades, {} liquidation(s), {} option series, on backend '{}'",
        batch.id,
        batch.trades.len(),
        batch.liquidations.len(),
        batch.market.series.len(),
        backend.name()
    );
    println!(
        "circuit: {} constraints, {} signals (keys in {})",
        proven.constraints,
        proven.witness_len,
        keys.dir.display()
    );
    for (k, (s, mark)) in batch.market.series.iter().zip(&o.marks).enumerate() {
        let expired = s.expiry <= batch.time;
        println!(
            "  series {k}: {} strike {}: Black-Scholes mark {}{}",
            if s.put { "put " } else { "call" },
            to_f64(s.strike.into(), PRICE_FRAC),
            decimal(*mark, PRICE_FRAC),
            if expired {
                " (expired: settled at its payoff)"
            } else {
                ""
            }
        );
    }
    let fund_before = to_f64(state.insurance_fund, VALUE_FRAC);
    let fund_after = to_f64(o.new_state.insurance_fund, VALUE_FRAC);
    println!("insurance fund: {fund_before:.2} -> {fund_after:.2}");
    println!("old state root: {}", o.old_root);
    println!("new state root: {}", o.new_root);
    println!(
        "public input:   Poseidon(old root, new root, batch id, prices hash) = {}",
        o.public
    );
    for p in &proven.proofs {
        println!("{}: proof verified, binds the public input above", p.system);
    }
    if proven.proofs.len() == 2 {
        println!("groth16 and plonk agree on the new state root: the batch is final");
    }
    println!();
    let mut rows = vec![
        vec![
            "keys (made once per shape, then loaded)".to_string(),
            ms(key_time),
        ],
        vec![
            "engine: apply the batch natively".to_string(),
            ms(proven.engine),
        ],
        vec![
            "synthesize the circuit and witness".to_string(),
            ms(proven.synthesis),
        ],
    ];
    for p in &proven.proofs {
        rows.push(vec![
            format!("{}: load key onto {}", p.system, backend.name()),
            ms(p.load),
        ]);
        rows.push(vec![
            format!("{}: prove (verified before returning)", p.system),
            ms(p.prove),
        ]);
    }
    table::print(&["stage", "time"], &rows);
    Ok(proven)
}

/// Writes the proofs, public input, verification keys and new state into `out`, and with both
/// systems the calldata of `KilnSettlement.settle` for the batch.
fn write_outputs(out: &Path, proven: &BatchProof, batch_id: u64) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    for p in &proven.proofs {
        let name = p.system.name();
        let proof = match &p.proof {
            Proof::Groth16(pr) => kiln_prover::snarkjs_json::proof_to_json(pr),
            Proof::Plonk(pr) => kiln_prover::plonk::json::proof_to_json(pr),
        };
        files.push((out.join(format!("{name}_proof.json")), proof));
        files.push((
            out.join(format!("{name}_verification_key.json")),
            p.verifying_key.to_json(),
        ));
    }
    if let Some(p) = proven.proofs.first() {
        files.push((
            out.join("public.json"),
            kiln_prover::snarkjs_json::public_to_json(&p.public),
        ));
    }
    let o = &proven.outcome;
    files.push((out.join("new_state.json"), state_to_json(&o.new_state)));
    files.push((
        out.join("roots.json"),
        serde_json::json!({
            "old_root": o.old_root.to_string(),
            "new_root": o.new_root.to_string(),
            "prices_hash": o.prices_hash.to_string(),
            "public": o.public.to_string(),
            "batch_id": batch_id,
        }),
    ));
    let mut written = Vec::new();
    if proven.proofs.len() == 2 {
        let settle = kiln::settlement::Settle::of(batch_id, proven)?;
        let path = out.join("settle_calldata.hex");
        let hex = format!("0x{}\n", revm::primitives::hex::encode(settle.calldata()));
        std::fs::write(&path, hex).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    let refs: Vec<(&Path, serde_json::Value)> = files
        .iter()
        .map(|(p, v)| (p.as_path(), v.clone()))
        .collect();
    super::snarkjs::write_json_files_atomically(&refs)?;
    written.extend(files.into_iter().map(|(p, _)| p));
    Ok(written)
}

/// `kiln batch prove`.
#[allow(clippy::too_many_arguments)]
pub fn run_prove(
    input: &Path,
    backend: Option<&str>,
    system: SystemArg,
    key_root: Option<&Path>,
    ptau: Option<&Path>,
    out: &Path,
    shape: &ShapeArgs,
) -> anyhow::Result<ExitCode> {
    let shape = shape.shape()?;
    let text =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", input.display()))?;
    let (state, batch) =
        read_input(&json, &shape).with_context(|| format!("in {}", input.display()))?;
    // The engine first: a batch it refuses costs no key preparation.
    kiln_circuits::engine::apply(&shape, &state, &batch)
        .map_err(|r| anyhow::anyhow!("the batch is rejected: {r}"))?;
    let backend = super::open_backend(backend)?;
    let root = key_root.map_or_else(default_key_root, Path::to_path_buf);
    let (keys, key_time) = keys(&root, &shape, ptau)?;
    let proven = prove_and_report(&*backend, &keys, key_time, &state, &batch, system.into())?;
    let written = write_outputs(out, &proven, batch.id)?;
    eprintln!(
        "kiln batch prove: wrote {}",
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln batch example`: a sample input for `kiln batch prove`.
pub fn run_example(
    out: Option<&Path>,
    seed: Option<u64>,
    shape: &ShapeArgs,
) -> anyhow::Result<ExitCode> {
    let shape = shape.shape()?;
    let seed = seed.unwrap_or_else(kiln_host::conformance::fresh_seed);
    let (state, batch) =
        kiln_circuits::sample::demo_batch(&shape, &mut StdRng::seed_from_u64(seed));
    let json =
        serde_json::json!({ "state": state_to_json(&state), "batch": batch_to_json(&batch) });
    let text = serde_json::to_string_pretty(&json)? + "\n";
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "kiln batch example: seed {seed:#x}: wrote {}",
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The proof systems as the demo reports them.
pub fn system_names(systems: Systems) -> String {
    systems
        .list()
        .iter()
        .map(|s: &ProofSystem| s.name())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `kiln batch contract`: the settlement contracts for a shape's keys, ready to deploy.
pub fn run_contract(
    key_root: Option<&Path>,
    out: &Path,
    shape: &ShapeArgs,
) -> anyhow::Result<ExitCode> {
    use kiln::settlement::{self as st, BatchVerifyingKeys};
    let shape = shape.shape()?;
    let root = key_root.map_or_else(default_key_root, Path::to_path_buf);
    let (keys, _) = keys(&root, &shape, None)?;
    let vks = BatchVerifyingKeys::read(&keys)?;
    let name = keys
        .dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let hex = |code: Vec<u8>| format!("{}\n", revm::primitives::hex::encode(code));
    let mut files: Vec<(String, String)> = st::SOURCES
        .iter()
        .map(|(n, text)| (n.to_string(), text.to_string()))
        .collect();
    files.push(("BatchVerifiers.sol".into(), st::shape_source(&name, &vks)?));
    files.push((
        "groth16_verifier.bin".into(),
        hex(st::verifier_creation_code(
            "KilnGroth16Verifier",
            &st::groth16_key_words(&vks.groth16)?,
        )),
    ));
    files.push((
        "plonk_verifier.bin".into(),
        hex(st::verifier_creation_code(
            "KilnPlonkVerifier",
            &st::plonk_key_words(&vks.plonk)?,
        )),
    ));
    files.push((
        "settlement.bin".into(),
        hex(st::creation_code("KilnSettlement")),
    ));
    let manifest = serde_json::json!({
        "shape": name,
        "solc": st::SOLC_VERSION,
        "solc_settings": serde_json::from_str::<serde_json::Value>(st::SOLC_SETTINGS)?,
        "deploy": [
            {"contract": "KilnGroth16Verifier", "creation_code": "groth16_verifier.bin",
             "note": "the shape's key is appended as the constructor argument"},
            {"contract": "KilnPlonkVerifier", "creation_code": "plonk_verifier.bin",
             "note": "the shape's key is appended as the constructor argument"},
            {"contract": "KilnSettlement", "creation_code": "settlement.bin",
             "constructor": "(uint256 genesisRoot, uint64 firstBatchId, address groth16Verifier, address plonkVerifier)",
             "note": "append the ABI-encoded constructor arguments"},
        ],
        "settle": st::SETTLE,
    });
    files.push((
        "deployment.json".into(),
        serde_json::to_string_pretty(&manifest)? + "\n",
    ));
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (n, text) in &files {
        let path = out.join(n);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "kiln batch contract: wrote {} files for shape {name} into {} (deploy in the order of deployment.json)",
        files.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
